"""The HTTP access matrix (DESIGN §2): real requests over HTTP to a live server, as
anonymous and as a signed-in person of every kind, against every read surface."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from lenhub.access.tests.matrix import (
    PERSONAS,
    expected_reads_audited,
    plant_items,
    run_matrix,
    summarise,
)
from lenhub.audit.models import AuditEntry
from lenhub.conftest import World, build_world, http_sign_in
from lenhub.dissemination.models import News

pytestmark = pytest.mark.django_db(transaction=True)


def _fetcher(base_url: str, world: World) -> Any:
    sessions: dict[str, requests.Session] = {"anonymous": requests.Session()}
    for persona in PERSONAS[1:]:
        user = world.people[persona]
        sessions[persona] = http_sign_in(base_url, user.email, world.secrets[persona])

    def fetch(persona: str, path: str) -> tuple[int, str]:
        response = sessions[persona].get(base_url + path, allow_redirects=False, timeout=10)
        return response.status_code, response.text

    return fetch


def test_http_access_matrix(live_server: Any) -> None:
    """Every person sees exactly the items their audience keys allow, on every surface;
    every allowed read of an AMBER or RED item is audited."""
    world = build_world()
    items = plant_items(world)
    fetch = _fetcher(live_server.url, world)
    reads_before = AuditEntry.objects.filter(action="content.read").count()

    cases = run_matrix(fetch, items)

    print(summarise(cases))
    assert len(cases) >= 200
    assert all(case.ok for case in cases), summarise(cases)
    reads = AuditEntry.objects.filter(action="content.read").count() - reads_before
    assert reads == expected_reads_audited(items)


def test_matrix_catches_an_unfiltered_view(live_server: Any, monkeypatch: Any) -> None:
    """Mutation check: if the news list skipped the policy filter, the matrix would fail
    with canaries leaking to people outside each item's audience."""
    world = build_world()
    items = plant_items(world)
    fetch = _fetcher(live_server.url, world)
    monkeypatch.setattr(
        "lenhub.dissemination.views.news_visible", lambda viewer: News.objects.all()
    )

    cases = run_matrix(fetch, items, surfaces=["list"])

    leaks = [case for case in cases if not case.ok and case.canary_seen and not case.allowed]
    assert leaks, "the matrix did not notice an unfiltered list"
    assert ("anonymous", "participants_red") in {(c.persona, c.item) for c in leaks}
