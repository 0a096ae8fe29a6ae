"""The policy's pure functions and its two decision paths (Python and SQL), case by case.
These are counted apart from the HTTP matrix: they make no request."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from lenhub.access.models import TLP
from lenhub.access.policy import (
    ANONYMOUS,
    AudienceError,
    Viewer,
    access_item,
    audience_intersection,
    can_view,
    filter_visible,
    handling,
    is_wider,
    normalize_audience,
    tlp_label,
    validate_audience_for_label,
    viewer_for_user,
)
from lenhub.access.services import restricted_add_participant, restricted_set_audience
from lenhub.access.tests.matrix import EXPECTED, PERSONAS, plant_items
from lenhub.audit.models import AuditEntry
from lenhub.conftest import World
from lenhub.dissemination.models import News


def _viewer(world: World, persona: str) -> Viewer:
    if persona == "anonymous":
        return ANONYMOUS
    return viewer_for_user(world.people[persona], mfa_verified=world.secrets[persona] is not None)


@pytest.mark.django_db
def test_can_view_and_filter_visible_agree_with_expectations(world: World) -> None:
    """For every person and item: can_view, filter_visible and access_item give the
    hand-written answer (same rule in Python and in SQL)."""
    items = plant_items(world)
    cases = 0
    for persona in PERSONAS:
        viewer = _viewer(world, persona)
        visible = set(filter_visible(viewer, News.objects.all()).values_list("pk", flat=True))
        for name, item in items.items():
            allowed = persona in EXPECTED[name]
            assert can_view(viewer, item.news) is allowed, (persona, name)
            assert (item.news.pk in visible) is allowed, (persona, name)
            if not allowed:
                with pytest.raises(Http404):
                    access_item(viewer, News.objects.all(), item.news.pk)
            cases += 1
    assert cases == len(PERSONAS) * len(items)


@pytest.mark.django_db
def test_item_without_audience_is_visible_to_nobody(world: World) -> None:
    """Fail closed: an item saved without going through the policy has no keys."""
    news = News.objects.create(title="orphan", body="x", tlp=TLP.CLEAR)
    assert not can_view(ANONYMOUS, news)
    assert not can_view(_viewer(world, "nc_pl"), news)
    assert not filter_visible(_viewer(world, "nc_pl"), News.objects.filter(pk=news.pk)).exists()


def test_normalize_audience() -> None:
    assert normalize_audience(["public"]) == {"public"}
    assert normalize_audience(["members", "lea"]) == {"lea"}
    assert normalize_audience(["public", "network:3"]) == {"network:3"}
    assert normalize_audience(["network:3", "lea", "country:PL"]) == {
        "network:3",
        "lea",
        "country:PL",
    }
    for bad in (["everyone"], ["network:abc"], ["country:pl"], []):
        with pytest.raises(AudienceError):
            normalize_audience(bad)


def test_intersection_is_the_union_of_conditions() -> None:
    """A group's item is never wider than the group."""
    assert audience_intersection(["public"], ["group:7"]) == {"group:7"}
    assert audience_intersection(["lea"], ["network:1"]) == {"lea", "network:1"}
    assert audience_intersection(["members"], ["members"]) == {"members"}


def test_widening() -> None:
    assert is_wider(["public"], ["members"])
    assert is_wider(["members"], ["lea"])
    assert is_wider(["network:1"], ["network:1", "lea"])
    assert not is_wider(["network:1", "lea"], ["network:1"])
    assert not is_wider(["lea"], ["public"])
    assert not is_wider(["lea"], ["members"])


@pytest.mark.parametrize(
    ("audience", "tlp", "ok"),
    [
        (["public"], "CLEAR", True),
        (["public"], "GREEN", False),
        (["members"], "GREEN", True),
        (["lea"], "AMBER", False),
        (["network:1"], "AMBER", True),
        (["group:1"], "AMBER+STRICT", True),
        (["participants"], "AMBER", True),
        (["network:1"], "RED", False),
        (["participants"], "RED", True),
        (["participants", "lea"], "RED", True),
        (["public"], "RED", False),
        (["members"], "PURPLE", False),
    ],
)
def test_label_and_audience_combinations(audience: list[str], tlp: str, ok: bool) -> None:
    """TLP:GREEN is never public; AMBER needs a network, group or participants; RED needs
    named participants."""
    if ok:
        validate_audience_for_label(audience, tlp)
    else:
        with pytest.raises(AudienceError):
            validate_audience_for_label(audience, tlp)


def test_label_rendering_and_handling() -> None:
    assert [tlp_label(t) for t in TLP.values] == [
        "TLP:CLEAR",
        "TLP:GREEN",
        "TLP:AMBER",
        "TLP:AMBER+STRICT",
        "TLP:RED",
    ]
    assert handling("CLEAR").may_be_public and handling("GREEN").email_carries_content
    amber = handling("AMBER")
    assert not amber.email_carries_content and not amber.email_may_name_item
    assert amber.watermark and amber.audit_every_view and amber.export_allowed
    assert handling("AMBER+STRICT").share_within_own_organisation_only
    red = handling("RED")
    assert not red.export_allowed and not red.download_allowed and not red.search_snippets
    assert red.audit_every_view and not red.watermark


@pytest.mark.django_db
def test_widening_after_publication_needs_the_right_and_is_audited(world: World) -> None:
    news = News.objects.create(title="t", body="b")
    restricted_set_audience(item=news, audience=["lea"], tlp="GREEN", actor=None)
    with pytest.raises(PermissionDenied):
        restricted_set_audience(
            item=news, audience=["members"], tlp="GREEN", actor=world.people["lea_pl"],
            published=True,
        )  # fmt: skip
    assert can_view(_viewer(world, "lea_pl"), news)
    assert not can_view(_viewer(world, "stakeholder"), news)
    restricted_set_audience(
        item=news, audience=["members"], tlp="GREEN", actor=world.people["secretariat"],
        published=True,
    )  # fmt: skip
    assert can_view(_viewer(world, "stakeholder"), news)
    entry = AuditEntry.objects.filter(action="access.widened").get()
    assert entry.actor == world.people["secretariat"].audit_pid
    assert entry.data["from"] == ["lea"] and entry.data["to"] == ["members"]


@pytest.mark.django_db
def test_amber_strict_participants_stay_in_the_organisation(world: World) -> None:
    news = News.objects.create(title="t", body="b", originator_organisation=world.police_pl)
    restricted_set_audience(item=news, audience=["participants"], tlp="AMBER+STRICT", actor=None)
    restricted_add_participant(
        item=news, person=world.people["lea_pl"], actor=world.people["nc_pl"]
    )
    with pytest.raises(AudienceError):
        restricted_add_participant(
            item=news, person=world.people["lea_de"], actor=world.people["nc_pl"]
        )
    with pytest.raises(AudienceError):
        restricted_add_participant(
            item=news, person=world.people["unvetted_mfa"], actor=world.people["nc_pl"]
        )
    assert AuditEntry.objects.filter(action="access.participant_added").count() == 1
    assert can_view(_viewer(world, "lea_pl"), news)
    assert not can_view(_viewer(world, "lea_de"), news)
