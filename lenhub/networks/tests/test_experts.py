"""The expert finder: opt-in, vetted LEA members only, pseudonyms and choices kept."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lenhub.conftest import World, client_sign_in, http_sign_in, join, make_user
from lenhub.networks.models import Network

# Who may open the finder (vetted, LEA organisation, signed in with a second factor).
MAY_SEE = {
    "lea_pl",
    "lea_fr_aquapol",
    "lea_de",
    "lea_no_network",
    "nc_pl",
    "core_de",
    "group_leader",
    "leaver",  # left ENLETS, still a vetted police officer
}
NOT_FOUND = {
    "registered",  # unvetted, no second factor
    "unvetted_mfa",
    "vetted_no_mfa",  # vetted LEA, but this session has no second factor
    "stakeholder",  # vetted, academia: not LEA
    "secretariat",  # vetted, research organisation: no role implies LEA
    "expired",  # vetting lapsed
    "operator",  # superuser: grants nothing here
    "auditor",
}

CANARY_NOT_OPTED_IN = "CANARY-not-opted-in-9d4c2"
CANARY_STAKEHOLDER = "CANARY-stakeholder-71b0e"
CANARY_EXPIRED = "CANARY-expired-vetting-5e1aa"
CANARY_UNVETTED = "CANARY-unvetted-0c3f4"
CANARY_INACTIVE = "CANARY-inactive-account-8a2d7"


def _set(user: Any, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()


@pytest.fixture
def experts(world: World) -> World:
    people = world.people
    _set(
        people["lea_pl"],
        show_in_expert_finder=True,
        display_name="Falcon",
        display_name_is_pseudonym=True,
        expertise="Drone detection and counter-UAS",
        languages="pl, en",
        show_organisation=False,
        position="Drone analyst",
        show_position=True,
    )
    _set(
        people["lea_de"],
        show_in_expert_finder=True,
        display_name="Klara Brandt",
        expertise="ANPR cameras and drone forensics",
        languages="de,en",
        show_organisation=True,
        position="Secret position DE-44",
        show_position=False,
    )
    _set(
        people["lea_fr_aquapol"],
        show_in_expert_finder=True,
        display_name="Marin",
        expertise="Maritime surveillance",
        languages="fr",
    )
    # Not listed, each for its own reason.
    _set(people["lea_no_network"], expertise=CANARY_NOT_OPTED_IN, languages="it")
    _set(people["stakeholder"], show_in_expert_finder=True, expertise=CANARY_STAKEHOLDER)
    _set(people["expired"], show_in_expert_finder=True, expertise=CANARY_EXPIRED)
    _set(people["unvetted_mfa"], show_in_expert_finder=True, expertise=CANARY_UNVETTED)
    make_user(
        "inactive@policja.pl.test",
        organisation=world.police_pl,
        vetted=True,
        show_in_expert_finder=True,
        expertise=CANARY_INACTIVE,
        is_active=False,
    )
    return world


def _signed_in(world: World, persona: str) -> Client:
    client = Client()
    client_sign_in(client, world.people[persona].email, world.secrets[persona])
    return client


def _find(client: Client, **filters: Any) -> str:
    response = client.get("/experts/?" + urlencode(filters))
    assert response.status_code == 200
    return response.content.decode()


def _names(page: str) -> set[str]:
    return {n for n in ("Falcon", "Klara Brandt", "Marin") if f"<h2>{n}" in page}


def test_who_may_open_the_finder_over_http(live_server: Any, experts: World) -> None:
    world = experts
    response = requests.get(f"{live_server.url}/experts/", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")
    assert set(world.people) == MAY_SEE | NOT_FOUND
    for persona in sorted(MAY_SEE | NOT_FOUND):
        user = world.people[persona]
        session = http_sign_in(live_server.url, user.email, world.secrets[persona])
        response = session.get(f"{live_server.url}/experts/", allow_redirects=False, timeout=10)
        expected = 200 if persona in MAY_SEE else 404
        assert response.status_code == expected, persona
        if expected == 200:
            assert "no-store" in response.headers["Cache-Control"]
            assert "private" in response.headers["Cache-Control"]
            for canary in (
                CANARY_NOT_OPTED_IN,
                CANARY_STAKEHOLDER,
                CANARY_EXPIRED,
                CANARY_UNVETTED,
                CANARY_INACTIVE,
            ):
                assert canary not in response.text, (persona, canary)
        else:
            assert "Falcon" not in response.text and "Drone" not in response.text
        dashboard = session.get(f"{live_server.url}/dashboard/", timeout=10).text
        assert ('href="/experts/"' in dashboard) == (persona in MAY_SEE), persona


def test_only_opted_in_vetted_lea_people_are_listed(experts: World) -> None:
    client = _signed_in(experts, "lea_no_network")
    page = _find(client)
    assert _names(page) == {"Falcon", "Klara Brandt", "Marin"}
    for canary in (
        CANARY_NOT_OPTED_IN,
        CANARY_STAKEHOLDER,
        CANARY_EXPIRED,
        CANARY_UNVETTED,
        CANARY_INACTIVE,
    ):
        assert canary not in page
    # Opting out takes effect at once.
    _set(experts.people["lea_fr_aquapol"], show_in_expert_finder=False)
    assert _names(_find(client)) == {"Falcon", "Klara Brandt"}


def test_pseudonyms_and_choices_are_respected(experts: World) -> None:
    page = _find(_signed_in(experts, "lea_de"))
    for user in experts.people.values():
        assert user.email not in page
    assert "@" not in page.split("<main", 1)[1]
    # Falcon is a pseudonym, hides the organisation and shows the position.
    falcon = page[page.index("<h2>Falcon") :].split("</li>", 1)[0]
    assert "pseudonym" in falcon
    assert "Polish Police" not in falcon and "Drone analyst" in falcon
    assert "Poland" in falcon and "Polish, English" in falcon
    # Klara Brandt shows the organisation and hides the position.
    klara = page[page.index("<h2>Klara Brandt") :].split("</li>", 1)[0]
    assert "pseudonym" not in klara
    assert "Bundespolizei" in klara and "Secret position DE-44" not in page
    assert "Polish Police" not in page


def test_filters(experts: World) -> None:
    client = _signed_in(experts, "lea_pl")
    assert _names(_find(client, q="drone")) == {"Falcon", "Klara Brandt"}
    assert _names(_find(client, q="drone counter-uas")) == {"Falcon"}  # every word
    assert _names(_find(client, q="submarine")) == set()
    assert _names(_find(client, country="DE")) == {"Klara Brandt"}
    assert _names(_find(client, country="FR")) == {"Marin"}
    assert _names(_find(client, language="en")) == {"Falcon", "Klara Brandt"}
    assert _names(_find(client, language="fr")) == {"Marin"}
    assert _names(_find(client, q="drone", language="pl")) == {"Falcon"}
    enlets, aquapol = experts.enlets, experts.aquapol
    assert _names(_find(client, network=enlets.pk)) == {"Falcon", "Klara Brandt"}
    # A network the reader is not a member of can be neither searched nor seen.
    page = _find(client, network=aquapol.pk)
    assert _names(page) == {"Falcon", "Klara Brandt", "Marin"}
    marin = page[page.index("<h2>Marin") :].split("</li>", 1)[0]
    assert "AQUAPOL" not in marin
    falcon = page[page.index("<h2>Falcon") :].split("</li>", 1)[0]
    assert "ENLETS" in falcon
    # ... while a fellow AQUAPOL member sees it.
    page = _find(_signed_in(experts, "lea_fr_aquapol"), network=aquapol.pk)
    assert _names(page) == {"Marin"} and "AQUAPOL" in page
    assert "ENLETS" not in page.split('<ul class="cards experts">', 1)[1]


def test_the_list_takes_a_fixed_number_of_queries(experts: World) -> None:
    client = _signed_in(experts, "lea_pl")
    client.get("/experts/")  # warm up (session, translations)
    with CaptureQueriesContext(connection) as few:
        _find(client)
    extra = Network.objects.create(acronym="EXTRA", name="Extra")
    join(experts.people["lea_pl"], extra)
    for i in range(12):
        user = make_user(
            f"expert{i}@policja.pl.test",
            organisation=experts.police_pl,
            vetted=True,
            display_name=f"Expert {i}",
            show_in_expert_finder=True,
            expertise="Cybercrime",
            languages="pl",
        )
        join(user, experts.enlets)
        join(user, extra)
    with CaptureQueriesContext(connection) as many:
        page = _find(client)
    assert page.count('class="card expert"') == 15
    assert len(many.captured_queries) == len(few.captured_queries), [
        q["sql"] for q in many.captured_queries
    ]
