"""The needs pieces together: accepting a need suggests its knowledge links once the
acceptance commits (and a failure there never undoes the curation); a need's page shows
its gap panel and the rounds it was in, ranked among what the reader may see; the
sub-navigation leads to rounds, roadmaps and gaps."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from lenhub.access.services import restricted_set_audience
from lenhub.conftest import World
from lenhub.needs import services
from lenhub.needs.models import Coverage, NeedLink, NeedStatus, RoundNeed
from lenhub.needs.tests.roadmap_world import (
    closed_round,
    index_knowledge,
    link,
    make_need,
    make_result,
    signed_in,
    viewer,
)

pytestmark = pytest.mark.django_db

FIELDS = {
    "title": "Detecting drones over prisons",
    "problem": "Small drones drop phones and drugs into prison yards at night.",
    "capability_wanted": "Detect small drones approaching prison walls.",
    "crime_area": "drugs",
    "urgency": "high",
    "kind": "technology_need",
}


def _submitted(world: World) -> Any:
    reporter = world.people["lea_pl"]
    need = services.need_create(
        viewer=viewer(reporter), actor=reporter, network=world.enlets, fields=FIELDS
    )
    return services.need_submit(need=need, viewer=viewer(reporter), actor=reporter)


def test_accepting_a_need_suggests_knowledge_links_when_it_commits(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    radar = make_result(
        "Counter-drone detection radar", ["public"], "CLEAR", "Detects small drones near prisons."
    )
    index_knowledge()
    need = _submitted(world)
    nc = world.people["nc_pl"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.need_accept(need=need, viewer=viewer(nc), actor=nc)
    assert not NeedLink.objects.filter(need=need).exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    suggested = NeedLink.objects.get(need=need, item_kind="result", item_id=radar.pk)
    assert suggested.coverage == Coverage.SUGGESTED


def test_a_failing_suggestion_is_logged_and_the_need_stays_accepted(
    world: World,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("search engine down")

    monkeypatch.setattr("lenhub.needs.gaps.need_links_suggest", broken)
    need = _submitted(world)
    nc = world.people["nc_pl"]
    with (
        caplog.at_level(logging.ERROR, logger="lenhub.needs"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.need_accept(need=need, viewer=viewer(nc), actor=nc)
    need.refresh_from_db()
    assert need.status == NeedStatus.ACCEPTED
    assert any("suggesting knowledge links" in r.getMessage() for r in caplog.records)


def test_a_need_page_shows_its_rounds_ranked_among_what_the_reader_may_see(
    world: World,
) -> None:
    shared = make_need(world, "Shared need on cross-border data")
    core_only = make_need(
        world, "Core group need on insiders", [f"network:{world.enlets.pk}",
        f"group:{world.core_group.pk}"], "AMBER",
    )  # fmt: skip
    round_ = closed_round(world, [core_only, shared], title="Spring round")
    hidden = closed_round(world, [shared, core_only], title="Core group round")
    restricted_set_audience(
        item=hidden, audience=[f"network:{world.enlets.pk}", f"group:{world.core_group.pk}"],
        tlp="AMBER", actor=None,
    )  # fmt: skip
    for each in (round_, hidden):  # as round_create makes them
        for position, result in enumerate(each.results.order_by("rank")):
            RoundNeed.objects.create(round=each, need=result.need, position=position)

    outsider = signed_in(world, "lea_de").get(f"/needs/{shared.pk}/").content.decode()
    assert f'href="/rounds/{round_.pk}/"' in outsider and "ranked 1 of 1 need" in outsider
    assert "Core group round" not in outsider and core_only.title not in outsider

    insider = signed_in(world, "nc_pl").get(f"/needs/{shared.pk}/").content.decode()
    assert "ranked 2 of 2 needs" in insider and "Core group round" in insider


def test_a_need_page_shows_its_gap_panel_and_curators_are_sent_to_the_links(
    world: World,
) -> None:
    need = make_need(world, "Tracing printed firearms")
    reader = signed_in(world, "lea_de")
    html = reader.get(f"/needs/{need.pk}/").content.decode()
    assert "Gap:" in html and "All knowledge links of this need" in html
    answer = make_result("Printed firearm scanner", ["public"], "CLEAR")
    hidden = make_result(
        "Printed firearm trial for the core group", [f"group:{world.core_group.pk}"], "AMBER"
    )
    link(need, answer, "result", Coverage.PARTLY)
    link(need, hidden, "result", Coverage.ADDRESSED)
    html = reader.get(f"/needs/{need.pk}/").content.decode()
    assert "Gap:" not in html and answer.title in html
    assert hidden.title not in html
    curator = signed_in(world, "nc_pl").get(f"/needs/{need.pk}/").content.decode()
    assert "Review and confirm the knowledge links of this need" in curator
    assert f'href="/needs/{need.pk}/links/"' in curator


def test_the_sub_navigation_leads_to_rounds_roadmaps_and_gaps(world: World) -> None:
    client = signed_in(world, "lea_de")
    html = client.get("/rounds/").content.decode()
    assert 'aria-label="Needs and roadmaps"' in html
    assert '<a href="/rounds/" aria-current="page">' in html
    for url in ("/needs/", "/roadmaps/", "/needs/gaps/"):
        assert f'href="{url}"' in html
    assert 'href="/needs/curate/"' not in html  # curators only
    curator = signed_in(world, "nc_pl").get("/roadmaps/").content.decode()
    assert 'href="/needs/curate/"' in curator
    assert '<a href="/roadmaps/" aria-current="page">' in curator
