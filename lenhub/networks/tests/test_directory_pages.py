"""The public directory lists every body of the landscape; network pages show the stated
facts with their sources and dates, disagreements included, and no person's name."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lenhub.networks.landscape import landscape_load
from lenhub.networks.landscape_data import BODIES

pytestmark = pytest.mark.django_db

NAMES = [
    "LENWG", "AIRPOL", "AQUAPOL", "ATLAS", "EIFS", "ENLETS", "ESG", "HRSN", "RAILPOL",
    "ILEAnet", "EnviCrimeNet", "European Crime Prevention Network", "EMPEN", "e-MOBIDIG",
    "Firearm Experts Group", "Forum on organised crime prevention",
    "Network of Police and Customs Cooperation Centres", "Radio Communication Expert Group",
    "ENFSI", "Pompidou Group", "Dublin Group", "LEWP", "Horizontal Working Party on Drugs",
    "DAPIX", "CCWP", "EMCDDA",
]  # fmt: skip


@pytest.fixture
def landscape(db: Any) -> None:
    landscape_load()


def test_the_directory_lists_all_26_bodies(landscape: None) -> None:
    page = Client().get("/networks/").content.decode()

    missing = [name for name in NAMES if name not in page]
    assert missing == []
    assert "26 bodies of 26" in page


def test_loading_twice_changes_nothing(landscape: None) -> None:
    from lenhub.networks.models import Network, StatedFact

    before = (Network.objects.count(), StatedFact.objects.count())
    landscape_load()
    assert (Network.objects.count(), StatedFact.objects.count()) == before == (26, before[1])


def _fact_rows(acronym: str) -> str:
    return Client().get(f"/networks/{acronym}/").content.decode()


def test_enlets_shows_each_membership_statement_with_its_source(landscape: None) -> None:
    page = _fact_rows("ENLETS")
    rows = page.split('<tr data-fact="')[1:]

    def row_with(value: str) -> str:
        found = [row for row in rows if f"<td>{value}" in row]
        assert len(found) == 1, value
        return found[0]

    # DG HOME, May 2024: 29 members. ENLETS 2.0 (2022): 28 National Contact Points.
    # The older ENLETS text: 27 member states. Each statement stays with its own source.
    members_2024, contacts_2022, states = row_with("29"), row_with("28"), row_with("27")
    assert "2024-05-21" in members_2024 and "DG HOME" in members_2024
    assert "2022" in contacts_2022 and "DG HOME" not in contacts_2022
    assert "DG HOME" not in states and "2024-05-21" not in states


def test_aquapol_shows_its_four_hubs_and_counts(landscape: None) -> None:
    page = _fact_rows("AQUAPOL")

    for hub in ["Maritime HUB North Sea/Atlantic", "Maritime HUB Mediterranean/Atlantic",
                "Inland Navigation HUB for the Rhine", "Danube Black Sea HUB"]:  # fmt: skip
        assert hub in page
    assert "<td>19" in page and "<td>26" in page


def test_railpol_shows_its_five_working_groups(landscape: None) -> None:
    page = _fact_rows("RAILPOL")

    for group in ["Counter Terrorism", "Crime and Illegal Migration", "Railway Accidents",
                  "Public Order", "Strategic Analysis"]:  # fmt: skip
        assert group in page


def test_every_fact_on_every_page_names_its_source(landscape: None) -> None:
    from lenhub.networks.models import StatedFact

    for body in BODIES:
        page = _fact_rows(body["acronym"])
        for fact in StatedFact.objects.filter(network__acronym=body["acronym"]).select_related(
            "source"
        ):
            assert fact.source.title in page, (body["acronym"], fact.key)


def test_lenwg_page_lists_the_eight_networks_it_brings_together(landscape: None) -> None:
    page = _fact_rows("LENWG")

    for acronym in ["AIRPOL", "AQUAPOL", "ATLAS", "EIFS", "ENLETS", "ESG", "HRSN", "RAILPOL"]:
        assert f"/networks/{acronym}/" in page
