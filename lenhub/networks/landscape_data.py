"""The landscape of European police-cooperation bodies, as the seed documents describe it.

Pure data, no Django: the directory, the demo command and the tests read it. Every fact
carries the id of the source it comes from (see ``SOURCES``; each source names its seed
file in ``../shared/seeds``). Nothing here goes beyond what those documents state: where
they give only a count, no member list is made up; where they disagree (ENLETS'
membership), each statement is kept as its own fact with its own source. Descriptions
are written in our own words. No person is named anywhere.
"""

from typing import Literal, TypedDict

BodyKind = Literal[
    "eu_le_network",
    "commission_expert_group",
    "council_working_party",
    "other_european_network",
    "advisory_body",
    "eu_project_network",
    "umbrella",
]
StructureKind = Literal[
    "hub", "working_group", "tig", "core_group", "secretariat", "support_office", "other"
]
PartnershipKind = Literal["project", "eu_structure", "network", "other"]


class Source(TypedDict):
    title: str
    publisher: str
    date: str  # "YYYY-MM-DD", "YYYY" or "": as precise as the document states
    seed: str  # file name in ../shared/seeds


class Structure(TypedDict):
    kind: StructureKind
    name: str
    area: str  # hubs: the geographical zone; else ""
    leader: str  # a role or organisation, only as stated; never a person's name
    source: str


class Fact(TypedDict):
    key: str
    label: str
    value: str
    source: str
    note: str


class Partnership(TypedDict):
    name: str
    kind: PartnershipKind
    source: str


class NationalContacts(TypedDict):
    countries: list[str]
    note: str
    source: str


class Body(TypedDict):
    acronym: str
    name: str
    kind: BodyKind
    umbrella: str
    chair: str
    focus: list[str]
    website: str
    description: str
    member_countries: list[str]
    partner_countries: list[str]
    structures: list[Structure]
    facts: list[Fact]
    partnerships: list[Partnership]
    national_contacts: NationalContacts | None
    sources: list[str]


# --- sources ---------------------------------------------------------------------------

DG_HOME_2024 = "dg-home-lenwg-2024"
LISTING = "police-cooperation-listing"
ENLETS_BASICS = "enlets-leading-network"
ENLETS_2_0 = "enlets-2-0-2022"
ILEANET_STORY = "ec-rtd-ileanet"

SOURCES: dict[str, Source] = {
    DG_HOME_2024: {
        "title": "Law Enforcement Networks Working Group (LENWG)",
        "publisher": "European Commission, Migration and Home Affairs (DG HOME)",
        "date": "2024-05-21",
        "seed": "000_ff12ae9966620728.txt",
    },
    LISTING: {
        "title": "Networks in the Field of Police, Law Enforcement and Crime Prevention",
        "publisher": "",
        "date": "",
        "seed": "001_98fdb06302a3d07c.txt",
    },
    ENLETS_BASICS: {
        "title": "ENLETS: Leading Network in Technology for Law Enforcement Agencies",
        "publisher": "",
        "date": "",
        "seed": "002_e9230e31a08f0430.txt",
    },
    ENLETS_2_0: {
        "title": (
            "The European Network of Law Enforcement Technology Services (ENLETS) launches "
            "ENLETS 2.0 and ENLETS Messenger Service"
        ),
        "publisher": "",
        "date": "2022",  # the document is dated April 2022
        "seed": "003_714c1774d5ac9cce.txt",
    },
    ILEANET_STORY: {
        "title": "Helping law enforcement to use innovative technologies",
        "publisher": "European Commission, Research and Innovation",
        "date": "",
        "seed": "004_5f0e503c67999006.txt",
    },
}

# "All EU Member States" (ATLAS, May 2024): the 27 members of the Union at that date.
EU_MEMBER_STATES_2024 = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
]  # fmt: skip


def _fact(key: str, label: str, value: str, source: str, note: str = "") -> Fact:
    return {"key": key, "label": label, "value": value, "source": source, "note": note}


def _structure(
    kind: StructureKind, name: str, source: str, area: str = "", leader: str = ""
) -> Structure:
    return {"kind": kind, "name": name, "area": area, "leader": leader, "source": source}


def _partner(name: str, kind: PartnershipKind, source: str) -> Partnership:
    return {"name": name, "kind": kind, "source": source}


def _listed(category: str) -> Fact:
    return _fact(
        "listing_category",
        "Category in the police-cooperation listing",
        category,
        LISTING,
        "How the listing of European police-cooperation bodies groups this one.",
    )


# --- bodies ----------------------------------------------------------------------------

BODIES: list[Body] = [
    # The LENWG umbrella and its eight networks (seed 000) ------------------------------
    {
        "acronym": "LENWG",
        "name": "Law Enforcement Networks Working Group",
        "kind": "umbrella",
        "umbrella": "",
        "chair": "DG HOME",
        "focus": ["counter-terrorism", "public spaces", "preparedness"],
        "website": "",
        "description": (
            "A working group set up on the European Commission's initiative and chaired by "
            "its Directorate-General for Migration and Home Affairs. It gathers eight "
            "EU-funded law-enforcement networks so that they are better prepared for "
            "shifting threats, terrorism against public spaces above all."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact(
                "chair",
                "Chaired by",
                "DG HOME",
                DG_HOME_2024,
                "The Commission's Directorate-General for Migration and Home Affairs.",
            ),
            _fact(
                "initiated_by",
                "Created on the initiative of",
                "European Commission",
                DG_HOME_2024,
                "The Commission initiated the group in answer to the current terrorist "
                "threat, which the page links to the wars in Ukraine and in Palestine.",
            ),
            _fact(
                "aim",
                "Aim",
                "Strengthen the preparedness of law-enforcement networks against evolving threats",
                DG_HOME_2024,
            ),
            _fact(
                "network_funding",
                "EU funding of law-enforcement networks",
                "Internal Security Fund",
                DG_HOME_2024,
                "One of the EU's steps to help Member States protect citizens in public spaces.",
            ),
            _fact(
                "contact",
                "Functional mailbox for questions about the networks",
                "HOME-NOTIFICATIONS-D2@ec.europa.eu",
                DG_HOME_2024,
            ),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [DG_HOME_2024],
    },
    {
        "acronym": "AIRPOL",
        "name": "Network for Police and Border Guard Units at EU airports",
        "kind": "eu_le_network",
        "umbrella": "LENWG",
        "chair": "",
        "focus": ["airport policing", "aviation security", "border security"],
        "website": "",
        "description": (
            "AIRPOL links the police and border-guard services that work at the EU's "
            "airports, covering airport policing, aviation security and the air border. "
            "It builds joint practice among them through handbooks, guidance, drills, "
            "courses and conferences. Beyond 25 EU Member States it involves seven partner "
            "countries, from Australia to the United States."
        ),
        "member_countries": [],
        "partner_countries": ["AU", "CA", "CH", "IL", "NO", "GB", "US"],
        "structures": [],
        "facts": [
            _fact("member_states", "EU Member States in the network", "25", DG_HOME_2024),
            _fact(
                "partner_countries",
                "Partner countries outside the EU",
                "Australia, Canada, Switzerland, Israel, Norway, United Kingdom, United States",
                DG_HOME_2024,
            ),
            _fact(
                "main_goal",
                "Main goal",
                "Closer cooperation between police organisations at EU airports, for the "
                "overall security of airports and civil aviation",
                DG_HOME_2024,
            ),
            _fact(
                "activities",
                "Activities",
                "Police and border guard cooperation, best practices, manuals, guidelines, "
                "exercises, training sessions, conferences",
                DG_HOME_2024,
            ),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [DG_HOME_2024],
    },
    {
        "acronym": "AQUAPOL",
        "name": "AQUAPOL",
        "kind": "eu_le_network",
        "umbrella": "LENWG",
        "chair": "",
        "focus": [
            "inland waterways",
            "maritime security",
            "labour exploitation",
            "port security",
            "digitalisation of transport",
        ],
        "website": "",
        "description": (
            "AQUAPOL gathers law-enforcement organisations working on Europe's principal "
            "inland waterways and at sea, to make their cooperation across borders more "
            "effective. Its 26 organisations from 19 countries are split into "
            "four regional hubs and share information in thematic working groups. Members "
            "log their field checks in AQUATRACK, a data site fed by vessel-tracking "
            "antennas spread over Europe."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [
            _structure(
                "hub",
                "Maritime HUB North Sea/Atlantic",
                DG_HOME_2024,
                area="North Sea and Atlantic waters",
            ),
            _structure(
                "hub",
                "Maritime HUB Mediterranean/Atlantic",
                DG_HOME_2024,
                area="Mediterranean and Atlantic waters",
            ),
            _structure(
                "hub",
                "Inland Navigation HUB for the Rhine",
                DG_HOME_2024,
                area="Rhine inland navigation",
            ),
            _structure("hub", "Danube Black Sea HUB", DG_HOME_2024, area="Danube and Black Sea"),
            _structure("working_group", "Labour exploitation", DG_HOME_2024),
            _structure("working_group", "Port security", DG_HOME_2024),
            _structure("working_group", "Digitalisation of transport", DG_HOME_2024),
        ],
        "facts": [
            _fact("member_countries", "Countries in the network", "19", DG_HOME_2024),
            _fact("member_organisations", "Organisations in the network", "26", DG_HOME_2024),
            _fact(
                "hubs",
                "Hubs",
                "4",
                DG_HOME_2024,
                "Each hub covers its own geographical zone.",
            ),
            _fact(
                "working_group_topics",
                "Working-group topics",
                "labour exploitation, port security, digitalisation of transport",
                DG_HOME_2024,
                "Information is shared through dedicated working groups on these topics.",
            ),
            _fact(
                "aim",
                "Aim",
                "Stronger security on Europe's main inland waterways and in the maritime "
                "domain through better cross-border law-enforcement cooperation",
                DG_HOME_2024,
            ),
            _fact(
                "data_platform",
                "Data website",
                "AQUATRACK",
                DG_HOME_2024,
                "Members report the controls they carry out in the field; tracked vessels "
                "are followed by AQUATRACK antennas installed across Europe.",
            ),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [DG_HOME_2024],
    },
    {
        "acronym": "ATLAS",
        "name": "ATLAS",
        "kind": "eu_le_network",
        "umbrella": "LENWG",
        "chair": "",
        "focus": [
            "special intervention",
            "counter-terrorism",
            "organised crime",
            "crisis response",
        ],
        "website": "",
        "description": (
            "ATLAS joins up the special intervention units of every EU Member State and of "
            "associated countries, which are on call around the clock for crises that "
            "threaten Europe's security. Through meetings, workshops, courses and drills "
            "the units get ready to operate together against terrorism and organised crime. "
            "A support office for the network sits inside Europol's counter-terrorism centre."
        ),
        "member_countries": list(EU_MEMBER_STATES_2024),
        "partner_countries": [],
        "structures": [
            _structure("support_office", "ATLAS Support Office", DG_HOME_2024),
        ],
        "facts": [
            _fact(
                "member_units",
                "Members",
                "Special Intervention Units from all EU Member States and associated countries",
                DG_HOME_2024,
                "The associated countries are not named.",
            ),
            _fact(
                "readiness",
                "Readiness",
                "24/7",
                DG_HOME_2024,
                "Units stand ready to respond to crises that affect European security.",
            ),
            _fact(
                "support_office",
                "Support office",
                "Europol headquarters, European Counter Terrorism Centre",
                DG_HOME_2024,
            ),
            _fact(
                "activities",
                "Activities",
                "Regular meetings, workshops, trainings and exercises preparing joint "
                "operations; exchange of experience and resources",
                DG_HOME_2024,
            ),
        ],
        "partnerships": [
            _partner(
                "Europol: European Counter Terrorism Centre (ECTC)", "eu_structure", DG_HOME_2024
            ),
        ],
        "national_contacts": None,
        "sources": [DG_HOME_2024],
    },
    {
        "acronym": "EIFS",
        "name": "EU In-Flight Security Officer Network",
        "kind": "eu_le_network",
        "umbrella": "LENWG",
        "chair": "",
        "focus": ["in-flight security", "aviation security"],
        "website": "",
        "description": (
            "EIFS is the network of the units that put security officers, commonly called "
            "air marshals, on board aircraft. It works to make each unit more capable "
            "and to tie the units closer together. Its main concern is the danger that "
            "travellers can present once a flight is under way."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact("also_known_as", "Also known as", "Air-Marshals", DG_HOME_2024),
            _fact(
                "main_focus",
                "Main focus",
                "Potential threats posed by passengers on board",
                DG_HOME_2024,
            ),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [DG_HOME_2024],
    },
    {
        "acronym": "ENLETS",
        "name": "European Network of Law Enforcement Technology Services",
        "kind": "eu_le_network",
        "umbrella": "LENWG",
        "chair": "",
        "focus": [
            "law enforcement technology",
            "technology watch",
            "front-line policing",
            "public protection",
            "procurement",
            "organised crime",
            "research and innovation",
        ],
        "website": "",
        "description": (
            "ENLETS is where Europe's police forces compare notes on technology: which "
            "tools exist, what users actually need and what works in practice. A Core Group "
            "of national contact points sets its strategy, and Technology Interest Groups "
            "carry it out on themes such as front-line policing and buying innovation. "
            "Since 2022 it has run as ENLETS 2.0, with a Polish secretariat, its own "
            "messenger and links to EU projects and structures."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [
            _structure(
                "core_group",
                "Core Group",
                ENLETS_BASICS,
                leader="Core Group Leader",
            ),
            _structure(
                "tig",
                "Technology Interest Groups (TIGs)",
                DG_HOME_2024,
                leader="Each TIG is led by an expert from a member state",
            ),
            _structure(
                "secretariat",
                "Secretariat and Communication lead",
                ENLETS_2_0,
                leader="Polish Platform for Homeland Security (PPHS)",
            ),
        ],
        "facts": [
            # Membership: three statements from three dates; they are not reconciled.
            _fact(
                "member_count",
                "Members across Europe",
                "29",
                DG_HOME_2024,
                "As stated by DG HOME in May 2024.",
            ),
            _fact(
                "member_states",
                "Member States joined in ENLETS",
                "27",
                ENLETS_BASICS,
                "Undated text whose state of play refers to September 2013.",
            ),
            _fact(
                "national_contact_points",
                "National Contact Points",
                "28",
                ENLETS_2_0,
                "As of April 2022.",
            ),
            _fact(
                "core_group_ncps",
                "National Contact Points in the Core Group",
                "11",
                ENLETS_2_0,
                "11 of the 28 National Contact Points, as of April 2022.",
            ),
            _fact(
                "tig_count",
                "Technology Interest Groups in place",
                "6",
                ENLETS_2_0,
                "As of April 2022; ENLETS was then reviewing their suitability and alignment.",
            ),
            _fact(
                "tig_focus",
                "Focus of the Technology Interest Groups",
                "front line policing, crime, public protection, procurement-related challenges",
                DG_HOME_2024,
            ),
            _fact(
                "active_since",
                "Active since",
                "2008",
                ENLETS_BASICS,
                "The text describes participation in the network from 2008 to 2012.",
            ),
            _fact(
                "age",
                "Age of the network",
                "almost 15 years",
                ENLETS_2_0,
                "As of April 2022.",
            ),
            _fact(
                "created_under",
                "Created under the auspices of",
                "Law Enforcement Working Party (LEWP)",
                ENLETS_BASICS,
            ),
            _fact(
                "relaunch",
                "Relaunch",
                "2012",
                ENLETS_BASICS,
                "Vision and mission refreshed; Member State representatives formed into a "
                "Core Group with a Core Group Leader.",
            ),
            _fact(
                "council_mandate",
                "Council mandate",
                "Council Conclusions of 13 June 2013",
                ENLETS_BASICS,
                "The ENLETS Core Group is to be the EU technology watch function for "
                "internal security research and industrial policy, involving the end users "
                "of internal security authorities better.",
            ),
            _fact(
                "principles",
                "Principles",
                "Sharing best practices; co-creation; research",
                ENLETS_BASICS,
                "Knowledge exchange on technology between member states; cooperation on "
                "(funded) projects with technology institutes and industry; advice on "
                "research based on end-user requirements.",
            ),
            _fact(
                "edbp",
                "ENLETS Disseminates Best Practices (EDBP)",
                "Funded by ISEC in 2013; launched September 2013",
                ENLETS_BASICS,
                "Requested by the United Kingdom, Romania and the Netherlands on behalf of "
                "the ENLETS members; summarises best practices on five law-enforcement "
                "topics. The Core Group was then exploring permanent funding.",
            ),
            _fact(
                "programme_transition",
                "Programme",
                "ENLETS 2.0",
                ENLETS_2_0,
                "Started in March 2022, when the ENLETS Technology Programme (ETP) ended.",
            ),
            _fact(
                "messenger",
                "Messenger",
                "ENLETS Messenger Service",
                ENLETS_2_0,
                "A version of the German-based Stashcat application (which connects 1.3+ "
                "million users); members are invited to it automatically.",
            ),
            _fact(
                "activities",
                "Activities",
                "Gathering user requirements, scanning and raising awareness of new "
                "technology and best practices, benchmarking, advice, joint initiatives",
                LISTING,
                "Supports front-line policing and the fight against serious and organised "
                "crime; acts as a point of contact to European law-enforcement technical "
                "organisations.",
            ),
            _fact(
                "joining_practitioners",
                "How LEA practitioners join",
                "Review the current TIGs and join the community",
                ENLETS_2_0,
                "Members can attend events, exchange practices and receive news.",
            ),
            _fact(
                "joining_other_stakeholders",
                "Other stakeholders",
                "Academia, research, industry and SMEs may sign up for the newsletters",
                ENLETS_2_0,
                "In April 2022 the newsletters were restricted to the LEA community; "
                "editions for the broader stakeholder domain were planned.",
            ),
            _fact(
                "empact",
                "EMPACT",
                "Keen to support the EU with the EMPACT priorities where possible",
                ENLETS_2_0,
            ),
            _listed("EU-focused network"),
        ],
        "partnerships": [
            _partner("PRoTECT", "project", DG_HOME_2024),
            _partner("i-LEAD", "project", ENLETS_2_0),
            _partner("QROC", "project", ENLETS_2_0),
            _partner("CYCLOPES", "project", ENLETS_2_0),
            _partner(
                "Broadway (pan-European broadband mobile system for PPDR)",
                "project",
                ENLETS_2_0,
            ),
            _partner("ENLETS Disseminates Best Practices (EDBP)", "project", ENLETS_BASICS),
            _partner("European Union Clearing Board (EuCB)", "eu_structure", ENLETS_2_0),
            _partner("Europol Innovation Lab", "eu_structure", ENLETS_2_0),
            _partner("ECTEG", "eu_structure", ENLETS_2_0),
            _partner("Law Enforcement Networks (LENs)", "network", ENLETS_2_0),
        ],
        "national_contacts": {
            "countries": [],
            "note": (
                "28 National Contact Points across the EU in April 2022, 11 of whom form the "
                "Core Group; their countries are not named."
            ),
            "source": ENLETS_2_0,
        },
        "sources": [DG_HOME_2024, LISTING, ENLETS_BASICS, ENLETS_2_0],
    },
    {
        "acronym": "ESG",
        "name": "European Surveillance Group",
        "kind": "eu_le_network",
        "umbrella": "LENWG",
        "chair": "",
        "focus": ["covert surveillance", "organised crime", "counter-terrorism"],
        "website": "",
        "description": (
            "ESG connects the specialists who follow suspects covertly, with the aim of "
            "letting such surveillance continue when a target crosses a border. It advises "
            "partners fighting organised crime, terrorism and other serious threats. Its "
            "workshops, courses and exercises also help to agree operational standards and "
            "to spot useful new technology."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact(
                "activities",
                "Activities",
                "Workshops, training courses and exercises",
                DG_HOME_2024,
                "Identifies operational standards and new technologies for police and "
                "gendarmerie officers pursuing investigations beyond national borders.",
            ),
            _fact(
                "role",
                "Role",
                "Expert advice to partners combating organised crime, terrorism and other "
                "significant threats",
                DG_HOME_2024,
                "In Europe and beyond.",
            ),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [DG_HOME_2024],
    },
    {
        "acronym": "HRSN",
        "name": "High-Risk Security Network",
        "kind": "eu_le_network",
        "umbrella": "LENWG",
        "chair": "",
        "focus": [
            "public spaces",
            "counter-terrorism",
            "critical infrastructure",
            "transport security",
            "preparedness",
        ],
        "website": "",
        "description": (
            "HRSN works on making crowded places safer through European cooperation. Its "
            "concern is stopping serious violence and terrorist attacks aimed at critical "
            "infrastructure and at transport hubs. Shared training and joint exercises help "
            "Member States get ready for attacks and respond well if one happens."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact(
                "main_goal",
                "Main goal",
                "Safer public spaces through European cooperation",
                DG_HOME_2024,
            ),
            _fact(
                "activities",
                "Activities",
                "Common training and joint exercises",
                DG_HOME_2024,
                "To improve Member States' preparedness and their capacity to react to an attack.",
            ),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [DG_HOME_2024],
    },
    {
        "acronym": "RAILPOL",
        "name": "RAILPOL",
        "kind": "eu_le_network",
        "umbrella": "LENWG",
        "chair": "",
        "focus": [
            "railway security",
            "counter-terrorism",
            "illegal migration",
            "public order",
            "strategic analysis",
        ],
        "website": "",
        "description": (
            "RAILPOL is an association of European police organisations that deal with "
            "crime and security on the railways. It sets up cooperation across borders on "
            "the continent's main lines. Its 22 members work in five thematic working "
            "groups, from counter-terrorism to rail accidents."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [
            _structure("working_group", "Counter Terrorism", DG_HOME_2024),
            _structure("working_group", "Crime and Illegal Migration", DG_HOME_2024),
            _structure("working_group", "Railway Accidents", DG_HOME_2024),
            _structure("working_group", "Public Order", DG_HOME_2024),
            _structure("working_group", "Strategic Analysis", DG_HOME_2024),
        ],
        "facts": [
            _fact("member_count", "Members", "22", DG_HOME_2024),
            _fact("working_groups", "Working groups", "5", DG_HOME_2024),
            _fact(
                "mission",
                "Mission",
                "Tackle crime and other security issues in the European railway environment "
                "through cross-border law-enforcement cooperation",
                DG_HOME_2024,
            ),
            _fact(
                "name_in_source",
                "Spelling in the source",
                "RAIPOL",
                DG_HOME_2024,
                "The page's text writes RAIPOL; its logo caption reads railpol.",
            ),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [DG_HOME_2024],
    },
    # ILEAnet (seed 004) -----------------------------------------------------------------
    {
        "acronym": "ILEAnet",
        "name": "ILEAnet",
        "kind": "eu_project_network",
        "umbrella": "",
        "chair": "",
        "focus": ["research and innovation", "law enforcement technology", "knowledge sharing"],
        "website": "",
        "description": (
            "ILEAnet grew out of an EU-funded project to build a lasting online community "
            "where police and other practitioners discuss what they need from research. "
            "Its national contacts bring in associations from their countries, alongside "
            "policymakers, academics, industry and individual officers. Guidance travels "
            "down to the street and field problems travel up, while a knowledge factory, a "
            "yearly workshop and a research roadmap help forces steer innovation."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact(
                "funding",
                "Funding",
                "EU-funded project",
                ILEANET_STORY,
            ),
            _fact(
                "participants",
                "Who takes part",
                "Law-enforcement networks and associations (through the National Contacts), "
                "policymakers, academics, industrial players, RDI stakeholders, individual "
                "law-enforcement members",
                ILEANET_STORY,
            ),
            _fact(
                "information_flows",
                "Information flows",
                "Top-down and bottom-up",
                ILEANET_STORY,
                "Directives, guidelines and recommendations reach officers; challenges from "
                "the field reach higher-level authorities.",
            ),
            _fact(
                "knowledge_factory",
                "Knowledge factory",
                "Database of RDI results and new project concepts",
                ILEANET_STORY,
                "Fed with results of completed research from monitored RDI projects.",
            ),
            _fact(
                "research_priorities",
                "Research priorities",
                "Formulated and prioritised suggestions for future research programmes, "
                "policies and standardisation",
                ILEANET_STORY,
            ),
            _fact(
                "annual_workshop",
                "Annual workshop",
                "Disseminates key network messages",
                ILEANET_STORY,
            ),
            _fact(
                "roadmap",
                "Roadmap",
                "Research challenges, technology needs and gaps in law-enforcement practice",
                ILEANET_STORY,
                "Being published at the time of writing.",
            ),
            _fact(
                "project_coordinator",
                "Project coordinator (country)",
                "France",
                ILEANET_STORY,
            ),
            _fact(
                "project_participants",
                "Project participants (countries)",
                "United Kingdom",
                ILEANET_STORY,
                "As listed in the project details; the list may be incomplete.",
            ),
            _fact("total_cost", "Total cost", "€ 3 482 146", ILEANET_STORY),
            _fact("eu_contribution", "EU contribution", "€ 3 482 146", ILEANET_STORY),
        ],
        "partnerships": [],
        "national_contacts": {
            "countries": [],
            "note": (
                "ILEAnet National Contacts (INCs), each bringing in the law-enforcement "
                "networks and associations of their own country; the countries are not "
                "named."
            ),
            "source": ILEANET_STORY,
        },
        "sources": [ILEANET_STORY],
    },
    # EU-focused networks from the listing (seed 001) ------------------------------------
    {
        "acronym": "EnviCrimeNet",
        "name": "EnviCrimeNet",
        "kind": "eu_le_network",
        "umbrella": "",
        "chair": "",
        "focus": ["environmental crime"],
        "website": "",
        "description": (
            "EnviCrimeNet is an informal network for police officers and other "
            "investigators who deal with offences against the environment. Its members "
            "learn from one another how large and what kind of problem such offending is, "
            "and how best to tackle it."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact("status", "Status", "Informal network", LISTING),
            _listed("EU-focused network"),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING],
    },
    {
        "acronym": "EUCPN",
        "name": "European Crime Prevention Network",
        "kind": "eu_le_network",
        "umbrella": "",
        "chair": "",
        "focus": ["crime prevention"],
        "website": "",
        "description": (
            "EUCPN is a broad network in which good practice in preventing crime is "
            "collected, shared and assessed. It feeds into crime-prevention strategies at "
            "local and national level and holds meetings, seminars and conferences on the "
            "subject."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact(
                "activities",
                "Activities",
                "Sharing and evaluating good practices; contributing to local and national "
                "strategies; meetings, seminars and conferences",
                LISTING,
            ),
            _fact(
                "name_in_source",
                "Spelling in the source",
                "EUPCN",
                LISTING,
                "The listing abbreviates the name as EUPCN.",
            ),
            _listed("EU-focused network"),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING],
    },
    {
        "acronym": "EMPEN",
        "name": "European Medical and Psychological Expert's Network for Law Enforcement",
        "kind": "eu_le_network",
        "umbrella": "",
        "chair": "",
        "focus": ["medical and psychological expertise"],
        "website": "",
        "description": (
            "EMPEN appears in the listing of EU-focused police-cooperation networks with "
            "its name only and no further detail. As that name says, it gathers medical and "
            "psychological experts who work for law enforcement."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [_listed("EU-focused network")],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING],
    },
    {
        "acronym": "e-MOBIDIG",
        "name": "EU Mobile Identification Interoperability Group",
        "kind": "eu_le_network",
        "umbrella": "",
        "chair": "",
        "focus": ["mobile identification", "migration"],
        "website": "",
        "description": (
            "e-MOBIDIG pools experience on handheld identity-checking devices. It gives "
            "member states guidance on building and using such equipment for police work "
            "and for immigration services."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact(
                "purpose",
                "Purpose",
                "Good practice and advice to member states on developing and using mobile "
                "ID devices for police and immigration services",
                LISTING,
            ),
            _fact(
                "name_in_source",
                "Spelling in the source",
                "EU Mobile Idenfitication Interoperability Group",
                LISTING,
                "The listing misspells Identification.",
            ),
            _listed("EU-focused network"),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING],
    },
    {
        "acronym": "Firearm-Experts",
        "name": "Firearm Experts Group",
        "kind": "commission_expert_group",
        "umbrella": "",
        "chair": "",
        "focus": ["firearms trafficking", "legislation"],
        "website": "",
        "description": (
            "An expert group of the European Commission on the illegal trade in guns and "
            "what to do against it, seen as a matter of the EU's internal security. It "
            "helps the Commission draft laws and shape policy in this area."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact(
                "subject",
                "Subject",
                "Illicit trafficking in firearms to safeguard the EU's internal security",
                LISTING,
            ),
            _fact(
                "task",
                "Task",
                "Assist the Commission in preparing legislation or defining policy",
                LISTING,
            ),
            _listed("EU-focused network"),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING],
    },
    {
        "acronym": "OC-Prevention-Forum",
        "name": "Forum on organised crime prevention",
        "kind": "commission_expert_group",
        "umbrella": "",
        "chair": "",
        "focus": ["organised crime", "crime prevention", "counter-terrorism"],
        "website": "",
        "description": (
            "A Commission expert group in which information, experience and good practice "
            "are traded. The goal is to remove the conditions in which organised crime and "
            "terrorism can grow."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact(
                "mission",
                "Mission",
                "Exchange of information, experiences and best practices to prevent "
                "conditions conducive to organised crime and terrorism",
                LISTING,
            ),
            _listed("EU-focused network"),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING],
    },
    {
        "acronym": "PCCC",
        "name": "Network of Police and Customs Cooperation Centres",
        "kind": "eu_le_network",
        "umbrella": "",
        "chair": "",
        "focus": ["police cooperation", "customs cooperation", "cross-border cooperation"],
        "website": "",
        "description": (
            "A network of police and customs cooperation centres, named in the listing "
            "of EU-focused police-cooperation networks. The listing gives its title and "
            "abbreviation but does not describe its work."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [_listed("EU-focused network")],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING],
    },
    {
        "acronym": "RCEG",
        "name": "Radio Communication Expert Group",
        "kind": "eu_le_network",
        "umbrella": "",
        "chair": "",
        "focus": ["radio communication"],
        "website": "",
        "description": (
            "An expert group on radio communications for law enforcement. The listing of "
            "EU-focused networks gives its name and abbreviation and nothing more."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [_listed("EU-focused network")],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING],
    },
    # Other European networks (seed 001) -------------------------------------------------
    {
        "acronym": "ENFSI",
        "name": "European Network of Forensic Science Institutes",
        "kind": "other_european_network",
        "umbrella": "",
        "chair": "",
        "focus": ["forensic science"],
        "website": "",
        "description": (
            "ENFSI links forensic science institutes across Europe so that they pool "
            "knowledge, compare experience and reach common agreements. It is "
            "acknowledged as an expert body for forensics."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact(
                "purpose",
                "Purpose",
                "Sharing knowledge, exchanging experiences and reaching mutual agreements "
                "in forensic science",
                LISTING,
            ),
            _fact(
                "recognition",
                "Recognition",
                "Recognised as an expert group in the field of forensic sciences",
                LISTING,
            ),
            _listed("Other network"),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING],
    },
    {
        "acronym": "Pompidou-Group",
        "name": "Pompidou Group",
        "kind": "other_european_network",
        "umbrella": "",
        "chair": "",
        "focus": ["drugs"],
        "website": "",
        "description": (
            "The Pompidou Group is the Council of Europe's body for cooperation against "
            "drug abuse and the drug trade. Its central task is helping its member states "
            "build drug policies that are multidisciplinary, innovative, effective and "
            "grounded in evidence."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact("parent_organisation", "Part of", "Council of Europe", LISTING),
            _fact(
                "full_name",
                "Full name",
                "Council of Europe Co-operation Group to Combat Drug Abuse and Illicit "
                "Trafficking in Drugs",
                LISTING,
            ),
            _fact(
                "mission",
                "Core mission",
                "Multidisciplinary, innovative, effective and evidence-based drug policies "
                "in its member states",
                LISTING,
            ),
            _listed("Other network"),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING],
    },
    {
        "acronym": "Dublin-Group",
        "name": "Dublin Group",
        "kind": "other_european_network",
        "umbrella": "",
        "chair": "",
        "focus": ["drugs"],
        "website": "",
        "description": (
            "The Dublin Group appears among the other European networks, those not tied "
            "to the EU, with transatlantic drug trafficking given as its subject. The "
            "listing says nothing else about it."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact("subject", "Subject", "Transatlantic drug trafficking", LISTING),
            _listed("Other network"),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING],
    },
    # Council of the EU working parties (seed 001) ---------------------------------------
    {
        "acronym": "LEWP",
        "name": "Law Enforcement Working Party",
        "kind": "council_working_party",
        "umbrella": "",
        "chair": "",
        "focus": ["legislation", "police cooperation", "cross-border cooperation"],
        "website": "",
        "description": (
            "A working party of the Council of the EU that deals with law-enforcement "
            "legislation and with practical questions of policing across borders. ENLETS "
            "was started under its wing."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact(
                "remit",
                "Remit",
                "Legislative activities, cross-border policing and related operational issues",
                LISTING,
            ),
            _fact(
                "enlets",
                "ENLETS",
                "ENLETS was created under the auspices of the LEWP",
                ENLETS_BASICS,
            ),
            _listed("Council of the EU working group"),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING, ENLETS_BASICS],
    },
    {
        "acronym": "HDG",
        "name": "Horizontal Working Party on Drugs",
        "kind": "council_working_party",
        "umbrella": "",
        "chair": "",
        "focus": ["drugs", "legislation"],
        "website": "",
        "description": (
            "The Council body that steers everything the Council does on drugs, set up in "
            "1997. It handles both law-making and wider policy, split between cutting the "
            "supply of drugs and cutting the demand for them."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact("founded", "Established", "1997", LISTING),
            _fact(
                "remit",
                "Remit",
                "Leading and managing the Council's work on drugs, legislative and general policy",
                LISTING,
            ),
            _fact(
                "areas",
                "Main areas",
                "Drug supply reduction; drug demand reduction",
                LISTING,
            ),
            _listed("Council of the EU working group"),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING],
    },
    {
        "acronym": "DAPIX",
        "name": "Working Party on Information Exchange and Data Protection",
        "kind": "council_working_party",
        "umbrella": "",
        "chair": "",
        "focus": ["information exchange", "data protection"],
        "website": "",
        "description": (
            "DAPIX is the Council working party that oversees how rules on sharing law- "
            "enforcement information and on guarding personal data are put into practice. "
            "It works hand in hand with Europol, notably on the strategy for making "
            "cross-border data flows simpler."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact(
                "remit",
                "Remit",
                "Implementation of legislation and policies on information exchange and "
                "personal-data protection in law enforcement",
                LISTING,
            ),
            _fact(
                "europol_cooperation",
                "Cooperation with Europol",
                "Information Management Strategy (IMS)",
                LISTING,
                "The IMS aims to streamline cross-border information exchange.",
            ),
            _listed("Council of the EU working group"),
        ],
        "partnerships": [
            _partner("Europol", "eu_structure", LISTING),
            _partner("Information Management Strategy (IMS)", "other", LISTING),
        ],
        "national_contacts": None,
        "sources": [LISTING],
    },
    {
        "acronym": "CCWP",
        "name": "Customs Cooperation Working Party",
        "kind": "council_working_party",
        "umbrella": "",
        "chair": "",
        "focus": ["customs cooperation"],
        "website": "",
        "description": (
            "The Council working party on practical cooperation between national customs "
            "services and on strengthening their enforcement. It sets the strategic and "
            "tactical goals of Joint Customs Operations, measured in seizures, newly "
            "spotted threats and criminal groups disrupted."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact(
                "remit",
                "Remit",
                "Operational cooperation among national customs administrations and their "
                "enforcement capabilities",
                LISTING,
            ),
            _fact(
                "joint_customs_operations",
                "Joint Customs Operations (JCO)",
                "Defines their strategic and tactical objectives",
                LISTING,
                "Results sought: seizures, identification of new threats, disruption of "
                "criminal gangs.",
            ),
            _listed("Council of the EU working group"),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING],
    },
    # Advisory (seed 001) -------------------------------------------------------------------
    {
        "acronym": "EMCDDA",
        "name": "European Monitoring Centre for Drugs and Drug Addiction",
        "kind": "advisory_body",
        "umbrella": "",
        "chair": "",
        "focus": ["drugs"],
        "website": "",
        "description": (
            "The EMCDDA gives the Union and its Member States the facts on Europe's drug "
            "situation. Its work provides firm evidence for policy discussions about drugs."
        ),
        "member_countries": [],
        "partner_countries": [],
        "structures": [],
        "facts": [
            _fact(
                "purpose",
                "Purpose",
                "A factual overview of European drug problems and an evidence base for the "
                "drugs debate",
                LISTING,
            ),
            _listed("Other advisory"),
        ],
        "partnerships": [],
        "national_contacts": None,
        "sources": [LISTING],
    },
]


def body(acronym: str) -> Body:
    """The body with this acronym (KeyError if there is none)."""
    for entry in BODIES:
        if entry["acronym"] == acronym:
            return entry
    raise KeyError(acronym)


def focus_tags() -> list[str]:
    """Every focus tag in use, sorted: the directory's filter options."""
    return sorted({tag for entry in BODIES for tag in entry["focus"]})
