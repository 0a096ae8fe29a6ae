"""Practitioners' needs: reporting (drafts, submit), curation (accept, merge, reject),
comments and supports, notifications and emails, "similar needs", pages and API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from lenhub.access.policy import AudienceError, can_view, filter_visible, viewer_for_user
from lenhub.access.services import restricted_set_audience
from lenhub.audit.models import AuditEntry
from lenhub.conftest import World, client_sign_in
from lenhub.monitoring.models import Notification, Update
from lenhub.needs import selectors, services
from lenhub.needs.models import Need, NeedEvent, NeedStatus, NeedSupport
from lenhub.search.indexing import reindex
from lenhub.search.models import SearchDocument
from lenhub.search.services import search

pytestmark = pytest.mark.django_db

FIELDS = {
    "title": "Drones over prisons",
    "problem": "Small drones drop contraband into prison yards at night.",
    "capability_wanted": "Detect and track small drones near prisons.",
    "crime_area": "drugs",
    "urgency": "high",
    "kind": "technology_need",
}


def viewer(world: World, who: str) -> Any:
    return viewer_for_user(world.people[who], mfa_verified=True)


def report(
    world: World,
    who: str = "lea_pl",
    *,
    submit: bool = True,
    audience: list[str] | None = None,
    tlp: str = "GREEN",
    **fields: Any,
) -> Need:
    person = world.people[who]
    need = services.need_create(
        viewer=viewer(world, who), actor=person, network=world.enlets,
        fields={**FIELDS, **fields}, audience=audience, tlp=tlp,
    )  # fmt: skip
    if submit:
        need = services.need_submit(need=need, viewer=viewer(world, who), actor=person)
    return need


def visible_to(world: World, who: str, need: Need) -> bool:
    return can_view(viewer(world, who), need)


# --- reporting -------------------------------------------------------------------------


def test_a_draft_is_seen_by_its_reporter_only_and_is_not_indexed(world: World) -> None:
    need = report(world, submit=False)
    assert need.status == NeedStatus.DRAFT
    assert need.reporter_country == "PL"
    assert visible_to(world, "lea_pl", need)
    for who in ("nc_pl", "secretariat", "lea_de", "stakeholder", "lea_fr_aquapol"):
        assert not visible_to(world, who, need), who
        assert not selectors.needs_visible(viewer=viewer(world, who)).filter(pk=need.pk).exists()
    reindex(["need"])
    assert not SearchDocument.objects.filter(kind="need", object_id=need.pk).exists()


def test_submitting_gives_the_chosen_audience_and_indexes_it(world: World) -> None:
    need = report(world)
    assert need.status == NeedStatus.SUBMITTED and need.submitted_at is not None
    assert not need.participants.exists()  # named only to keep the draft the reporter's
    for who in ("nc_pl", "lea_de", "stakeholder", "secretariat"):
        assert visible_to(world, who, need), who
    assert not visible_to(world, "lea_fr_aquapol", need)
    reindex(["need"])
    hits = search(viewer(world, "lea_de"), "drones prisons", filters={"type": "need"}).hits
    assert [h.object_id for h in hits] == [need.pk]
    assert not search(viewer(world, "lea_fr_aquapol"), "drones prisons").hits
    events = list(NeedEvent.objects.filter(need=need).values_list("to_status", flat=True))
    assert events == ["draft", "submitted"]
    assert AuditEntry.objects.filter(action="need.submitted").exists()


def test_only_members_of_the_network_report_to_it(world: World) -> None:
    with pytest.raises(PermissionDenied):
        report(world, "lea_fr_aquapol")
    with pytest.raises(PermissionDenied):
        report(world, "lea_no_network")


@pytest.mark.parametrize(
    ("who", "audience", "tlp", "allowed"),
    [
        ("lea_pl", ["members"], "GREEN", False),  # wider than the network
        ("lea_pl", ["lea"], "GREEN", False),
        ("lea_pl", ["public"], "CLEAR", False),  # only with the right to widen
        ("secretariat", ["public"], "CLEAR", True),
        ("lea_pl", ["network:{enlets}", "lea"], "AMBER", True),
        ("stakeholder", ["network:{enlets}", "lea"], "AMBER", False),  # not LEA
        ("nc_pl", ["network:{enlets}", "group:{core}"], "AMBER", True),
        ("lea_pl", ["network:{enlets}", "group:{core}"], "AMBER", False),  # not in the group
        ("lea_pl", ["network:{enlets}", "participants"], "RED", True),
        ("lea_pl", ["network:{aquapol}"], "GREEN", False),
        ("lea_pl", ["network:{enlets}"], "RED", False),  # RED needs named people
    ],
)
def test_audiences_a_reporter_may_choose(
    world: World, who: str, audience: list[str], tlp: str, allowed: bool
) -> None:
    ids = {"enlets": world.enlets.pk, "aquapol": world.aquapol.pk, "core": world.core_group.pk}
    atoms = [a.format(**ids) for a in audience]
    if allowed:
        need = report(world, who, audience=atoms, tlp=tlp)
        assert need.tlp == tlp
    else:
        with pytest.raises((AudienceError, PermissionDenied)):
            report(world, who, audience=atoms, tlp=tlp)


def test_a_red_need_stays_with_its_reporter_after_submission(world: World) -> None:
    need = report(world, audience=[f"network:{world.enlets.pk}", "participants"], tlp="RED")
    assert visible_to(world, "lea_pl", need)
    assert not visible_to(world, "nc_pl", need)


def test_only_the_reporter_edits_and_only_before_curation(world: World) -> None:
    need = report(world, submit=False)
    services.need_update(
        need=need, viewer=viewer(world, "lea_pl"), actor=world.people["lea_pl"],
        fields={"title": "Drones over prisons and ports"},
    )  # fmt: skip
    need.refresh_from_db()
    assert need.title == "Drones over prisons and ports" and need.status == NeedStatus.DRAFT
    assert not visible_to(world, "nc_pl", need)  # still a draft
    with pytest.raises(PermissionDenied):
        services.need_update(need=need, viewer=viewer(world, "lea_de"),
                             actor=world.people["lea_de"], fields={"title": "x"})  # fmt: skip
    need = services.need_submit(need=need, viewer=viewer(world, "lea_pl"),
                                actor=world.people["lea_pl"])  # fmt: skip
    services.need_accept(need=need, viewer=viewer(world, "nc_pl"), actor=world.people["nc_pl"])
    with pytest.raises(PermissionDenied):
        services.need_update(need=need, viewer=viewer(world, "lea_pl"),
                             actor=world.people["lea_pl"], fields={"title": "x"})  # fmt: skip


# --- curation --------------------------------------------------------------------------


def test_who_curates(world: World) -> None:
    need = report(world)  # from Poland
    people = world.people
    assert services.may_curate(viewer=viewer(world, "nc_pl"), actor=people["nc_pl"], need=need)
    assert services.may_curate(
        viewer=viewer(world, "secretariat"), actor=people["secretariat"], need=need
    )
    for who in ("core_de", "lea_de", "group_leader", "lea_pl"):  # lea_pl: own need
        assert not services.may_curate(viewer=viewer(world, who), actor=people[who], need=need)
    german = report(world, "lea_de")  # the Polish National Contact does not curate it
    assert not services.may_curate(viewer=viewer(world, "nc_pl"), actor=people["nc_pl"],
                                   need=german)  # fmt: skip
    queue = selectors.curation_queue(viewer=viewer(world, "nc_pl"), actor=people["nc_pl"])
    assert list(queue) == [need]
    queue = selectors.curation_queue(viewer=viewer(world, "secretariat"),
                                     actor=people["secretariat"])  # fmt: skip
    assert set(queue) == {need, german}


def test_state_machine(world: World) -> None:
    people = world.people
    draft = report(world, submit=False)
    with pytest.raises(PermissionDenied):  # a draft is nobody else's business
        services.need_accept(need=draft, viewer=viewer(world, "nc_pl"), actor=people["nc_pl"])
    need = report(world)
    with pytest.raises(services.NeedStateError):
        services.need_submit(need=need, viewer=viewer(world, "lea_pl"), actor=people["lea_pl"])
    services.need_accept(need=need, viewer=viewer(world, "nc_pl"), actor=people["nc_pl"])
    need.refresh_from_db()
    assert need.status == NeedStatus.ACCEPTED and need.decided_at is not None
    with pytest.raises(services.NeedStateError):
        services.need_accept(need=need, viewer=viewer(world, "nc_pl"), actor=people["nc_pl"])
    with pytest.raises(services.NeedStateError):
        services.need_reject(need=need, viewer=viewer(world, "nc_pl"), actor=people["nc_pl"],
                             reason="late")  # fmt: skip
    assert AuditEntry.objects.filter(action="need.accepted", target=f"needs.need:{need.pk}")


def test_reject_needs_a_reason(world: World) -> None:
    need = report(world)
    nc = world.people["nc_pl"]
    with pytest.raises(ValidationError):
        services.need_reject(need=need, viewer=viewer(world, "nc_pl"), actor=nc, reason="  ")
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED
    services.need_reject(need=need, viewer=viewer(world, "nc_pl"), actor=nc,
                         reason="Out of the network's scope.")  # fmt: skip
    need.refresh_from_db()
    assert need.status == NeedStatus.REJECTED
    assert need.decision_reason == "Out of the network's scope."
    assert need.events.last().reason == "Out of the network's scope."  # type: ignore[union-attr]
    reindex(["need"])
    assert not SearchDocument.objects.filter(kind="need", object_id=need.pk).exists()


def _support(world: World, who: str, need: Need) -> None:
    services.need_support_set(need=need, viewer=viewer(world, who), actor=world.people[who],
                              support=True)  # fmt: skip


def test_merge_moves_supports_and_comments(world: World) -> None:
    people = world.people
    target = report(world, "lea_de", title="Drones dropping parcels into prisons")
    duplicate = report(world)
    _support(world, "stakeholder", duplicate)
    _support(world, "core_de", duplicate)
    _support(world, "core_de", target)  # supports both: counted once on the target
    services.need_comment_add(need=duplicate, viewer=viewer(world, "lea_de"),
                              actor=people["lea_de"], body="Same in Germany.")  # fmt: skip
    services.need_merge(need=duplicate, target=target, viewer=viewer(world, "nc_pl"),
                        actor=people["nc_pl"])  # fmt: skip
    duplicate.refresh_from_db()
    assert duplicate.status == NeedStatus.MERGED and duplicate.merged_into == target
    supporters = set(NeedSupport.objects.filter(need=target).values_list("user_id", flat=True))
    assert supporters == {people["stakeholder"].pk, people["core_de"].pk}
    assert not NeedSupport.objects.filter(need=duplicate).exists()
    assert list(target.comments.values_list("body", flat=True)) == ["Same in Germany."]
    counts = selectors.need_support_counts(need=target)
    assert counts.total == 2 and dict(counts.by_country) == {"BE": 1, "DE": 1}
    assert duplicate.events.last().other_need == target  # type: ignore[union-attr]


def test_merge_never_widens(world: World) -> None:
    people = world.people
    enlets = f"network:{world.enlets.pk}"
    wide = report(world, "lea_de")
    narrow = report(world, audience=[enlets, "lea"], tlp="AMBER")
    with pytest.raises(services.NeedStateError):  # into a wider audience
        services.need_merge(need=narrow, target=wide, viewer=viewer(world, "nc_pl"),
                            actor=people["nc_pl"])  # fmt: skip
    narrow.refresh_from_db()
    assert narrow.status == NeedStatus.SUBMITTED
    # into the same audience under a lower label: refused as well
    green_lea = report(world, "lea_de", audience=[enlets, "lea"], tlp="GREEN")
    with pytest.raises(services.NeedStateError):
        services.need_merge(need=narrow, target=green_lea, viewer=viewer(world, "nc_pl"),
                            actor=people["nc_pl"])  # fmt: skip
    # a target as narrow or narrower is fine
    polish = report(world, "group_leader")
    services.need_merge(need=polish, target=narrow, viewer=viewer(world, "nc_pl"),
                        actor=people["nc_pl"])  # fmt: skip
    polish.refresh_from_db()
    assert polish.status == NeedStatus.MERGED


def test_merged_into_is_shown_only_to_readers_of_the_target(world: World) -> None:
    people = world.people
    enlets = f"network:{world.enlets.pk}"
    duplicate = report(world, "lea_de")  # all ENLETS members
    target = report(world, "lea_pl", audience=[enlets, "lea"], tlp="GREEN")
    # the secretariat is not LEA: it may not see the target, so it cannot merge into it
    with pytest.raises(PermissionDenied):
        services.need_merge(need=duplicate, target=target, viewer=viewer(world, "secretariat"),
                            actor=people["secretariat"])  # fmt: skip
    # the Polish National Contact (LEA) may: the stakeholder, who reads the duplicate
    # but not the target, is not told where it went
    polish = report(world, "group_leader")
    services.need_merge(need=polish, target=target, viewer=viewer(world, "nc_pl"),
                        actor=people["nc_pl"])  # fmt: skip
    polish.refresh_from_db()
    assert selectors.merged_into_visible(viewer=viewer(world, "lea_de"), need=polish) == target
    assert selectors.merged_into_visible(viewer=viewer(world, "stakeholder"), need=polish) is None


# --- notifications ---------------------------------------------------------------------


def test_state_changes_notify_reporter_and_supporters_by_label(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """Reporter and supporters who may still read the need are notified; the email names
    a GREEN need and says only "something new" for an AMBER one."""
    people = world.people
    enlets = f"network:{world.enlets.pk}"
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        green = report(world, title="Greenwordzq drones")
        amber = report(world, audience=[enlets, "lea"], tlp="AMBER", title="Amberwordzq drones")
        _support(world, "lea_de", green)
        _support(world, "lea_de", amber)
        _support(world, "stakeholder", green)
        # the stakeholder lost access to the AMBER need: no notification
        services.need_accept(need=green, viewer=viewer(world, "nc_pl"), actor=people["nc_pl"])
        services.need_accept(need=amber, viewer=viewer(world, "nc_pl"), actor=people["nc_pl"])
    for need, expected in ((green, {"lea_pl", "lea_de", "stakeholder"}),
                           (amber, {"lea_pl", "lea_de"})):  # fmt: skip
        update = Update.objects.get(need=need, kind="need_status_changed", detail="accepted")
        notified = set(Notification.objects.filter(update=update).values_list("user_id", flat=True))
        assert notified == {people[w].pk for w in expected}
    bodies = [f"{m.subject} {m.body}" for m in mail.outbox]
    assert any("Greenwordzq" in body for body in bodies)
    assert not any("Amberwordzq" in body for body in bodies)
    to_reporter = [m for m in mail.outbox if m.to == [people["lea_pl"].email]]
    assert len(to_reporter) == 2  # one per need; the nc (actor) got none
    assert not any(people["nc_pl"].email in m.to for m in mail.outbox)


def test_comments_notify_reporter_and_commenters_once_each(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    people = world.people
    need = report(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.need_comment_add(need=need, viewer=viewer(world, "lea_de"),
                                  actor=people["lea_de"], body="Also here.")  # fmt: skip
        services.need_comment_add(need=need, viewer=viewer(world, "core_de"),
                                  actor=people["core_de"], body="And here.")  # fmt: skip
    updates = Update.objects.filter(need=need, kind="need_commented")
    assert updates.count() == 2
    last = updates.order_by("pk").last()
    notified = set(Notification.objects.filter(update=last).values_list("user_id", flat=True))
    assert notified == {people["lea_pl"].pk, people["lea_de"].pk}
    with pytest.raises(PermissionDenied):
        services.need_comment_add(need=need, viewer=viewer(world, "lea_fr_aquapol"),
                                  actor=people["lea_fr_aquapol"], body="x")  # fmt: skip


def test_support_once_per_member_and_toggle(world: World) -> None:
    need = report(world)
    person = world.people["lea_de"]
    assert services.need_support_toggle(need=need, viewer=viewer(world, "lea_de"), actor=person)
    _support(world, "lea_de", need)
    assert NeedSupport.objects.filter(need=need).count() == 1
    assert NeedSupport.objects.get(need=need).country_code == "DE"
    assert not services.need_support_toggle(need=need, viewer=viewer(world, "lea_de"),
                                            actor=person)  # fmt: skip
    assert not NeedSupport.objects.filter(need=need).exists()
    with pytest.raises(PermissionDenied):
        _support(world, "lea_fr_aquapol", need)


# --- similar needs ---------------------------------------------------------------------


def test_similar_needs_only_shows_what_the_reader_may_see(world: World) -> None:
    """RED and AMBER needs never appear as "similar" to people outside their audience."""
    enlets = f"network:{world.enlets.pk}"
    amber = report(world, "lea_de", audience=[enlets, "lea"], tlp="AMBER",
                   title="Quokkazz drones at prisons")  # fmt: skip
    red = report(world, "lea_de", audience=[enlets, "participants"], tlp="RED",
                 title="Quokkazz drones at prisons, named")  # fmt: skip
    green = report(world, "lea_de", title="Quokkazz drones at prisons, open")
    draft = report(world, "lea_de", submit=False, title="Quokkazz drones draft")
    reindex(["need"])

    def similar(who: str, exclude: Need | None = None) -> set[int]:
        hits = selectors.similar_needs(viewer=viewer(world, who), text="Quokkazz drones",
                                       exclude=exclude)  # fmt: skip
        return {hit.object_id for hit in hits}

    assert similar("lea_de") == {amber.pk, red.pk, green.pk}
    assert similar("lea_pl") == {amber.pk, green.pk}
    assert similar("stakeholder") == {green.pk}  # not LEA
    assert similar("lea_fr_aquapol") == set()
    assert similar("lea_de", exclude=green) == {amber.pk, red.pk}
    assert draft.pk not in similar("lea_de")


# --- pages -----------------------------------------------------------------------------


def signed_in(world: World, who: str) -> Client:
    client = Client()
    client_sign_in(client, world.people[who].email, world.secrets[who])
    return client


def test_pages_report_check_similar_submit_and_curate(world: World) -> None:
    existing = report(world, "lea_de", title="Drones over prisons in Saxony")
    reindex(["need"])
    reporter = signed_in(world, "lea_pl")
    page = reporter.get("/needs/new/")
    assert page.status_code == 200 and b"Report a need to ENLETS" in page.content
    assert b"needs/similar.js" in page.content
    data = {**FIELDS, "title": "Contraband drops at night", "network": world.enlets.pk,
            "audience": f"network:{world.enlets.pk}",
            "tlp": "GREEN", "countries": ["PL"]}  # fmt: skip
    checked = reporter.post("/needs/new/", {**data, "action": "check"})
    assert checked.status_code == 200 and existing.title.encode() in checked.content
    fragment = reporter.get("/needs/similar/", {"text": "drones prisons"})
    assert existing.title.encode() in fragment.content
    saved = reporter.post("/needs/new/", {**data, "action": "save"})
    assert saved.status_code == 302
    need = Need.objects.exclude(pk=existing.pk).get()
    assert need.status == NeedStatus.DRAFT and list(
        need.countries.values_list("code", flat=True)
    ) == ["PL"]
    curator = signed_in(world, "nc_pl")
    assert curator.get(f"/needs/{need.pk}/").status_code == 404  # a draft
    assert need.title.encode() not in curator.get("/needs/").content
    assert reporter.post(f"/needs/{need.pk}/submit/").status_code == 302
    detail = curator.get(f"/needs/{need.pk}/")
    assert detail.status_code == 200 and b"TLP:GREEN" in detail.content
    assert b'value="accept"' in detail.content
    assert need.title.encode() in curator.get("/needs/curate/").content
    assert "no-store" in detail["Cache-Control"]
    curator.post(f"/needs/{need.pk}/curate/", {"action": "reject", "reason": ""})
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED  # a reason is required
    curator.post(f"/needs/{need.pk}/curate/", {"action": "accept"})
    need.refresh_from_db()
    assert need.status == NeedStatus.ACCEPTED
    listed = signed_in(world, "lea_de").get("/needs/", {"status": "accepted"})
    assert need.title.encode() in listed.content and existing.title.encode() not in listed.content
    assert b'<p role="status">1 item</p>' in listed.content
    assert Client().get(f"/needs/{need.pk}/").status_code == 404
    assert signed_in(world, "lea_fr_aquapol").get(f"/needs/{need.pk}/").status_code == 404


# --- API -------------------------------------------------------------------------------


def test_api_create_submit_curate_comment_support_similar(world: World) -> None:
    enlets = world.enlets
    reporter = signed_in(world, "lea_pl")
    body = {**FIELDS, "network": "ENLETS", "countries": ["PL", "DE"]}
    created = reporter.post("/api/v1/needs", body, content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "draft" and data["tlp"] == "TLP:GREEN"
    pk = data["id"]
    other = signed_in(world, "nc_pl")
    assert other.get(f"/api/v1/needs/{pk}").status_code == 404
    assert other.get("/api/v1/needs").json()["total"] == 0
    assert reporter.post(f"/api/v1/needs/{pk}/submit").status_code == 200
    assert other.get(f"/api/v1/needs/{pk}").json()["audience"] == [f"network:{enlets.pk}"]
    refused = other.post(f"/api/v1/needs/{pk}/curate", {"action": "reject"},
                         content_type="application/json")  # fmt: skip
    assert refused.status_code == 422
    assert reporter.post(f"/api/v1/needs/{pk}/curate", {"action": "accept"},
                         content_type="application/json").status_code == 403  # fmt: skip
    accepted = other.post(f"/api/v1/needs/{pk}/curate", {"action": "accept"},
                          content_type="application/json")  # fmt: skip
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    supporter = signed_in(world, "lea_de")
    supported = supporter.post(f"/api/v1/needs/{pk}/support")
    assert supported.json() == {"supported": True, "supports": 1, "supports_by_country": {"DE": 1}}
    comment = supporter.post(f"/api/v1/needs/{pk}/comments", {"body": "Same here."},
                             content_type="application/json")  # fmt: skip
    assert comment.status_code == 201
    assert reporter.get(f"/api/v1/needs/{pk}/comments").json()["total"] == 1
    assert supporter.delete(f"/api/v1/needs/{pk}/support").json()["supported"] is False
    reindex(["need"])
    similar = supporter.get("/api/v1/needs/similar", {"text": "drones over prisons"})
    assert [hit["id"] for hit in similar.json()] == [pk]
    outsider = signed_in(world, "lea_fr_aquapol")
    assert outsider.get("/api/v1/needs/similar", {"text": "drones over prisons"}).json() == []
    assert outsider.get(f"/api/v1/needs/{pk}").status_code == 404
    assert outsider.get(f"/api/v1/needs/{pk}/comments").status_code == 404
    assert outsider.post(f"/api/v1/needs/{pk}/support").status_code == 404
    filtered = supporter.get("/api/v1/needs", {"network": "ENLETS", "country": "de"}).json()
    assert [n["id"] for n in filtered["results"]] == [pk]
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/needs/similar" in schema["paths"]
    assert "/api/v1/needs/{need_id}/curate" in schema["paths"]


def test_visible_needs_use_the_one_policy(world: World) -> None:
    need = report(world)
    restricted_set_audience(item=need, audience=["lea"], tlp="GREEN", actor=None)
    assert list(filter_visible(viewer(world, "lea_fr_aquapol"), Need.objects.all())) == [need]
    assert not filter_visible(viewer(world, "stakeholder"), Need.objects.all()).exists()
