"""The HTTP access matrix (DESIGN §2): real requests over HTTP to a live server, as
anonymous and as a signed-in person of every kind, against every read surface."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.core import mail
from django.utils import timezone

from lenhub.access.tests.matrix import (
    TOKEN,
    expected_reads_audited,
    plant_items,
    run_matrix,
    summarise,
)
from lenhub.access.tests.matrix_directory import (
    TOKEN_SCOPES,
    plant_people,
    run_directory_matrix,
    summarise_directory,
)
from lenhub.access.tests.matrix_knowledge import (
    KNOWLEDGE_SURFACES,
    cases_per_persona,
    expected_knowledge_reads,
    plant_knowledge,
    run_knowledge_matrix,
    summarise_knowledge,
)
from lenhub.access.tests.matrix_monitoring import (
    MONITORING_SURFACES,
    follow_seed,
    run_monitoring_matrix,
    summarise_monitoring,
)
from lenhub.access.tests.matrix_monitoring import (
    cases_per_persona as monitoring_cases_per_persona,
)
from lenhub.access.tests.matrix_needs import pdf_text
from lenhub.accounts.models import AccessToken, User
from lenhub.accounts.tokens import token_create, token_may_be_held
from lenhub.audit.models import AuditEntry
from lenhub.conftest import World, build_world, http_sign_in
from lenhub.dissemination.models import News
from lenhub.knowledge.models import Project
from lenhub.monitoring.models import Update

pytestmark = pytest.mark.django_db(transaction=True)


SCOPES = f"news:read,knowledge:read,monitoring:read,needs:read,guidance:read,{TOKEN_SCOPES}"


def _token_for(user: User) -> str:
    """A token with every read scope the matrix needs; for people who may not hold one
    now, a token as if made while they could (a lapsed vetting must stop it)."""
    if token_may_be_held(user=user):
        return token_create(user=user, name="matrix", scopes=SCOPES).secret
    secret = secrets.token_urlsafe(32)
    key_id = secrets.token_hex(6)
    AccessToken.objects.create(
        user=user,
        name="matrix",
        key_id=key_id,
        secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
        scopes=SCOPES.split(","),
        auth_epoch=user.auth_epoch,
        expires_at=timezone.now() + timedelta(days=30),
    )
    return f"lh_{key_id}_{secret}"


def _fetcher(base_url: str, world: World) -> Any:
    """Requests as each persona; people sign in (and get their token) on first use."""
    sessions: dict[str, requests.Session] = {"anonymous": requests.Session()}
    tokens = {"anonymous": "lh_000000000000_made-up"}
    bare = requests.Session()  # token requests carry no session cookie

    def fetch(persona: str, path: str) -> tuple[int, str]:
        if persona not in sessions:
            user = world.people[persona]
            sessions[persona] = http_sign_in(base_url, user.email, world.secrets[persona])
            tokens[persona] = _token_for(user)
        if path.startswith(TOKEN):
            response = bare.get(
                base_url + path.removeprefix(TOKEN),
                headers={"Authorization": f"Bearer {tokens[persona]}"},
                allow_redirects=False,
                timeout=10,
            )
        else:
            response = sessions[persona].get(base_url + path, allow_redirects=False, timeout=10)
        if response.headers.get("Content-Type", "").startswith("application/pdf"):
            return response.status_code, pdf_text(response.content)  # judged by its text
        return response.status_code, response.text

    return fetch


# Enough people to show a leak in the mutation checks: nobody, an unvetted account, a
# member of the other network, and a member.
MUTATION_PERSONAS = ["anonymous", "registered", "lea_fr_aquapol", "lea_pl"]


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

    cases = run_matrix(fetch, items, surfaces=["list"], personas=MUTATION_PERSONAS)

    leaks = [case for case in cases if not case.ok and case.canary_seen and not case.allowed]
    assert leaks, "the matrix did not notice an unfiltered list"
    assert ("anonymous", "participants_red") in {(c.persona, c.item) for c in leaks}


def test_directory_access_matrix(live_server: Any) -> None:
    """Member lists, exports, the expert finder, the decisions queue and the
    secretariat's pages show each person, expertise and motivation exactly to those
    DESIGN lets see them, by page, API session and API token."""
    world = build_world()
    canaries = plant_people(world)
    fetch = _fetcher(live_server.url, world)

    cases = run_directory_matrix(fetch, canaries)

    print(summarise_directory(cases))
    assert len(cases) >= 3000
    assert all(case.ok for case in cases), summarise_directory(cases)
    assert sum(case.allowed for case in cases) >= 50  # the canaries are really shown


def test_directory_matrix_catches_an_open_member_list(live_server: Any, monkeypatch: Any) -> None:
    """Mutation check: a member list that skipped the membership check would leak."""
    world = build_world()
    canaries = plant_people(world)
    fetch = _fetcher(live_server.url, world)
    monkeypatch.setattr("lenhub.networks.views._is_member", lambda request, network: True)

    cases = run_directory_matrix(fetch, canaries, personas=MUTATION_PERSONAS)

    leaks = {(c.persona, c.surface) for c in cases if c.seen and not c.allowed}
    assert ("registered", "enlets_members") in leaks  # signed in, never vetted
    assert ("lea_fr_aquapol", "enlets_members") in leaks


def test_matrix_catches_a_search_without_the_access_filter(
    live_server: Any, monkeypatch: Any
) -> None:
    """Mutation check: if the search engine dropped its access condition, restricted
    canaries would be found (and counted) by people outside their audience."""
    world = build_world()
    items = plant_items(world)
    fetch = _fetcher(live_server.url, world)
    monkeypatch.setattr("lenhub.search.services._access", lambda holding, **_: ("1 = 1", []))

    cases = run_matrix(fetch, items, surfaces=["search"], personas=MUTATION_PERSONAS)

    leaks = {(c.persona, c.item) for c in cases if not c.ok and c.canary_seen and not c.allowed}
    assert ("anonymous", "participants_red") in leaks
    assert ("lea_fr_aquapol", "enlets_amber") in leaks


def test_knowledge_access_matrix(live_server: Any, settings: Any, monkeypatch: Any) -> None:
    """Pages, lists and API of projects, results, concepts, best practices, technology
    watch entries, needs and guidance, search (results, totals, facets, snippets), search
    narrowed by a facet, "similar needs", "more like this", a project's results, uptake
    counts and funding sums show each canary exactly to the people its audience allows;
    every allowed read of an AMBER or RED item is audited. Everyone signed in follows the
    seed and a topic the canaries share: the timeline, notifications and update emails
    name each result and technology watch canary exactly to those allowed (emails only for
    TLP:CLEAR and TLP:GREEN); guidance canaries are notified and emailed, the same way, to
    the members of their network."""
    # every search reads its match in two parts at once, as on a large index (each part
    # applies the access condition itself; one part is the rest of the suite's way)
    settings.LENHUB_SEARCH_PARTS = 2
    monkeypatch.setattr("lenhub.search.services.PARTS_FROM", 0)
    world = build_world()
    mail.outbox = []
    planted = plant_knowledge(world, follow=follow_seed)
    outbox = list(mail.outbox)
    fetch = _fetcher(live_server.url, world)
    reads_before = AuditEntry.objects.filter(action="content.read").count()

    cases = run_knowledge_matrix(fetch, planted)

    print(summarise_knowledge(cases))
    assert len(cases) == 17 * cases_per_persona(planted)
    assert all(case.ok for case in cases), summarise_knowledge(cases)
    shown = {case.surface for case in cases if case.allowed and case.seen}
    assert shown == set(KNOWLEDGE_SURFACES)  # every surface really shows canaries
    reads = AuditEntry.objects.filter(action="content.read").count() - reads_before
    assert reads == expected_knowledge_reads(planted)

    cases = run_monitoring_matrix(fetch, world, planted, outbox)

    print(summarise_monitoring(cases))
    assert len(cases) == 17 * monitoring_cases_per_persona(planted)
    assert all(case.ok for case in cases), summarise_monitoring(cases)
    shown = {case.surface for case in cases if case.allowed and case.seen}
    assert shown == set(MONITORING_SURFACES)


def test_knowledge_matrix_catches_a_project_page_without_the_policy(
    live_server: Any, monkeypatch: Any
) -> None:
    """Mutation check: a project page that fetched the project without ``access_item``
    would show restricted canaries to people outside their audience."""
    world = build_world()
    planted = plant_knowledge(world, kinds=("project",))
    fetch = _fetcher(live_server.url, world)
    monkeypatch.setattr(
        "lenhub.knowledge.views.access_item", lambda viewer, queryset, pk: queryset.get(pk=pk)
    )

    cases = run_knowledge_matrix(fetch, planted, surfaces=["page"], personas=MUTATION_PERSONAS)

    leaks = {(c.persona, c.item) for c in cases if not c.ok and c.seen and not c.allowed}
    assert ("anonymous", "participants_red") in leaks
    assert ("lea_fr_aquapol", "enlets_amber") in leaks
    assert ("lea_pl", "aquapol_amber") in leaks


def test_knowledge_matrix_catches_funding_sums_over_every_project(
    live_server: Any, monkeypatch: Any
) -> None:
    """Mutation check: funding sums over every project, not the visible ones, would count
    restricted canaries' EU contributions for people outside their audience."""
    world = build_world()
    planted = plant_knowledge(world, kinds=("project",))
    fetch = _fetcher(live_server.url, world)
    monkeypatch.setattr(
        "lenhub.knowledge.funding.funding_projects",
        lambda viewer, **filters: Project.objects.order_by(),
    )

    cases = run_knowledge_matrix(
        fetch, planted, surfaces=["funding_page", "funding_api"], personas=MUTATION_PERSONAS
    )

    leaks = {(c.persona, c.surface, c.item) for c in cases if c.seen and not c.allowed}
    assert ("anonymous", "funding_page", "participants_red") in leaks
    assert ("lea_fr_aquapol", "funding_api", "enlets_amber") in leaks
    assert ("lea_pl", "funding_api", "aquapol_amber") in leaks


def test_monitoring_matrix_catches_updates_without_the_access_filter(
    live_server: Any, monkeypatch: Any
) -> None:
    """Mutation check: notifying followers without asking the policy whether each may see
    the update would email canaries' titles to people outside their audience; a timeline
    without ``updates_visible`` would list them."""
    world = build_world()
    everything = lambda viewer: Update.objects.all()  # noqa: E731
    mail.outbox = []
    with monkeypatch.context() as patch:
        patch.setattr("lenhub.monitoring.services.updates_visible", everything)
        planted = plant_knowledge(
            world,
            kinds=("result",),
            follow=functools.partial(follow_seed, personas=MUTATION_PERSONAS),
        )
    outbox = list(mail.outbox)
    monkeypatch.setattr("lenhub.monitoring.selectors.updates_visible", everything)
    fetch = _fetcher(live_server.url, world)

    cases = run_monitoring_matrix(
        fetch,
        world,
        planted,
        outbox,
        surfaces=["email", "timeline_api", "token_timeline_api"],
        personas=MUTATION_PERSONAS,
    )

    leaks = {(c.persona, c.surface, c.item) for c in cases if c.seen and not c.allowed}
    assert ("registered", "email", "members_green") in leaks
    assert ("lea_fr_aquapol", "email", "enlets_amber") not in leaks  # AMBER: never named
    assert ("lea_fr_aquapol", "timeline_api", "enlets_amber") in leaks
    assert ("lea_pl", "token_timeline_api", "aquapol_amber") in leaks
    assert ("registered", "timeline_api", "participants_red") in leaks


def test_matrix_catches_guidance_without_the_policy(live_server: Any, monkeypatch: Any) -> None:
    """Mutation checks: a guidance list that skipped the policy filter would list
    guidance canaries to people outside their audience; publishing that took every
    member of the network as the audience, without asking the policy, would email them
    (notification lists still ask the policy when read, so they do not show them)."""
    from lenhub.access.policy import ANONYMOUS
    from lenhub.dissemination.models import Guidance
    from lenhub.dissemination.selectors import Reader
    from lenhub.networks.selectors import network_members

    def every_member(*, guidance: Guidance, country: str | None = None) -> list[Reader]:
        members = network_members(network=guidance.network)
        return [Reader(user=m.user, viewer=ANONYMOUS, country="") for m in members]

    world = build_world()
    mail.outbox = []
    with monkeypatch.context() as patch:
        patch.setattr("lenhub.dissemination.services.guidance_audience", every_member)
        planted = plant_knowledge(world, kinds=("guidance",))
    outbox = list(mail.outbox)
    monkeypatch.setattr(
        "lenhub.dissemination.selectors.guidance_visible",
        lambda viewer, filters=None: Guidance.objects.select_related("network"),
    )
    fetch = _fetcher(live_server.url, world)

    cases = run_knowledge_matrix(fetch, planted, surfaces=["list_page"], personas=MUTATION_PERSONAS)
    leaks = {(c.persona, c.item) for c in cases if c.seen and not c.allowed}
    assert ("anonymous", "participants_red") in leaks
    assert ("lea_pl", "aquapol_amber") in leaks

    cases = run_monitoring_matrix(
        fetch, world, planted, outbox, surfaces=["notifications_api", "email"],
        personas=MUTATION_PERSONAS,
    )  # fmt: skip
    wrong = {(c.persona, c.surface, c.item) for c in cases if not c.ok and not c.allowed}
    assert ("lea_pl", "email", "aquapol_amber") in wrong  # an email it should never get
    assert ("lea_pl", "email", "participants_red") in wrong
    assert all(c.ok for c in cases if c.surface == "notifications_api")
