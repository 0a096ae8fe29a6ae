"""The landscape data: complete, traceable to its sources, and in our own words.

Plain pytest, no database."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import get_args

import pytest

from lenhub.accounts.countries import EU, PARTNERS
from lenhub.networks.landscape_data import (
    BODIES,
    SOURCES,
    Body,
    BodyKind,
    PartnershipKind,
    StructureKind,
    body,
)

# The 26 bodies the directory must describe: (label in the brief, acronym, name).
EXPECTED = [
    ("LENWG", "LENWG", "Law Enforcement Networks Working Group"),
    ("AIRPOL", "AIRPOL", "Network for Police and Border Guard Units at EU airports"),
    ("AQUAPOL", "AQUAPOL", "AQUAPOL"),
    ("ATLAS", "ATLAS", "ATLAS"),
    ("EIFS", "EIFS", "EU In-Flight Security Officer Network"),
    ("ENLETS", "ENLETS", "European Network of Law Enforcement Technology Services"),
    ("ESG", "ESG", "European Surveillance Group"),
    ("HRSN", "HRSN", "High-Risk Security Network"),
    ("RAILPOL", "RAILPOL", "RAILPOL"),
    ("ILEAnet", "ILEAnet", "ILEAnet"),
    ("EnviCrimeNet", "EnviCrimeNet", "EnviCrimeNet"),
    ("European Crime Prevention Network (EUCPN)", "EUCPN", "European Crime Prevention Network"),
    (
        "EMPEN",
        "EMPEN",
        "European Medical and Psychological Expert's Network for Law Enforcement",
    ),
    ("e-MOBIDIG", "e-MOBIDIG", "EU Mobile Identification Interoperability Group"),
    ("Firearms Experts Group", "Firearm-Experts", "Firearm Experts Group"),
    (
        "Forum on organised crime prevention",
        "OC-Prevention-Forum",
        "Forum on organised crime prevention",
    ),
    (
        "Network of Police and Customs Cooperation Centres",
        "PCCC",
        "Network of Police and Customs Cooperation Centres",
    ),
    ("Radio Communication Expert Group", "RCEG", "Radio Communication Expert Group"),
    ("ENFSI", "ENFSI", "European Network of Forensic Science Institutes"),
    ("Pompidou Group", "Pompidou-Group", "Pompidou Group"),
    ("Dublin Group", "Dublin-Group", "Dublin Group"),
    ("LEWP", "LEWP", "Law Enforcement Working Party"),
    ("Horizontal Working Party on Drugs", "HDG", "Horizontal Working Party on Drugs"),
    ("DAPIX", "DAPIX", "Working Party on Information Exchange and Data Protection"),
    ("CCWP", "CCWP", "Customs Cooperation Working Party"),
    ("EMCDDA", "EMCDDA", "European Monitoring Centre for Drugs and Drug Addiction"),
]
# The brief writes "Firearms"; the seed, whose wording the name keeps, writes "Firearm".
SPELLING_IN_SEED = {"Firearms Experts Group": "Firearm Experts Group"}
LENWG_NETWORKS = {"AIRPOL", "AQUAPOL", "ATLAS", "EIFS", "ENLETS", "ESG", "HRSN", "RAILPOL"}

# Codes the seeds use that lenhub's country list does not carry yet (none today).
NOT_YET_IN_COUNTRY_LIST: set[str] = set()

SEED_FILE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
DATE = re.compile(r"^(\d{4}(-\d{2}-\d{2})?)?$")
ISO_ALPHA2 = re.compile(r"^[A-Z]{2}$")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
RUN = 8  # words: a description sharing this many in a row with a seed copies it


def _seeds_dir() -> Path:
    configured = os.environ.get("LENHUB_SEEDS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3].parent / "shared" / "seeds"


def _words(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'")
    return re.findall(r"[a-z0-9]+", text)


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _all_source_ids(entry: Body) -> list[str]:
    ids = [item["source"] for item in entry["facts"]]
    ids += [item["source"] for item in entry["structures"]]
    ids += [item["source"] for item in entry["partnerships"]]
    if entry["national_contacts"] is not None:
        ids.append(entry["national_contacts"]["source"])
    return ids


def _countries(entry: Body) -> list[str]:
    codes = entry["member_countries"] + entry["partner_countries"]
    if entry["national_contacts"] is not None:
        codes += entry["national_contacts"]["countries"]
    return codes


# --- completeness -----------------------------------------------------------------------


def test_exactly_the_expected_bodies_once_each() -> None:
    acronyms = Counter(entry["acronym"] for entry in BODIES)
    assert [a for a, n in acronyms.items() if n > 1] == []
    assert set(acronyms) == {acronym for _, acronym, _ in EXPECTED}
    assert len(BODIES) == len(EXPECTED) == 26
    for label, acronym, name in EXPECTED:
        entry = body(acronym)
        assert entry["name"] == name, label
        # The brief's label names exactly one body: its acronym, its name, or both.
        label = SPELLING_IN_SEED.get(label, label)
        matches = [
            e for e in BODIES if label in {e["acronym"], e["name"], f"{e['name']} ({e['acronym']})"}
        ]
        assert matches == [entry], label


def test_lenwg_is_the_umbrella_of_its_eight_networks() -> None:
    lenwg = body("LENWG")
    assert lenwg["kind"] == "umbrella"
    assert lenwg["chair"] == "DG HOME"
    assert {e["acronym"] for e in BODIES if e["umbrella"] == "LENWG"} == LENWG_NETWORKS
    umbrellas = {e["acronym"] for e in BODIES if e["kind"] == "umbrella"}
    assert {e["umbrella"] for e in BODIES} <= umbrellas | {""}


def test_shapes_and_vocabularies() -> None:
    for entry in BODIES:
        name = entry["acronym"]
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", name), name
        assert entry["kind"] in get_args(BodyKind), name
        assert entry["focus"], name
        assert all(tag == tag.lower() and tag.strip() == tag for tag in entry["focus"]), name
        assert entry["website"] == "", name  # no seed states a URL
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", entry["description"]) if s]
        assert 2 <= len(sentences) <= 4, name
        for structure in entry["structures"]:
            assert structure["kind"] in get_args(StructureKind), name
            assert structure["name"], name
            assert structure["area"] == "" or structure["kind"] == "hub", name
        for fact in entry["facts"]:
            assert SNAKE.match(fact["key"]), (name, fact["key"])
            assert fact["label"] and fact["value"], (name, fact["key"])
        for partnership in entry["partnerships"]:
            assert partnership["kind"] in get_args(PartnershipKind), name
    # Shared focus tags are what makes the directory filterable.
    tags = Counter(tag for entry in BODIES for tag in entry["focus"])
    assert sum(1 for n in tags.values() if n > 1) >= 5


def test_required_details_are_present() -> None:
    aquapol = body("AQUAPOL")
    hubs = [s for s in aquapol["structures"] if s["kind"] == "hub"]
    assert len(hubs) == 4 and all(h["area"] for h in hubs)
    values = {f["key"]: f["value"] for f in aquapol["facts"]}
    assert values["member_countries"] == "19"
    assert values["member_organisations"] == "26"
    assert len([s for s in aquapol["structures"] if s["kind"] == "working_group"]) == 3

    railpol = body("RAILPOL")
    assert len([s for s in railpol["structures"] if s["kind"] == "working_group"]) == 5

    enlets = body("ENLETS")
    kinds = {s["kind"] for s in enlets["structures"]}
    assert {"core_group", "tig", "secretariat"} <= kinds
    names = {p["name"] for p in enlets["partnerships"]}
    assert {"PRoTECT", "i-LEAD", "QROC", "CYCLOPES"} <= names
    assert enlets["national_contacts"] is not None

    ileanet = body("ILEAnet")
    assert ileanet["national_contacts"] is not None
    assert ileanet["kind"] == "eu_project_network"

    assert any(s["kind"] == "support_office" for s in body("ATLAS")["structures"])
    assert sorted(body("AIRPOL")["partner_countries"]) == ["AU", "CA", "CH", "GB", "IL", "NO", "US"]


def test_enlets_keeps_both_membership_statements() -> None:
    facts = body("ENLETS")["facts"]
    members_29 = [f for f in facts if f["value"] == "29"]
    states_27 = [f for f in facts if f["value"] == "27"]
    ncps_28 = [f for f in facts if f["value"] == "28"]
    assert len(members_29) == len(states_27) == len(ncps_28) == 1
    assert members_29[0]["source"] == "dg-home-lenwg-2024"
    assert SOURCES[members_29[0]["source"]]["date"] == "2024-05-21"
    assert states_27[0]["source"] != members_29[0]["source"]
    assert ncps_28[0]["source"] != members_29[0]["source"]
    assert SOURCES[ncps_28[0]["source"]]["date"].startswith("2022")


# --- traceability -----------------------------------------------------------------------


def test_sources_are_well_formed() -> None:
    seeds = [source["seed"] for source in SOURCES.values()]
    assert len(seeds) == len(set(seeds))
    for source_id, source in SOURCES.items():
        assert re.fullmatch(r"[a-z0-9-]+", source_id)
        assert source["title"], source_id
        assert DATE.match(source["date"]), source_id
        assert SEED_FILE.match(source["seed"]), source_id


def test_every_source_id_exists_and_is_listed_on_the_body() -> None:
    used: set[str] = set()
    for entry in BODIES:
        assert entry["sources"], entry["acronym"]
        assert len(entry["sources"]) == len(set(entry["sources"])), entry["acronym"]
        for source_id in [*entry["sources"], *_all_source_ids(entry)]:
            assert source_id in SOURCES, (entry["acronym"], source_id)
            assert source_id in entry["sources"], (entry["acronym"], source_id)
        used.update(entry["sources"])
    assert used == set(SOURCES)


def test_country_codes_are_known() -> None:
    known = set(EU) | set(PARTNERS)
    for entry in BODIES:
        codes = _countries(entry)
        assert len(codes) == len(set(codes)), entry["acronym"]
        for code in codes:
            assert ISO_ALPHA2.match(code), (entry["acronym"], code)
            assert code in known or code in NOT_YET_IN_COUNTRY_LIST, (entry["acronym"], code)


def test_no_person_names() -> None:
    # The only people the seeds could lead us to name are roles; guard the usual shapes.
    honorific = re.compile(r"\b(Mr|Mrs|Ms|Dr|Prof)\.?\s+[A-Z]")
    for entry in BODIES:
        texts = [entry["description"], entry["chair"]]
        texts += [s["leader"] for s in entry["structures"]]
        texts += [f["value"] + " " + f["note"] for f in entry["facts"]]
        for text in texts:
            assert not honorific.search(text), (entry["acronym"], text)


# --- own words --------------------------------------------------------------------------


def _seed_texts() -> dict[str, str]:
    seeds = _seeds_dir()
    if not seeds.is_dir():
        pytest.skip(f"seed documents not found at {seeds} (set LENHUB_SEEDS_DIR)")
    return {source["seed"]: (seeds / source["seed"]).read_text() for source in SOURCES.values()}


def test_seed_files_exist() -> None:
    texts = _seed_texts()
    assert all(texts.values())


def test_descriptions_are_in_our_own_words() -> None:
    seed_runs: set[tuple[str, ...]] = set()
    for text in _seed_texts().values():
        seed_runs |= _ngrams(_words(text), RUN)
    for entry in BODIES:
        copied = _ngrams(_words(entry["description"]), RUN) & seed_runs
        assert not copied, (entry["acronym"], sorted(" ".join(run) for run in copied))


def test_own_words_guard_catches_a_copy() -> None:
    text = next(iter(_seed_texts().values()))
    words = _words(text)
    assert len(words) > RUN
    assert _ngrams(words[:RUN], RUN) & _ngrams(words, RUN)
