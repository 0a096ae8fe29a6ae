"""The needs flow's part of the access matrix (issue 6: a RED or AMBER need never reaches a
reader outside its audience through a round's results, the roadmap, its PDF, the gap
analysis, counts, email or the API).

Everything is planted through the services, as people would do it on the pages:

- **Needs** at every audience/label combination the needs service lets a reporter give
  (``NEEDS``): public (only a holder of the right to widen may report one), the network,
  the network's law-enforcement members, a group of the network, named participants;
  labels from TLP:CLEAR to TLP:RED. Each is reported and submitted by a member, supported
  by members who may see it (before curation, so curating notifies them), and accepted by
  a curator (its country's National Contact or the network's secretariat).
- **Evidence**: project concepts at knowledge-factory audiences (``EVIDENCE``), each
  naming the needs it answers; ``need_links_suggest`` finds them through the search
  engine and a curator confirms them (``LINKS``: some are left as suggestions).
- **A round** over every need canary, points method: several personas vote (for the
  needs everyone in the round may see) and one extra voter per need, from a country of
  its own (``VOTER_COUNTRIES``), gives all its points to that need, so the need's
  supporting countries carry a country canary; closed by the secretariat.
- **Two roadmap versions** from that round: v1 for the network's members (TLP:GREEN) and
  v2 for its law-enforcement members (TLP:AMBER). ``SHOWN`` and ``EV_SHOWN`` say, by
  hand, which needs and which evidence each may show (a need or item whose audience
  includes the roadmap's whole audience, under a label no stricter than the roadmap's).
  Both are exported with ``lenhub roadmap export`` as their audience sees them.

The round and the roadmaps are run by an extra secretariat member of the network who is
a law-enforcement officer and in the core group (``chair``): the secretariat persona is
not law enforcement, and a round may only hold needs its creator may see. The
secretariat persona also manages the roadmap, so its withheld list is judged: it names
only needs the secretariat may read.

Who may see what is written out by hand (``EXPECTED``, ``EV_EXPECTED``, ``ROUND``,
``ROADMAP``), never computed by the policy under test. Each surface says, for each
persona, the status it answers and the canaries it shows (``Surface.expect``); the
canaries of the families the surface is about (``Surface.families``) must show exactly
then, every other canary only to people who may see its item at all (a leak check that
stays true when a page grows a cross-link). Counts (rows, totals, ranks, suggestions,
supports by country, unread notifications, emails) are judged by ``Surface.check``.
Responses are fetched once per (persona, path).

How to grow it: a new surface is a ``Surface`` in ``surfaces()``; a new canary a row in
``NEEDS`` or ``EVIDENCE`` with its readers in ``EXPECTED`` / ``EV_EXPECTED`` and its
place in ``SHOWN``, ``EV_SHOWN`` and ``LINKS``.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from lenhub.access.policy import viewer_for_user
from lenhub.access.services import restricted_add_participant, restricted_set_audience
from lenhub.access.tests.matrix import (
    ENLETS_MEMBERS,
    LEA,
    PERSONAS,
    TOKEN,
    TOKEN_REFUSED,
    VETTED,
    Fetch,
)
from lenhub.accounts.models import Role, RoleAssignment, User
from lenhub.conftest import World, join, make_org, make_user
from lenhub.knowledge.models import Concept
from lenhub.knowledge.services import knowledge_item_create
from lenhub.needs import gaps
from lenhub.needs.models import Coverage, Method, Need, NeedLink, RoadmapVersion, Round
from lenhub.needs.roadmap import roadmap_create, roadmap_publish
from lenhub.needs.selectors import country_name
from lenhub.needs.services import need_accept, need_create, need_submit, need_support_set
from lenhub.needs.services_rounds import (
    BallotContent,
    RoundSpec,
    ballot_cast,
    round_close,
    round_create,
    round_open,
)

# --- who may see what (by hand, from DESIGN §2 and the personas in matrix.py) -----------

ENLETS_LEA = {"lea_pl", "lea_de", "nc_pl", "core_de", "group_leader"}
CORE = {"nc_pl", "core_de", "group_leader"}  # the core group: current members only


@dataclass(frozen=True)
class NeedSpec:
    audience: tuple[str, ...]  # {enlets} and {core} are filled in from the world
    tlp: str
    reporter: str
    curator: str
    named: tuple[str, ...] = ()  # participants the reporter names (besides themselves)


NEEDS: dict[str, NeedSpec] = {
    # public: only a holder of the right to widen (the chair) may report it
    "public_clear": NeedSpec(("public",), "CLEAR", "chair", "secretariat"),
    "enlets_green": NeedSpec(("network:{enlets}",), "GREEN", "lea_de", "chair"),
    "enlets_lea_green": NeedSpec(("network:{enlets}", "lea"), "GREEN", "lea_pl", "nc_pl"),
    "enlets_amber": NeedSpec(("network:{enlets}",), "AMBER", "stakeholder", "chair"),
    "enlets_lea_amber": NeedSpec(("network:{enlets}", "lea"), "AMBER", "core_de", "chair"),
    "core_group_amber": NeedSpec(
        ("network:{enlets}", "group:{core}"), "AMBER", "group_leader", "nc_pl"
    ),
    "lea_strict": NeedSpec(("network:{enlets}", "lea"), "AMBER+STRICT", "lea_pl", "nc_pl"),
    # named: the chair (who runs the round), the RED voter, and the leaver, who no longer
    # holds the network's key
    "participants_red": NeedSpec(
        ("network:{enlets}", "participants"), "RED", "lea_de", "chair",
        named=("chair", "voter:participants_red", "leaver"),
    ),
}  # fmt: skip

EXPECTED: dict[str, set[str]] = {
    "public_clear": set(PERSONAS),
    "enlets_green": ENLETS_MEMBERS,
    "enlets_lea_green": ENLETS_LEA,
    "enlets_amber": ENLETS_MEMBERS,
    "enlets_lea_amber": ENLETS_LEA,
    "core_group_amber": CORE,
    "lea_strict": ENLETS_LEA,
    "participants_red": {"lea_de"},  # the leaver is named but left the network
}

# Knowledge items linked to needs as evidence (project concepts), by audience and label.
EVIDENCE: dict[str, tuple[tuple[str, ...], str]] = {
    "public_clear": (("public",), "CLEAR"),
    "members_green": (("members",), "GREEN"),
    "lea_green": (("lea",), "GREEN"),
    "enlets_amber": (("network:{enlets}",), "AMBER"),
    "aquapol_amber": (("network:{aquapol}",), "AMBER"),
    "core_group_amber": (("group:{core}",), "AMBER"),
}
EV_EXPECTED: dict[str, set[str]] = {
    "public_clear": set(PERSONAS),
    "members_green": VETTED,
    "lea_green": LEA,
    "enlets_amber": ENLETS_MEMBERS,
    "aquapol_amber": {"lea_fr_aquapol"},
    "core_group_amber": CORE,
}

ADDRESSED, PARTLY, SUGGESTED = Coverage.ADDRESSED, Coverage.PARTLY, Coverage.SUGGESTED
ANSWERED = (ADDRESSED, PARTLY)
# need -> evidence -> what the curator decided (SUGGESTED: left undecided; nobody in
# ENLETS may see the AQUAPOL item, so nobody can decide on it)
LINKS: dict[str, dict[str, str]] = {
    "public_clear": {"public_clear": ADDRESSED, "members_green": ADDRESSED,
                     "lea_green": PARTLY, "enlets_amber": ADDRESSED,
                     "aquapol_amber": SUGGESTED, "core_group_amber": ADDRESSED},
    "enlets_green": {"lea_green": ADDRESSED, "aquapol_amber": SUGGESTED},
    "enlets_lea_amber": {"core_group_amber": PARTLY, "enlets_amber": SUGGESTED},
}  # fmt: skip

ROUND = ENLETS_MEMBERS  # the round's audience: the network, TLP:GREEN
VOTING_PERSONAS = {"lea_pl": 60, "lea_de": 55, "stakeholder": 70, "nc_pl": 65, "core_de": 50}
# each gives these points to public_clear and the rest to enlets_green, so public_clear
# ranks first (and stays first among technology needs in both roadmap versions)
# and one persona gives all theirs to a need both roadmaps withhold, so that it ranks third:
# a roadmap that numbered its needs by the round would show a gap where it was
WITHHELD_FAVOURITE = ("group_leader", "core_group_amber")
VOTER_COUNTRIES = ("MT", "CY", "LU", "SI", "SK", "LV", "LT", "EE")  # one per need canary

ROADMAPS: dict[str, tuple[tuple[str, ...], str]] = {
    "v1": (("network:{enlets}",), "GREEN"),
    "v2": (("network:{enlets}", "lea"), "AMBER"),
}
ROADMAP: dict[str, set[str]] = {"v1": ENLETS_MEMBERS, "v2": ENLETS_LEA}
# Needs each version shows: the need's audience includes the roadmap's whole audience and
# its label is no stricter. Everything else is withheld.
SHOWN: dict[str, set[str]] = {
    "v1": {"public_clear", "enlets_green"},
    "v2": {"public_clear", "enlets_green", "enlets_lea_green", "enlets_amber",
           "enlets_lea_amber"},
}  # fmt: skip
WITHHELD: dict[str, set[str]] = {v: set(NEEDS) - shown for v, shown in SHOWN.items()}
# Evidence each version shows (answers a shown need, reaches the whole audience)
EV_SHOWN: dict[str, set[str]] = {
    "v1": {"public_clear", "members_green"},
    "v2": {"public_clear", "members_green", "lea_green", "enlets_amber"},
}
# v2's differences from v1: public_clear keeps first place among technology needs, so it
# is counted as unchanged, not listed; enlets_green moves from gaps to technology needs.
DIFF_LISTED = SHOWN["v2"] - {"public_clear"}
SECRETARIAT_MAY_NOT_READ = "(a need you may not read)"

SUPPORTERS = {"lea_pl": "PL", "lea_de": "DE", "stakeholder": "BE", "core_de": "DE"}
NEED_THEME = "quokka lantern relay"  # in every need's text, in no evidence


def supporters(need: str) -> list[str]:
    spec = NEEDS[need]
    return [p for p in SUPPORTERS if p in EXPECTED[need] and p != spec.reporter]


def notified(need: str) -> set[str]:
    """Personas told when the need was accepted: its reporter and supporters, less the
    curator, if they may see it."""
    spec = NEEDS[need]
    concerned = ({spec.reporter} | set(supporters(need))) - {spec.curator}
    return concerned & EXPECTED[need] & set(PERSONAS)


def is_gap(persona: str, need: str) -> bool:
    """A need the persona may see that no evidence they may see answers."""
    return persona in EXPECTED[need] and not any(
        persona in EV_EXPECTED[item]
        for item, coverage in LINKS.get(need, {}).items()
        if coverage in ANSWERED
    )


def suggestions(persona: str, need: str) -> int:
    return sum(
        1
        for item, coverage in LINKS.get(need, {}).items()
        if coverage == SUGGESTED and persona in EV_EXPECTED[item]
    )


def nameable(need: str) -> bool:
    return NEEDS[need].tlp in ("CLEAR", "GREEN")


# --- canaries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Canary:
    name: str  # "need:<name>", "cc:<need>", "ev:<name>", "round", "roadmap:<v>"
    family: str  # need, cc (a need's voter's country), ev, round, roadmap
    text: str
    readers: frozenset[str]  # who may see the item at all

    def seen(self, body: str) -> bool:
        if self.family == "cc":  # a country, by code or by name: as a word of its own
            # not inside a token: a CSRF token or a CSP nonce (letters, digits, "-", "_")
            # holds a two-letter code between digits now and then ("4EE7")
            names = "|".join(re.escape(t) for t in (self.text, country_name(self.text)))
            return re.search(rf"(?<![\w-])(?:{names})(?![\w-])", body) is not None
        return self.text in body


@dataclass
class Planted:
    canaries: dict[str, Canary] = field(default_factory=dict)
    needs: dict[str, Need] = field(default_factory=dict)
    evidence: dict[str, Concept] = field(default_factory=dict)
    round: Round | None = None
    versions: dict[str, RoadmapVersion] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)  # version -> PDF text
    people: dict[str, User] = field(default_factory=dict)  # personas, chair, voters


def _word() -> str:
    return f"CAN{secrets.token_hex(5)}"


def pdf_text(content: bytes) -> str:
    """A PDF's text (pdftotext); pages separated by form feeds."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.pdf"
        path.write_bytes(content)
        result = subprocess.run(
            ["/usr/bin/pdftotext", "-enc", "UTF-8", str(path), "-"],
            check=True,
            capture_output=True,
        )
    return result.stdout.decode()


def _person(world: World, key: str, email: str, country: str, *groups: Any) -> User:
    organisation = (
        world.police_pl if country == "PL" else make_org(f"Police {country}", country=country)
    )
    user = make_user(
        email, organisation=organisation, totp_secret=pyotp.random_base32(), vetted=True,
        display_name=key,
    )  # fmt: skip
    join(user, world.enlets, *groups)
    return user


def plant_needs(world: World) -> Planted:
    """Everything above, through the services; returns the canaries and what holds them."""
    ids = {"enlets": world.enlets.pk, "aquapol": world.aquapol.pk, "core": world.core_group.pk}
    planted = Planted(people=dict(world.people))
    people = planted.people
    chair = _person(world, "chair", "chair@policja.pl.test", "PL", world.core_group)
    RoleAssignment.objects.create(user=chair, role=Role.SECRETARIAT, network=world.enlets)
    people["chair"] = chair
    for name, code in zip(NEEDS, VOTER_COUNTRIES, strict=True):
        people[f"voter:{name}"] = _person(
            world, f"voter {code}", f"voter@police.{code.lower()}.test", code, world.core_group
        )

    def viewer(who: str) -> Any:
        return viewer_for_user(people[who], mfa_verified=True)

    need_words = {name: _word() for name in NEEDS}
    for name in NEEDS:
        planted.canaries[f"need:{name}"] = Canary(
            f"need:{name}", "need", need_words[name], frozenset(EXPECTED[name])
        )
    for name, code in zip(NEEDS, VOTER_COUNTRIES, strict=True):
        planted.canaries[f"cc:{name}"] = Canary(f"cc:{name}", "cc", code, frozenset(EXPECTED[name]))

    # evidence first, so that the engine finds it when the needs are accepted
    for name, (audience, tlp) in EVIDENCE.items():
        word = _word()
        answers = " ".join(need_words[n] for n, links in LINKS.items() if name in links)
        with transaction.atomic():  # indexed once, on commit, with its audience
            concept = knowledge_item_create(
                model=Concept, viewer=viewer("chair"), actor=chair,
                fields={"title": f"{word} evidence dossier", "idea": f"{word} answers {answers}",
                        "seeking": "partners"},
                audience=["members"], tlp="GREEN",
            )  # fmt: skip
            restricted_set_audience(
                item=concept, audience=[a.format(**ids) for a in audience], tlp=tlp, actor=chair
            )
        planted.evidence[name] = concept
        planted.canaries[f"ev:{name}"] = Canary(
            f"ev:{name}", "ev", word, frozenset(EV_EXPECTED[name])
        )

    for name, spec in NEEDS.items():
        word = need_words[name]
        reporter = people[spec.reporter]
        need = need_create(
            viewer=viewer(spec.reporter), actor=reporter, network=world.enlets,
            fields={"kind": "technology_need", "title": f"{word} {NEED_THEME}",
                    "problem": f"The {word} problem: {NEED_THEME}.",
                    "capability_wanted": f"A {word} capability.", "crime_area": "cybercrime",
                    "urgency": "high"},
            audience=[a.format(**ids) for a in spec.audience], tlp=spec.tlp,
        )  # fmt: skip
        for who in spec.named:
            restricted_add_participant(item=need, person=people[who], actor=reporter)
        need = need_submit(need=need, viewer=viewer(spec.reporter), actor=reporter)
        for who in supporters(name):
            need_support_set(need=need, viewer=viewer(who), actor=people[who], support=True)
        need = need_accept(need=need, viewer=viewer(spec.curator), actor=people[spec.curator])
        planted.needs[name] = need

    # gap analysis: suggested by the engine, confirmed by the chair (a curator of them all)
    for name, links in LINKS.items():
        need = planted.needs[name]
        found = gaps.need_links_suggest(need=need)
        wanted = {planted.evidence[evidence].pk for evidence in links}
        assert {link.item_id for link in found} == wanted, (name, found)
        for evidence, coverage in links.items():
            if coverage == SUGGESTED:
                continue
            link = NeedLink.objects.get(need=need, item_id=planted.evidence[evidence].pk)
            gaps.need_link_decide(
                viewer=viewer("chair"), actor=chair, need=need, link_id=link.pk,
                coverage=coverage,
            )  # fmt: skip

    # the round
    word = _word()
    planted.canaries["round"] = Canary("round", "round", word, frozenset(ROUND))
    now = timezone.now()
    round_ = round_create(
        viewer=viewer("chair"), actor=chair, network=world.enlets,
        spec=RoundSpec(
            title=f"{word} prioritisation", method=Method.POINTS,
            opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=7),
            need_ids=[n.pk for n in planted.needs.values()],
            audience=[f"network:{world.enlets.pk}"], tlp="GREEN",
        ),
    )  # fmt: skip
    round_open(viewer=viewer("chair"), actor=chair, round=round_)
    needs = planted.needs
    for who, points in VOTING_PERSONAS.items():
        content = BallotContent(
            points={needs["public_clear"].pk: points, needs["enlets_green"].pk: 100 - points}
        )
        ballot_cast(viewer=viewer(who), voter=people[who], round=round_, content=content)
    who, name = WITHHELD_FAVOURITE
    content = BallotContent(points={needs[name].pk: 100})
    ballot_cast(viewer=viewer(who), voter=people[who], round=round_, content=content)
    for name in NEEDS:
        who = f"voter:{name}"
        content = BallotContent(points={needs[name].pk: 100})
        ballot_cast(viewer=viewer(who), voter=people[who], round=round_, content=content)
    # a need the voter may not see is not one of the round's needs for them
    try:
        ballot_cast(
            viewer=viewer("stakeholder"), voter=people["stakeholder"], round=round_,
            content=BallotContent(points={needs["enlets_lea_amber"].pk: 10}),
        )  # fmt: skip
    except ValidationError:
        pass
    else:
        raise AssertionError("a ballot for a need the voter may not see was accepted")
    round_close(round=round_, viewer=viewer("chair"), actor=chair)
    round_.refresh_from_db()
    planted.round = round_

    # the roadmap, twice, each exported as its audience sees it
    for version, (audience, tlp) in ROADMAPS.items():
        word = _word()
        planted.canaries[f"roadmap:{version}"] = Canary(
            f"roadmap:{version}", "roadmap", word, frozenset(ROADMAP[version])
        )
        draft = roadmap_create(
            viewer=viewer("chair"), actor=chair, network=world.enlets, round_id=round_.pk,
            title=f"{word} roadmap", introduction="Where research is wanted.",
            audience=[a.format(**ids) for a in audience], tlp=tlp,
        )  # fmt: skip
        planted.versions[version] = roadmap_publish(
            viewer=viewer("chair"), actor=chair, version=draft
        )
        assert f"v{planted.versions[version].version}" == version
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "roadmap.pdf"
            call_command("roadmap", "export", "--network", "ENLETS", "--out", str(out))
            planted.exports[version] = pdf_text(out.read_bytes())
    return planted


# --- surfaces ---------------------------------------------------------------------------

Expect = tuple[int, set[str]]  # the status, and the canaries shown


@dataclass(frozen=True)
class Surface:
    path: str
    families: frozenset[str]  # judged exactly; other canaries only never to outsiders
    expect: Callable[[str], Expect]
    check: Callable[[str, str], list[str]] | None = None  # (persona, body) -> problems
    part: Callable[[str], str] | None = None  # the part of the body judged


EMAIL = "email"  # not a path: the messages sent to the persona
FAMILIES = frozenset({"need", "cc", "ev", "round", "roadmap"})


def _needs_seen(persona: str, names: set[str] | None = None, cc: bool = False) -> set[str]:
    shown = {f"need:{n}" for n in names or NEEDS if persona in EXPECTED[n]}
    if cc:
        shown |= {f"cc:{n}" for n in names or NEEDS if persona in EXPECTED[n]}
    return shown


def _roadmap_seen(persona: str, version: str, *, manage: bool = False) -> set[str]:
    shown = {f"roadmap:{version}"}
    shown |= {f"need:{n}" for n in SHOWN[version]} | {f"cc:{n}" for n in SHOWN[version]}
    shown |= {f"ev:{e}" for e in EV_SHOWN[version]}
    if manage:  # the withheld list names only needs the manager may read
        shown |= {f"need:{n}" for n in WITHHELD[version] if persona in EXPECTED[n]}
    return shown


def _latest(persona: str) -> str | None:
    for version in sorted(ROADMAP, reverse=True):
        if persona in ROADMAP[version]:
            return version
    return None


def _json(body: str) -> Any:
    return json.loads(body) if body.lstrip().startswith(("{", "[")) else None


def _section(body: str, start: str, end: str) -> str:
    begin = body.find(f'id="{start}"')
    return body[begin : body.find(f'id="{end}"', begin)] if begin >= 0 else ""


def surfaces(planted: Planted) -> dict[str, Surface]:
    assert planted.round is not None
    r = planted.round.pk
    needs = planted.needs
    versions = {v: planted.versions[v].version for v in ROADMAP}

    def visible(persona: str) -> list[str]:
        return [n for n in NEEDS if persona in EXPECTED[n]]

    # round
    def round_expect(persona: str, *, cc: bool = False) -> Expect:
        if persona not in ROUND:
            return 404, set()
        return 200, {"round"} | _needs_seen(persona, cc=cc)

    def results_api_check(persona: str, body: str) -> list[str]:
        data = _json(body)
        ranks = [row["rank"] for row in data["results"]]
        wanted = list(range(1, len(visible(persona)) + 1))
        problems = [] if ranks == wanted else [f"ranks {ranks}"]
        if data["voter_count"] != len(VOTING_PERSONAS) + 1 + len(NEEDS):
            problems.append(f"voter_count {data['voter_count']}")
        return problems

    def results_page_check(persona: str, body: str) -> list[str]:
        ranks = re.findall(r'<td class="rank">(\d+)</td>', body)
        wanted = [str(n) for n in range(1, len(visible(persona)) + 1)]
        return [] if ranks == wanted else [f"ranks {ranks}"]

    # roadmaps
    def version_expect(version: str, *, manage_page: bool = False) -> Callable[[str], Expect]:
        def expect(persona: str) -> Expect:
            if persona not in ROADMAP[version]:
                return 404, set()
            manage = manage_page and persona == "secretariat"
            return 200, _roadmap_seen(persona, version, manage=manage)

        return expect

    def label_check(version: str) -> Callable[[str, str], list[str]]:
        label = f"TLP:{ROADMAPS[version][1]}"

        def check(persona: str, body: str) -> list[str]:
            problems = [] if label in body else ["no label"]
            data = _json(body)
            if data is not None:
                # places and ranks count only the needs shown: no gap tells that one was
                # withheld
                sections = data["sections"]
                for section in sections:
                    places = [e["position"] for e in section["entries"]]
                    if places != list(range(1, len(places) + 1)):
                        problems.append(f"{section['key']} places {places}")
                ranks = sorted(e["rank"] for section in sections for e in section["entries"])
                if ranks != list(range(1, len(SHOWN[version]) + 1)):
                    problems.append(f"ranks {ranks}")
                withheld = data.get("withheld")
                wanted = len(WITHHELD[version]) if persona == "secretariat" else None
                if (len(withheld) if withheld is not None else None) != wanted:
                    problems.append(f"withheld {withheld}")
            elif persona == "secretariat":
                unreadable = sum(1 for n in WITHHELD[version] if persona not in EXPECTED[n])
                if body.count(SECRETARIAT_MAY_NOT_READ) != unreadable:
                    problems.append("withheld list")
            return problems

        return check

    def latest_expect(persona: str) -> Expect:
        version = _latest(persona)
        if version is None:
            return 404, set()
        return 200, _roadmap_seen(persona, version, manage=persona == "secretariat")

    def list_page_expect(persona: str) -> Expect:
        version = _latest(persona)
        return 200, {f"roadmap:{version}"} if version else set()

    def list_api_expect(persona: str) -> Expect:
        return 200, {f"roadmap:{v}" for v in ROADMAP if persona in ROADMAP[v]}

    def total_check(wanted: Callable[[str], int]) -> Callable[[str, str], list[str]]:
        def check(persona: str, body: str) -> list[str]:
            total = _json(body)["total"]
            return [] if total == wanted(persona) else [f"total {total}"]

        return check

    def pdf_check(version: str) -> Callable[[str, str], list[str]]:
        label = f"TLP:{ROADMAPS[version][1]}"

        def check(persona: str, body: str) -> list[str]:
            pages = [page for page in body.split("\f") if page.strip()]
            missing = [n for n, page in enumerate(pages) if label not in page]
            return [f"no label on pages {missing}"] if missing or not pages else []

        return check

    def diff_expect(persona: str, *, page: bool) -> Expect:
        if persona not in ROADMAP["v2"]:
            return 404, set()
        shown = {f"need:{n}" for n in DIFF_LISTED}
        return 200, shown | ({"roadmap:v2"} if page else set())

    def diff_check(persona: str, body: str) -> list[str]:
        data = _json(body)
        if (data["old_version"], data["unchanged"]) != (versions["v1"], 1):
            return [f"old {data['old_version']} unchanged {data['unchanged']}"]
        return []

    # gaps
    def gaps_expect(persona: str) -> Expect:
        return 200, {f"need:{n}" for n in NEEDS if is_gap(persona, n)}

    def gaps_api_check(persona: str, body: str) -> list[str]:
        rows = {row["need_id"]: row["suggestions"] for row in _json(body)}
        wanted = {needs[n].pk: suggestions(persona, n) for n in NEEDS if is_gap(persona, n)}
        return [] if rows == wanted else [f"rows {rows}"]

    def gaps_page_check(persona: str, body: str) -> list[str]:
        rows = body.count('<th scope="row">')
        wanted = sum(is_gap(persona, n) for n in NEEDS)
        return [] if rows == wanted else [f"{rows} rows"]

    def links_expect(need: str) -> Callable[[str], Expect]:
        def expect(persona: str) -> Expect:
            if persona not in EXPECTED[need]:
                return 404, set()
            items = {f"ev:{e}" for e in LINKS[need] if persona in EV_EXPECTED[e]}
            return 200, {f"need:{need}"} | items

        return expect

    def links_check(need: str) -> Callable[[str, str], list[str]]:
        def check(persona: str, body: str) -> list[str]:
            data = _json(body)
            return [] if data["is_gap"] == is_gap(persona, need) else ["is_gap"]

        return check

    # need pages: the support counts by country
    def need_expect(need: str) -> Callable[[str], Expect]:
        def expect(persona: str) -> Expect:
            return (200, {f"need:{need}"}) if persona in EXPECTED[need] else (404, set())

        return expect

    def supports_check(need: str) -> Callable[[str, str], list[str]]:
        by_country = dict(Counter(SUPPORTERS[p] for p in supporters(need)))

        def check(persona: str, body: str) -> list[str]:
            data = _json(body)
            if data is not None:
                got = (data["supports"], data["supports_by_country"])
                return [] if got == (len(supporters(need)), by_country) else [f"supports {got}"]
            n = len(supporters(need))
            wanted = f"{n} member{' supports' if n == 1 else 's support'} this need"
            return [] if wanted in body else ["support count"]

        return check

    # notifications and emails
    def notifications_expect(persona: str, *, page: bool) -> Expect:
        if persona == "anonymous":
            return (302 if page else 401), set()
        shown = {f"need:{n}" for n in NEEDS if persona in notified(n)}
        if persona in ROUND:
            shown.add("round")
        shown |= {f"roadmap:{v}" for v in ROADMAP if persona in ROADMAP[v]}
        return 200, shown

    def notifications_count(persona: str) -> int:
        needs_n = sum(persona in notified(n) for n in NEEDS)
        return needs_n + 2 * (persona in ROUND) + sum(persona in ROADMAP[v] for v in ROADMAP)

    def notifications_page_check(persona: str, body: str) -> list[str]:
        count = re.search(r'<span class="badge">(\d+) unread</span>', body)
        unread = int(count.group(1)) if count else None
        return [] if unread == notifications_count(persona) else [f"unread {unread}"]

    def email_expect(persona: str) -> Expect:
        shown = {f"need:{n}" for n in NEEDS if persona in notified(n) and nameable(n)}
        if persona in ROUND:
            shown.add("round")  # opened and closed
        if persona in ROADMAP["v1"]:
            shown.add("roadmap:v1")  # TLP:GREEN: named; v2 is TLP:AMBER: never
        return 0, shown

    def email_check(persona: str, body: str) -> list[str]:
        emails = [e for e in body.split("\n\f\n") if e.strip()]
        return [] if len(emails) == notifications_count(persona) else [f"{len(emails)} emails"]

    everything = FAMILIES
    need_only = frozenset({"need"})
    rows: dict[str, Surface] = {
        "round_page": Surface(f"/rounds/{r}/", frozenset({"round", "need"}), round_expect),
        "round_api": Surface(f"/api/v1/rounds/{r}", frozenset({"round", "need"}), round_expect),
        "results_page": Surface(
            f"/rounds/{r}/results/", frozenset({"round", "need", "cc"}),
            lambda p: round_expect(p, cc=True), results_page_check,
        ),
        "results_api": Surface(
            f"/api/v1/rounds/{r}/results", frozenset({"need", "cc"}),
            lambda p: (lambda s: (s[0], s[1] - {"round"}))(round_expect(p, cc=True)),
            results_api_check,
        ),
        "roadmap_list_page": Surface("/roadmaps/", frozenset({"roadmap"}), list_page_expect),
        "roadmap_list_api": Surface(
            "/api/v1/roadmaps?limit=100", frozenset({"roadmap", "need"}), list_api_expect,
            total_check(lambda p: sum(p in ROADMAP[v] for v in ROADMAP)),
        ),
        "roadmap_latest_page": Surface("/roadmaps/ENLETS/", everything, latest_expect),
        "gaps_page": Surface(
            "/needs/gaps/?network=ENLETS", frozenset({"need", "ev"}), gaps_expect,
            gaps_page_check,
        ),
        "gaps_api": Surface(
            "/api/v1/needs/gaps?network=ENLETS", frozenset({"need", "ev"}), gaps_expect,
            gaps_api_check,
        ),
        "needs_api": Surface(
            "/api/v1/needs?network=ENLETS&limit=100", need_only,
            lambda p: (200, _needs_seen(p)), total_check(lambda p: len(visible(p))),
        ),
        "notifications_page": Surface(
            "/monitoring/", frozenset({"need", "round", "roadmap", "ev"}),
            lambda p: notifications_expect(p, page=True), notifications_page_check,
            part=lambda body: _section(body, "notifications-heading", "timeline-heading"),
        ),
        "notifications_api": Surface(
            "/api/v1/monitoring/notifications?unread=true&limit=100",
            frozenset({"need", "round", "roadmap", "ev"}),
            lambda p: notifications_expect(p, page=False),
            total_check(notifications_count),
        ),
        "email": Surface(
            EMAIL, frozenset({"need", "round", "roadmap", "ev"}), email_expect, email_check
        ),
    }  # fmt: skip
    for version, number in versions.items():
        rows[f"roadmap_{version}_page"] = Surface(
            f"/roadmaps/ENLETS/v{number}/", everything,
            version_expect(version, manage_page=True), label_check(version),
        )  # fmt: skip
        rows[f"roadmap_{version}_api"] = Surface(
            f"/api/v1/roadmaps/ENLETS/versions/{number}",
            everything,
            version_expect(version),
            label_check(version),
        )
        rows[f"roadmap_{version}_pdf"] = Surface(
            f"/roadmaps/ENLETS/v{number}/roadmap.pdf", everything, version_expect(version),
            pdf_check(version),
        )  # fmt: skip
    number = versions["v2"]
    rows["diff_page"] = Surface(
        f"/roadmaps/ENLETS/v{number}/diff/",
        frozenset({"roadmap", "need", "ev"}),
        lambda p: diff_expect(p, page=True),
    )
    rows["diff_api"] = Surface(
        f"/api/v1/roadmaps/ENLETS/versions/{number}/diff", frozenset({"need", "ev"}),
        lambda p: diff_expect(p, page=False), diff_check,
    )  # fmt: skip
    for need in LINKS:
        pk = needs[need].pk
        rows[f"links_page:{need}"] = Surface(
            f"/needs/{pk}/links/", frozenset({"need", "ev"}), links_expect(need)
        )
        rows[f"links_api:{need}"] = Surface(  # names the need by its id only
            f"/api/v1/needs/{pk}/links", frozenset({"need", "ev"}),
            (lambda n: lambda p: (lambda s: (s[0], s[1] - {f"need:{n}"}))(
                links_expect(n)(p)))(need),
            links_check(need),
        )  # fmt: skip
    for need in NEEDS:
        pk = needs[need].pk
        # exact for the need itself: a curator's page also offers other needs to merge with
        itself = frozenset({f"need:{need}"})
        rows[f"need_page:{need}"] = Surface(
            f"/needs/{pk}/", itself, need_expect(need), supports_check(need)
        )
        rows[f"need_api:{need}"] = Surface(
            f"/api/v1/needs/{pk}", itself, need_expect(need), supports_check(need)
        )
    # by token, for the API surfaces that matter most
    for name in ("round_api", "results_api", "roadmap_list_api", "roadmap_v1_api",
                 "roadmap_v2_api", "diff_api", "gaps_api", "notifications_api",
                 "links_api:enlets_lea_amber"):  # fmt: skip
        surface = rows[name]
        rows[f"token_{name}"] = Surface(
            TOKEN + surface.path, surface.families, surface.expect, surface.check, surface.part
        )
    return rows


# --- running and judging ----------------------------------------------------------------


@dataclass
class Case:
    persona: str
    surface: str
    canary: str
    allowed: bool  # expected to be shown here (exact families), or may see it at all
    status: int
    seen: bool
    ok: bool
    detail: str = ""


def emails_of(planted: Planted, persona: str, outbox: list[Any]) -> str:
    if persona not in planted.people:
        return ""
    address = planted.people[persona].email
    return "\n\f\n".join(f"{m.subject}\n{m.body}" for m in outbox if address in m.to)


def run_needs_matrix(
    fetch: Fetch,
    planted: Planted,
    outbox: list[Any],
    only: list[str] | None = None,
    personas: list[str] = PERSONAS,
) -> list[Case]:
    """One request per (persona, surface), judged for every canary."""
    table = surfaces(planted)
    cases = []
    for persona in personas:
        for name in only or list(table):
            surface = table[name]
            if surface.path == EMAIL:
                status, body = 0, emails_of(planted, persona, outbox)
            else:
                status, body = fetch(persona, surface.path)
            cases += judge(persona, name, surface, status, body, planted)
    return cases


def judge(
    persona: str, name: str, surface: Surface, status: int, body: str, planted: Planted
) -> list[Case]:
    shown: set[str] = set()
    if name.startswith("token_") and persona in TOKEN_REFUSED:
        wanted = 401
    else:
        wanted, shown = surface.expect(persona)
    problems = []
    if status != wanted:
        problems.append(f"status {status} not {wanted}")
    elif surface.check is not None and wanted in (0, 200):
        problems += surface.check(persona, body)
    part = surface.part(body) if surface.part and status == 200 else body
    cases = []
    for canary in planted.canaries.values():
        exact = canary.family in surface.families or canary.name in surface.families
        if canary.family == "cc" and (not exact or status != 200):
            continue  # two letters: judged only where countries are shown
        seen = canary.seen(part)
        allowed = canary.name in shown if exact else persona in canary.readers
        ok = (seen == allowed) if exact else (allowed or not seen)
        cases.append(
            Case(persona, name, canary.name, allowed, status, seen, ok and not problems,
                 ", ".join(problems))
        )  # fmt: skip
    return cases


def judge_exports(planted: Planted) -> list[Case]:
    """The export command's PDF of each version, as the roadmap's audience sees it."""
    cases = []
    for version, text in planted.exports.items():
        shown: set[str] = _roadmap_seen("", version)
        label = f"TLP:{ROADMAPS[version][1]}"
        problems = [] if label in text else ["no label"]
        if ROADMAPS[version][1] == "AMBER" and "Audience:" not in text:
            problems.append("no watermark")
        for canary in planted.canaries.values():
            seen = canary.seen(text)
            allowed = canary.name in shown
            cases.append(
                Case("(export)", f"export_{version}", canary.name, allowed, 0, seen,
                     seen == allowed and not problems, ", ".join(problems))
            )  # fmt: skip
    return cases


def judge_all_email(planted: Planted, outbox: list[Any]) -> list[str]:
    """Across every email sent to anyone: no AMBER or RED need's title or link, nor the
    AMBER roadmap's title or link, and no evidence at all."""
    problems = []
    text = "\n".join(f"{m.subject}\n{m.body}" for m in outbox)
    for name, need in planted.needs.items():
        if nameable(name):
            continue
        if planted.canaries[f"need:{name}"].text in text:
            problems.append(f"{name}: title in an email")
        if re.search(rf"/needs/{need.pk}/(?!\d)", text):
            problems.append(f"{name}: link in an email")
    v2 = planted.versions["v2"]
    if planted.canaries["roadmap:v2"].text in text or v2.get_absolute_url() in text:
        problems.append("v2 named in an email")
    problems += [f"{c.name} in an email" for c in planted.canaries.values()
                 if c.family == "ev" and c.text in text]  # fmt: skip
    return problems


def summarise_needs(cases: list[Case], limit: int = 40) -> str:
    bad = [c for c in cases if not c.ok]
    lines = [f"{len(cases)} cases, {len(bad)} failed"]
    lines += [
        f"  {c.persona:<16} {c.surface:<28} {c.canary:<24} allowed={c.allowed} "
        f"status={c.status} seen={c.seen} {c.detail}"
        for c in bad[:limit]
    ]
    return "\n".join(lines)
