"""The map of member and partner countries: its data covers every country lenhub knows,
a network page marks exactly its own countries, and nothing is loaded from elsewhere."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lenhub.accounts.countries import EU, PARTNERS, load_countries
from lenhub.accounts.models import Country
from lenhub.networks import mapdata
from lenhub.networks.models import CountryRole, Network, NetworkCountry

FAR = {"AU", "CA", "US"}  # drawn on the world view only
PATH_DATA = re.compile(r"^[MmLlHhVvZz0-9 .\-]*$")
MARK = re.compile(
    r'<(?:path|circle) class="(?P<cls>[^"]*)" data-(?P<view>world-)?country="(?P<code>[A-Z]{2})"'
)


def test_map_data_covers_every_country() -> None:
    data = mapdata.load()
    europe = set(data["europe"]["countries"]) | set(data["europe"]["dots"])
    world = set(data["world"]["countries"])
    known = set(EU) | set(PARTNERS)
    assert known - mapdata.codes_on_map() == set()
    assert known - FAR <= europe, "every European partner is on the Europe view"
    assert world >= FAR and not FAR & europe
    # The smallest states are too small to see: they get a dot.
    assert {"VA", "SM", "MC", "LI", "AD", "MT"} <= set(data["europe"]["dots"])


def test_map_data_is_small_and_plain_path_data() -> None:
    assert mapdata.DATA_FILE.stat().st_size < 300 * 1024
    data = mapdata.load()
    assert "Natural Earth" in data["source"]
    for view in ("europe", "world"):
        paths = [*data[view]["countries"].values(), data[view]["other"]]
        assert all(PATH_DATA.match(d) for d in paths)
        assert data[view]["width"] > 0 and data[view]["height"] > 0


def test_a_member_is_never_also_drawn_as_partner() -> None:
    country_map = mapdata.country_map(members=["PL"], partners=["PL", "NO"], names={})
    assert country_map is not None
    roles = {s.code: s.role for s in country_map.europe.shapes if s.role}
    assert roles == {"PL": "member", "NO": "partner"}
    assert country_map.world is None and country_map.far == []
    assert mapdata.country_map(members=[], partners=[], names={}) is None


def _network(acronym: str, members: list[str], partners: list[str]) -> Network:
    load_countries(Country)
    network = Network.objects.create(acronym=acronym, name=f"{acronym} network")
    for codes, role in ((members, CountryRole.MEMBER), (partners, CountryRole.PARTNER)):
        for code in codes:
            NetworkCountry.objects.create(network=network, country_id=code, role=role)
    return network


def _marks(page: str) -> dict[str, dict[str, set[str]]]:
    found: dict[str, dict[str, set[str]]] = {
        "europe": {"member": set(), "partner": set(), "none": set()},
        "world": {"member": set(), "partner": set(), "none": set()},
    }
    for match in MARK.finditer(page):
        classes = match["cls"].split()
        role = "none"
        if "map-member" in classes:
            role = "member"
        elif "map-partner" in classes:
            role = "partner"
        found["world" if match["view"] else "europe"][role].add(match["code"])
    return found


@pytest.mark.django_db
def test_network_page_marks_its_member_and_partner_countries(client: Client) -> None:
    _network("MAPNET", members=["PL", "DE", "MT"], partners=["NO", "CH", "US"])
    response = client.get("/networks/MAPNET/")
    assert response.status_code == 200
    page = response.content.decode()
    marks = _marks(page)
    assert marks["europe"]["member"] == {"PL", "DE", "MT"}
    assert marks["europe"]["partner"] == {"NO", "CH"}
    # The world view marks the same countries; the United States is only there.
    assert marks["world"]["member"] == {"PL", "DE"}  # Malta is too small for the world view
    assert marks["world"]["partner"] == {"NO", "CH", "US"}
    assert "FR" in marks["europe"]["none"] and "US" not in marks["europe"]["none"]
    # Hover titles, and colour is not the only cue: partners are hatched, and a legend
    # says so in words.
    assert "<title>Poland: member country</title>" in page
    assert "<title>Norway: partner country</title>" in page
    assert 'fill="url(#lenhub-map-hatch)"' in page and 'id="lenhub-map-hatch"' in page
    assert "Member country (solid)" in page and "Partner country (hatched)" in page
    assert "Far from Europe, shown on the world map: United States." in page
    # An image with a name and a description, next to the text lists.
    svg = re.search(r'<svg class="map-europe"[^>]*>', page)
    assert svg and 'role="img"' in svg[0]
    labelled_by = re.search(r'aria-labelledby="([^"]+)"', svg[0])
    assert labelled_by
    for element_id in labelled_by[1].split():
        assert f'id="{element_id}"' in page
    assert "<h3>Member countries</h3>" in page and "<h3>Partner countries</h3>" in page


@pytest.mark.django_db
def test_the_map_loads_nothing_from_elsewhere(client: Client) -> None:
    _network("MAPNET", members=["FR", "IT"], partners=["AU", "IL"])
    page = client.get("/networks/MAPNET/").content.decode()
    assert 'class="map-europe"' in page and 'class="map-world"' in page
    figure = page[page.index('<figure class="country-map"') : page.index("</figure>")]
    assert "http" not in figure and "//" not in figure.replace("</", "")
    # No resource of the page comes from another host: no src, stylesheet or url() off site.
    assert not re.search(r'\ssrc="(?:https?:)?//', page)
    assert not re.search(r'<link[^>]+href="(?:https?:)?//', page)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page)


@pytest.mark.django_db
def test_no_map_when_the_sources_give_only_counts(client: Client) -> None:
    _network("COUNTS", members=[], partners=[])
    page = client.get("/networks/COUNTS/").content.decode()
    assert 'class="country-map"' not in page and "<svg" not in page
    assert "The sources give counts, not a list of countries" in page


@pytest.mark.django_db
def test_map_numbers_are_not_localised(client: Client) -> None:
    """A German reader gets the same SVG numbers (no decimal commas)."""
    _network("MAPNET", members=["DE", "MT"], partners=[])
    page = client.get("/networks/MAPNET/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert _marks(page)["europe"]["member"] == {"DE", "MT"}
    numbers = re.findall(r'(?:viewBox|cx|cy|width|height)="([^"]*)"', page)
    assert numbers and not [n for n in numbers if "," in n]
