"""Recognising law-enforcement participants, measured against a hand-labelled list of
367 organisations from the CORDIS sample (``lenhub/knowledge/data/lea_labels.csv``:
327 that guided the rules, 40 held out)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lenhub.knowledge.lea import lea_basis, naive_lea

LABELS = Path(__file__).resolve().parents[1] / "data" / "lea_labels.csv"


def _labels() -> list[dict[str, str]]:
    with LABELS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _scores(predict: object, rows: list[dict[str, str]]) -> tuple[float, float]:
    assert callable(predict)
    tp = sum(1 for r in rows if predict(r) and r["is_lea"] == "1")
    fp = sum(1 for r in rows if predict(r) and r["is_lea"] == "0")
    fn = sum(1 for r in rows if not predict(r) and r["is_lea"] == "1")
    return tp / (tp + fp), tp / (tp + fn)


def test_the_labelled_list_is_big_enough_and_has_both_kinds() -> None:
    rows = _labels()
    assert len(rows) >= 150
    assert len({r["cordis_id"] for r in rows}) == len(rows)
    lea = sum(r["is_lea"] == "1" for r in rows)
    assert 50 <= lea <= len(rows) - 50


def test_precision_and_recall_against_the_labelled_list() -> None:
    rows = _labels()
    precision, recall = _scores(lambda r: bool(lea_basis(r["name"], r["activity_type"])), rows)
    naive_precision, naive_recall = _scores(lambda r: naive_lea(r["name"]), rows)
    print(f"rules: precision {precision:.3f} recall {recall:.3f}; "
          f"naive 'POLI': precision {naive_precision:.3f} recall {naive_recall:.3f}")  # fmt: skip
    assert precision >= 0.95 and recall >= 0.95
    assert naive_precision < 0.8 and naive_recall < 0.6  # what the rules are for
    held_out = [r for r in rows if r["set"] == "held_out"]
    assert not [r["name"] for r in held_out if lea_basis(r["name"], r["activity_type"])]


@pytest.mark.parametrize(
    ("name", "kind", "basis"),
    [
        ("POLITECNICO DI MILANO", "HES", ""),
        ("LONDON METROPOLITAN UNIVERSITY", "HES", ""),
        ("CENTRE FOR EUROPEAN POLICY STUDIES", "REC", ""),
        ("DEUTSCHE GESELLSCHAFT FUR AUSWARTIGE POLITIK EV", "REC", ""),
        ("POLISH PLATFORM FOR HOMELAND SECURITY", "REC", ""),
        ("MARITIME AND COASTGUARD AGENCY", "PUB", ""),
        ("Clecat - European Association for Customs Service", "OTH", ""),
        ("METROPOLITAN POLICE SERVICE", "PUB", "police"),
        ("BUNDESPOLIZEIPRÄSIDIUM", "PUB", "police"),
        ("Politsei- ja Piirivalveamet", "PUB", "police"),
        ("RIKSPOLISSTYRELSEN - SWEDISH NATIONAL POLICE BOARD", "PUB", "police"),
        ("GUARDIA CIVIL ESPANOLA", "PUB", "gendarmerie"),
        ("KOMENDA GLOWNA STRAZY GRANICZNEJ", "PUB", "border guard"),
        ("Swedish Coast Guard", "PUB", "coast guard"),
        ("HM REVENUE AND CUSTOMS", "PUB", "customs"),
        ("BUNDESMINISTERIUM DES INNERN", "PUB", "interior ministry"),
        ("MINISTERE DE L'INTERIEUR", "PUB", "interior ministry"),
        ("NATIONAL CRIME AGENCY", "PUB", "investigation agency"),
    ],
)
def test_names(name: str, kind: str, basis: str) -> None:
    assert lea_basis(name, kind) == basis
