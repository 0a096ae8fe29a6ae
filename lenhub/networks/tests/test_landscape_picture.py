"""The picture of the landscape: every body is drawn and links to its page, LENWG is
joined to its eight networks, partnerships in the directory are drawn, the layout is
deterministic and readable, and the same content is there as text."""

from __future__ import annotations

import re
from itertools import combinations

import pytest
from django.test import Client
from django.urls import resolve, reverse

from lenhub.accounts.countries import load_countries
from lenhub.accounts.models import Country
from lenhub.networks.landscape import landscape_load
from lenhub.networks.landscape_picture import landscape_picture, landscape_text
from lenhub.networks.models import Network, Partnership, PartnershipKind
from lenhub.networks.views_landscape import landscape

LENWG_NETWORKS = {"AIRPOL", "AQUAPOL", "ATLAS", "EIFS", "ENLETS", "ESG", "HRSN", "RAILPOL"}


@pytest.fixture
def directory(db: None) -> dict[str, Network]:
    load_countries(Country)
    landscape_load()
    return {n.acronym: n for n in Network.objects.all()}


def _svg(page: str) -> str:
    return page[page.index('<svg class="landscape-picture"') : page.index("</svg>")]


def test_the_path_is_not_taken_for_a_network() -> None:
    assert reverse("landscape") == "/networks/landscape/"
    assert resolve("/networks/landscape/").func is landscape


def test_every_body_is_drawn_and_links_to_its_page(
    client: Client, directory: dict[str, Network]
) -> None:
    assert len(directory) == 26
    response = client.get("/networks/landscape/")
    assert response.status_code == 200
    page = response.content.decode()
    svg = _svg(page)
    nodes = re.findall(r'<a class="landscape-node[^"]*" href="([^"]+)" data-node="(\d+)"', svg)
    assert {int(pk) for _, pk in nodes} == {n.pk for n in directory.values()}
    for network in directory.values():
        url = network.get_absolute_url()
        assert (url, str(network.pk)) in nodes
        assert f">{network.acronym}</text>" in svg
        # and in the text version
        assert f'<a href="{url}">{network.acronym}</a>' in page[page.index("</svg>") :]
    # Grouped by kind, umbrella bodies first.
    kinds = re.findall(r'class="landscape-band-box" data-kind="([^"]+)"', svg)
    assert kinds[0] == "umbrella" and len(kinds) == len(set(kinds)) == 7


def test_lenwg_is_joined_to_its_eight_networks(
    client: Client, directory: dict[str, Network]
) -> None:
    svg = _svg(client.get("/networks/landscape/").content.decode())
    by_pk = {str(n.pk): n.acronym for n in directory.values()}
    edges = re.findall(
        r'class="landscape-edge landscape-edge-umbrella" data-from="(\d+)" data-to="(\d+)"', svg
    )
    assert {by_pk[a] for a, _ in edges} == {"LENWG"}
    assert {by_pk[b] for _, b in edges} == LENWG_NETWORKS
    assert len(edges) == 8
    assert 'landscape-edge-partnership" data-from' not in svg  # none between seeded bodies
    text = landscape_text(landscape_picture())
    lenwg = next(e for _, entries in text for e in entries if e.node.acronym == "LENWG")
    assert {n.acronym for n in lenwg.brings_together} == LENWG_NETWORKS


def test_partnerships_between_bodies_of_the_directory_are_drawn(
    client: Client, directory: dict[str, Network]
) -> None:
    enlets, ileanet = directory["ENLETS"], directory["ILEAnet"]
    Partnership.objects.create(
        network=enlets, name="ILEAnet", kind=PartnershipKind.NETWORK, partner=ileanet
    )
    # The same partnership stated from the other side is one line, not two.
    Partnership.objects.create(
        network=ileanet, name="ENLETS", kind=PartnershipKind.NETWORK, partner=enlets
    )
    page = client.get("/networks/landscape/").content.decode()
    svg = _svg(page)
    edges = re.findall(
        r'class="landscape-edge landscape-edge-partnership" data-from="(\d+)" data-to="(\d+)"',
        svg,
    )
    assert len(edges) == 1
    assert {int(x) for x in edges[0]} == {enlets.pk, ileanet.pk}
    # ENLETS' projects and EU structures are not bodies of the directory: no line to them.
    assert Partnership.objects.filter(network=enlets, partner__isnull=True).count() >= 5
    text = page[page.index("The landscape as text") :]
    assert text.count("Partners in the directory:") == 2


def test_layout_is_deterministic_and_readable(directory: dict[str, Network]) -> None:
    first, second = landscape_picture(), landscape_picture()
    assert [(n.pk, n.x, n.y) for n in first.nodes.values()] == [
        (n.pk, n.x, n.y) for n in second.nodes.values()
    ]
    assert [e.d for e in first.edges] == [e.d for e in second.edges]
    nodes = list(first.nodes.values())
    for node in nodes:
        assert node.x >= 0 and node.x + node.w <= first.width
        assert node.y >= 0 and node.y + node.h <= first.height
    for a, b in combinations(nodes, 2):
        apart = a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
        assert apart, f"{a.acronym} overlaps {b.acronym}"
    lenwg = first.nodes[directory["LENWG"].pk]
    assert all(lenwg.y < first.nodes[directory[a].pk].y for a in LENWG_NETWORKS)


def test_numbers_are_not_localised(client: Client, directory: dict[str, Network]) -> None:
    page = client.get("/networks/landscape/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    numbers = re.findall(r'\s(?:x|y|width|height|viewBox|d)="([^"]*)"', _svg(page))
    assert numbers and not [n for n in numbers if "," in n]


def test_the_directory_links_to_the_picture(client: Client, directory: dict[str, Network]) -> None:
    page = client.get("/networks/").content.decode()
    assert 'href="/networks/landscape/"' in page
