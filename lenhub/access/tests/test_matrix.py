"""The HTTP access matrix (DESIGN §2): real requests over HTTP to a live server, as
anonymous and as a signed-in person of every kind, against every read surface."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone

from lenhub.access.tests.matrix import (
    PERSONAS,
    TOKEN,
    expected_reads_audited,
    plant_items,
    run_matrix,
    summarise,
)
from lenhub.accounts.models import AccessToken, User
from lenhub.accounts.tokens import token_create, token_may_be_held
from lenhub.audit.models import AuditEntry
from lenhub.conftest import World, build_world, http_sign_in
from lenhub.dissemination.models import News

pytestmark = pytest.mark.django_db(transaction=True)


def _token_for(user: User) -> str:
    """A news-reading token; for people who may not hold one now, a token as if made
    while they could (a lapsed vetting must stop it)."""
    if token_may_be_held(user=user):
        return token_create(user=user, name="matrix", scopes="news:read").secret
    secret = secrets.token_urlsafe(32)
    key_id = secrets.token_hex(6)
    AccessToken.objects.create(
        user=user,
        name="matrix",
        key_id=key_id,
        secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
        scopes=["news:read"],
        auth_epoch=user.auth_epoch,
        expires_at=timezone.now() + timedelta(days=30),
    )
    return f"lh_{key_id}_{secret}"


def _fetcher(base_url: str, world: World) -> Any:
    sessions: dict[str, requests.Session] = {"anonymous": requests.Session()}
    tokens = {"anonymous": "lh_000000000000_made-up"}
    for persona in PERSONAS[1:]:
        user = world.people[persona]
        sessions[persona] = http_sign_in(base_url, user.email, world.secrets[persona])
        tokens[persona] = _token_for(user)
    bare = requests.Session()  # token requests carry no session cookie

    def fetch(persona: str, path: str) -> tuple[int, str]:
        if path.startswith(TOKEN):
            response = bare.get(
                base_url + path.removeprefix(TOKEN),
                headers={"Authorization": f"Bearer {tokens[persona]}"},
                allow_redirects=False,
                timeout=10,
            )
        else:
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
