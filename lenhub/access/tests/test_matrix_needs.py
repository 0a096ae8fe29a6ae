"""The needs flow in the HTTP access matrix (issue 6): rounds, roadmaps and their PDFs,
the gap analysis, counts, notifications and emails, by page, API session and API token,
for every persona (see ``matrix_needs``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from lenhub.access.tests.matrix import PERSONAS
from lenhub.access.tests.matrix_needs import (
    judge_all_email,
    judge_exports,
    plant_needs,
    run_needs_matrix,
    summarise_needs,
    surfaces,
)
from lenhub.access.tests.test_matrix import MUTATION_PERSONAS, _fetcher
from lenhub.conftest import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_needs_access_matrix(live_server: Any) -> None:
    """Every canary need, evidence item, country, round and roadmap shows exactly where its
    audience and the roadmap's withholding rule allow, on every surface, and in no
    email it may not be named in."""
    world = build_world()
    mail.outbox = []
    planted = plant_needs(world)
    outbox = list(mail.outbox)
    fetch = _fetcher(live_server.url, world)

    cases = run_needs_matrix(fetch, planted, outbox) + judge_exports(planted)

    print(summarise_needs(cases, limit=400))
    assert len(cases) >= len(PERSONAS) * len(surfaces(planted)) * 17
    assert all(case.ok for case in cases), summarise_needs(cases)
    # the surfaces really show canaries: every one shows some to someone
    shown = {case.surface for case in cases if case.allowed and case.seen}
    assert shown == set(surfaces(planted)) | {"export_v1", "export_v2"}
    assert not judge_all_email(planted, outbox), judge_all_email(planted, outbox)


def test_needs_matrix_catches_results_gaps_and_roadmaps_without_the_policy(
    live_server: Any, monkeypatch: Any
) -> None:
    """Mutation checks, one planting: round results that skipped the policy, gap links
    that listed items whatever the reader may see, and a roadmap whose evidence skipped
    the withholding rule would each show canaries to people outside their audience."""
    world = build_world()
    mail.outbox = []
    planted = plant_needs(world)
    outbox = list(mail.outbox)
    fetch = _fetcher(live_server.url, world)
    everything = lambda viewer, queryset: queryset  # noqa: E731

    def leaks(patch: str, replacement: Any, only: list[str]) -> set[tuple[str, str, str]]:
        with monkeypatch.context() as context:
            context.setattr(patch, replacement)
            cases = run_needs_matrix(fetch, planted, outbox, only, MUTATION_PERSONAS)
        return {(c.persona, c.surface, c.canary) for c in cases if c.seen and not c.allowed}

    found = leaks(
        "lenhub.needs.selectors_rounds.filter_visible", everything,
        ["results_page", "results_api", "token_results_api"],
    )  # fmt: skip
    assert ("lea_pl", "results_page", "need:participants_red") in found
    assert ("lea_pl", "results_api", "need:core_group_amber") in found
    assert ("lea_pl", "token_results_api", "cc:participants_red") in found

    found = leaks(
        "lenhub.needs.gaps.filter_visible", everything,
        ["gaps_page", "links_api:public_clear", "links_page:public_clear"],
    )  # fmt: skip
    assert ("anonymous", "gaps_page", "need:participants_red") in found
    assert ("lea_pl", "links_api:public_clear", "ev:core_group_amber") in found
    assert ("lea_fr_aquapol", "links_page:public_clear", "ev:enlets_amber") in found

    found = leaks(
        "lenhub.needs.roadmap.withheld_because", lambda item, reach: "",
        ["roadmap_v1_pdf", "roadmap_v2_api"],
    )  # fmt: skip
    assert ("lea_pl", "roadmap_v1_pdf", "ev:enlets_amber") in found  # AMBER in a GREEN PDF
    assert ("lea_pl", "roadmap_v1_pdf", "ev:lea_green") in found  # narrower than its audience
    assert ("lea_pl", "roadmap_v2_api", "ev:members_green") not in found  # reaches it anyway
