"""Monitoring: following, the timeline, notifications and emails, the daily scan, the
API. The canary throughout: a members-only TLP:AMBER result on a public project that a
non-member follows reaches that non-member nowhere (timeline, notifications, email,
page, API), nor does its title; a member of the network gets it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.http import Http404
from django.test import Client
from django.utils import timezone

from lenhub.access.policy import viewer_for_user
from lenhub.access.services import restricted_set_audience
from lenhub.accounts.models import User
from lenhub.accounts.tokens import token_create
from lenhub.conftest import World, client_sign_in
from lenhub.knowledge.models import Project, ProjectStatus, Result, TechWatch
from lenhub.monitoring.models import Follow, FollowKind, Notification, Update, UpdateKind
from lenhub.monitoring.selectors import (
    follows_of,
    notifications_visible,
    timeline,
    unread_count,
)
from lenhub.monitoring.services import (
    follow_add,
    monitoring_scan,
    notifications_mark_all_read,
    preferences_set,
)
from lenhub.networks.models import Group, GroupKind, MembershipStatus, NetworkMembership

pytestmark = pytest.mark.django_db

Commit = Callable[[], AbstractContextManager[Any]]
CANARY = "Canary deliverable 7f3a"  # the title of the members-only AMBER result
TODAY = date(2026, 3, 2)


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Commit:
    """``with commit(): ...`` runs what the block scheduled for after commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def _outbox() -> Iterator[None]:
    mail.outbox = []
    yield


def _viewer(user: User) -> Any:
    return viewer_for_user(user, mfa_verified=True)


def _project(acronym: str, *, audience: list[str] | None = None, tlp: str = "CLEAR",
             **fields: Any) -> Project:  # fmt: skip
    project = Project.objects.create(acronym=acronym, title=f"{acronym} project", **fields)
    restricted_set_audience(item=project, audience=audience or ["public"], tlp=tlp, actor=None)
    return project


def _result(project: Project | None, title: str, audience: list[str], tlp: str,
            published: date | None = None) -> Result:  # fmt: skip
    result = Result.objects.create(
        project=project,
        kind="deliverable",
        title=title,
        published_on=published or timezone.localdate(),
    )
    restricted_set_audience(item=result, audience=audience, tlp=tlp, actor=None)
    return result


def _follow(user: User, project: Project) -> Follow:
    return follow_add(user=user, viewer=_viewer(user), kind="project", project_id=project.pk)[0]


def _mail_to(user: User) -> list[Any]:
    return [message for message in mail.outbox if user.email in message.to]


def _sign_in(world: World, person: str) -> Client:
    cache.clear()  # a TOTP code works once; tests sign in several people per period
    left = 30 - time.time() % 30
    if left < 3:
        time.sleep(left + 0.1)
    client = Client()
    client_sign_in(client, world.people[person].email, world.secrets[person])
    return client


def _token(user: User, scopes: list[str]) -> dict[str, str]:
    secret = token_create(user=user, name="t", scopes=scopes).secret
    return {"Authorization": f"Bearer {secret}"}


RW = ["monitoring:read", "monitoring:write"]


# --- following --------------------------------------------------------------------------


def test_following_a_project_twice_keeps_one_follow(world: World) -> None:
    """Unique per person and target; the second follow reports it already existed."""
    officer = world.people["lea_pl"]
    project = _project("ALPHA")

    first = follow_add(user=officer, viewer=_viewer(officer), kind="project", project_id=project.pk)
    again = follow_add(user=officer, viewer=_viewer(officer), kind="project", project_id=project.pk)

    assert first[1] is True and again[1] is False
    assert Follow.objects.filter(user=officer).count() == 1


def test_a_project_the_person_may_not_see_cannot_be_followed(world: World) -> None:
    """Not found, as if it did not exist; nothing is stored."""
    hidden = _project("HIDDEN", audience=[f"network:{world.aquapol.pk}"], tlp="AMBER")
    officer = world.people["lea_pl"]  # ENLETS only

    with pytest.raises(Http404):
        follow_add(user=officer, viewer=_viewer(officer), kind="project", project_id=hidden.pk)
    with pytest.raises(Http404):
        follow_add(user=officer, viewer=_viewer(officer), kind="project", project_id=999999)
    assert not Follow.objects.exists()


def test_group_rules(world: World) -> None:
    """Network members may follow its open groups; closed groups only their members."""
    tig = Group.objects.create(network=world.enlets, name="Drones TIG", kind=GroupKind.TIG)
    officer, outsider, core = (world.people[k] for k in ("lea_pl", "lea_fr_aquapol", "core_de"))

    follow_add(user=officer, viewer=_viewer(officer), kind="group", group_id=tig.pk)
    follow_add(user=core, viewer=_viewer(core), kind="group", group_id=world.core_group.pk)
    for user, group in [(officer, world.core_group), (outsider, tig)]:
        with pytest.raises(Http404):
            follow_add(user=user, viewer=_viewer(user), kind="group", group_id=group.pk)
    assert Follow.objects.count() == 2


def test_topics_are_normalised_and_unique(world: World) -> None:
    officer = world.people["lea_pl"]
    viewer = _viewer(officer)

    follow, created = follow_add(user=officer, viewer=viewer, kind="topic",
                                 topic="  SU-FCT02-2018 ;  Drones ")  # fmt: skip
    same, again = follow_add(user=officer, viewer=viewer, kind="topic",
                             topic="su-fct02-2018 DRONES")  # fmt: skip

    assert follow.topic == "su-fct02-2018 drones"
    assert created and not again and same.pk == follow.pk
    for bad in (" ; ", "drones\x00", "x" * 121):
        with pytest.raises(ValidationError):
            follow_add(user=officer, viewer=viewer, kind="topic", topic=bad)


# --- the canary -------------------------------------------------------------------------


def test_members_only_amber_result_reaches_members_only(world: World, commit: Commit) -> None:
    """A non-member, a leaver and a lapsed member follow the public project too: no
    notification, no email, no timeline entry for them. The member is notified; the
    email does not carry the AMBER title."""
    project = _project("PUBPROJ")
    people = {k: world.people[k] for k in ("lea_pl", "lea_fr_aquapol", "leaver", "expired")}
    for user in people.values():
        Follow.objects.create(user=user, kind="project", project=project)

    with commit():
        result = _result(project, CANARY, [f"network:{world.enlets.pk}"], "AMBER")

    update = Update.objects.get()
    assert (update.kind, update.result_id, update.project_id) == (
        UpdateKind.RESULT_PUBLISHED, result.pk, project.pk,
    )  # fmt: skip
    assert list(Notification.objects.values_list("user__email", flat=True)) == [
        people["lea_pl"].email
    ]
    assert [m.to for m in mail.outbox] == [[people["lea_pl"].email]]
    email = mail.outbox[0]
    assert CANARY not in f"{email.subject} {email.body}"
    assert "/monitoring/" in email.body
    for key, user in people.items():
        visible = [u.pk for u in timeline(viewer=_viewer(user))]
        assert visible == ([update.pk] if key == "lea_pl" else []), key
        assert unread_count(viewer=_viewer(user)) == (1 if key == "lea_pl" else 0), key


def test_canary_absent_from_the_non_members_page_and_api(world: World, commit: Commit) -> None:
    project = _project("PUBPROJ")
    member, outsider = world.people["lea_pl"], world.people["lea_fr_aquapol"]
    for user in (member, outsider):
        Follow.objects.create(user=user, kind="project", project=project)
    with commit():
        _result(project, CANARY, [f"network:{world.enlets.pk}"], "AMBER")

    page = _sign_in(world, "lea_fr_aquapol").get("/monitoring/")
    assert page.status_code == 200
    assert CANARY not in page.content.decode()
    assert "PUBPROJ" in page.content.decode()  # the project itself is public and followed
    for path in ("/api/v1/monitoring/timeline", "/api/v1/monitoring/notifications"):
        response = Client().get(path, headers=_token(outsider, RW))
        assert response.status_code == 200
        assert response.json()["total"] == 0
        assert CANARY not in response.content.decode()
        mine = Client().get(path, headers=_token(member, RW))
        assert mine.json()["total"] == 1
        assert CANARY in mine.content.decode()

    member_page = _sign_in(world, "lea_pl").get("/monitoring/")
    assert CANARY in member_page.content.decode()
    assert "TLP:AMBER" in member_page.content.decode()


def test_access_lost_after_notification_hides_it(world: World, commit: Commit) -> None:
    """Notifications are filtered when read, not only when sent."""
    project = _project("PUBPROJ")
    member = world.people["lea_pl"]
    Follow.objects.create(user=member, kind="project", project=project)
    with commit():
        _result(project, CANARY, [f"network:{world.enlets.pk}"], "AMBER")
    assert notifications_visible(viewer=_viewer(member)).count() == 1

    NetworkMembership.objects.filter(user=member).update(status=MembershipStatus.LEFT)

    assert notifications_visible(viewer=_viewer(member)).count() == 0
    assert list(timeline(viewer=_viewer(member))) == []


def test_a_follow_of_a_project_no_longer_visible_is_not_listed(world: World) -> None:
    """The follow stays, but the list does not name a project the reader may not see."""
    project = _project("NARROWED", audience=[f"network:{world.enlets.pk}"], tlp="AMBER")
    member = world.people["lea_pl"]
    _follow(member, project)
    assert [f.project_id for f in follows_of(viewer=_viewer(member))] == [project.pk]

    NetworkMembership.objects.filter(user=member).update(status=MembershipStatus.LEFT)

    assert list(follows_of(viewer=_viewer(member))) == []
    listed = Client().get("/api/v1/monitoring/follows", headers=_token(member, RW))
    assert listed.json()["total"] == 0 and "NARROWED" not in listed.content.decode()


def test_green_and_clear_emails_name_the_item(world: World, commit: Commit) -> None:
    """TLP:CLEAR/GREEN: title and link. A registered, unvetted follower of a public
    project gets public results only."""
    project = _project("OPENPROJ")
    member, registered = world.people["stakeholder"], world.people["registered"]
    for user in (member, registered):
        Follow.objects.create(user=user, kind="project", project=project)

    with commit():
        _result(project, "Open toolkit", ["public"], "CLEAR")
        _result(project, "Members guide", ["members"], "GREEN")

    assert sorted(m.subject for m in _mail_to(member)) == [
        "[lenhub] Result published: Members guide (OPENPROJ)",
        "[lenhub] Result published: Open toolkit (OPENPROJ)",
    ]
    assert [m.subject for m in _mail_to(registered)] == [
        "[lenhub] Result published: Open toolkit (OPENPROJ)"
    ]
    assert "Open toolkit" in _mail_to(registered)[0].body


def test_email_opt_out_keeps_the_in_app_notification(world: World, commit: Commit) -> None:
    project = _project("OPENPROJ")
    member = world.people["stakeholder"]
    Follow.objects.create(user=member, kind="project", project=project)
    preferences_set(user=member, email_updates=False)

    with commit():
        _result(project, "Open toolkit", ["public"], "CLEAR")

    assert mail.outbox == []
    assert Notification.objects.filter(user=member).count() == 1


def test_topic_and_group_follows(world: World, commit: Commit) -> None:
    """A topic matches whole words of a project's topic codes; a group follower hears
    of technology watch entries marked relevant to the group, if they may see them."""
    tig = Group.objects.create(network=world.enlets, name="Drones TIG", kind=GroupKind.TIG)
    officer, outsider = world.people["lea_pl"], world.people["stakeholder"]
    follow_add(user=officer, viewer=_viewer(officer), kind="topic", topic="SU-FCT02-2018")
    follow_add(user=officer, viewer=_viewer(officer), kind="group", group_id=tig.pk)
    follow_add(user=outsider, viewer=_viewer(outsider), kind="group", group_id=tig.pk)
    topical = _project("TOPICAL", topics="SU-FCT02-2018;SU-FCT01-2018")
    _project("OTHER", topics="SU-FCT02-2018-2019")

    with commit():
        _result(topical, "Topical result", ["public"], "CLEAR")
        entry = TechWatch.objects.create(technology="Counter-drone radar", maturity="emerging",
                                         assessment="Promising.")  # fmt: skip
        restricted_set_audience(item=entry, audience=["lea"], tlp="GREEN", actor=None)
        entry.relevant_groups.add(tig)

    kinds = sorted(u.kind for u in timeline(viewer=_viewer(officer)))
    assert kinds == [UpdateKind.RESULT_PUBLISHED, UpdateKind.TECHWATCH_FOR_GROUP]
    assert list(timeline(viewer=_viewer(outsider))) == []  # not LEA: the entry is hidden
    assert not Notification.objects.filter(user=outsider).exists()


# --- the scan ---------------------------------------------------------------------------


def test_scan_is_idempotent(world: World, commit: Commit) -> None:
    """Ending within the window, ended recently, a changed status: recorded once each,
    notified once each, however often the scan runs."""
    member = world.people["stakeholder"]
    ending = _project("ENDING", start_date=date(2023, 1, 1), end_date=TODAY + timedelta(days=30))
    ended = _project("ENDED", start_date=date(2023, 1, 1), end_date=TODAY - timedelta(days=10))
    later = _project("LATER", start_date=date(2023, 1, 1), end_date=TODAY + timedelta(days=400))
    unfollowed = _project("NOBODY", end_date=TODAY + timedelta(days=5))
    for project in (ending, ended, later):
        _follow(member, project)
    Project.objects.filter(pk=later.pk).update(status=ProjectStatus.TERMINATED)

    with commit():
        first = monitoring_scan(days=90, today=TODAY)
    with commit():
        second = monitoring_scan(days=90, today=TODAY)
        call_command("monitoring", "scan", "--days", "90", stdout=None)

    assert first == {"ending": 1, "ended": 1, "status": 1, "results": 0, "notified": 3}
    assert second == {"ending": 0, "ended": 0, "status": 0, "results": 0, "notified": 0}
    assert sorted(Update.objects.values_list("key", flat=True)) == sorted([
        f"project_ending:{ending.pk}:{ending.end_date}",
        f"project_ended:{ended.pk}",
        f"project_status:{later.pk}:ongoing:terminated:{TODAY}",
    ])  # fmt: skip
    assert not Update.objects.filter(project=unfollowed).exists()
    assert Notification.objects.filter(user=member).count() == 3
    assert len(_mail_to(member)) == 3


def test_scan_task_is_queued(world: World) -> None:
    from django_tasks_db.models import DBTaskResult

    call_command("monitoring", "scan", "--enqueue", stdout=None)

    assert DBTaskResult.objects.filter(task_path__endswith="monitoring_scan_task").exists()


# --- pages --------------------------------------------------------------------------------


def test_follow_button_and_page_flow(world: World) -> None:
    """Follow from the project page by POST; unfollow from the Following page."""
    project = _project("PAGEPROJ")
    client = _sign_in(world, "stakeholder")

    page = client.get(f"/knowledge/projects/{project.pk}/").content.decode()
    assert 'action="/monitoring/follow/"' in page
    response = client.post("/monitoring/follow/", {
        "kind": "project", "project": project.pk, "next": f"/knowledge/projects/{project.pk}/",
    })  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/knowledge/projects/{project.pk}/"
    follow = Follow.objects.get(user=world.people["stakeholder"])
    assert (
        'aria-pressed="true"' in client.get(f"/knowledge/projects/{project.pk}/").content.decode()
    )

    assert client.get("/monitoring/follow/").status_code == 405
    assert client.post(f"/monitoring/follows/{follow.pk}/unfollow/").status_code == 302
    assert not Follow.objects.exists()
    assert Client().post("/monitoring/follow/", {"kind": "topic", "topic": "x"}).status_code == 302
    assert not Follow.objects.exists()


def test_mark_read(world: World, commit: Commit) -> None:
    project = _project("OPENPROJ")
    member, other = world.people["stakeholder"], world.people["lea_pl"]
    Follow.objects.create(user=member, kind="project", project=project)
    with commit():
        _result(project, "Open toolkit", ["public"], "CLEAR")
    notification = Notification.objects.get()

    refused = Client().post(f"/api/v1/monitoring/notifications/{notification.pk}/read",
                            headers=_token(other, RW))  # fmt: skip
    done = Client().post(f"/api/v1/monitoring/notifications/{notification.pk}/read",
                         headers=_token(member, RW))  # fmt: skip

    assert refused.status_code == 404
    assert done.status_code == 200 and done.json()["read_at"]
    assert unread_count(viewer=_viewer(member)) == 0
    assert notifications_mark_all_read(viewer=_viewer(member)) == 0


# --- API ----------------------------------------------------------------------------------


def test_api_follow_list_unfollow(world: World) -> None:
    project = _project("APIPROJ")
    hidden = _project("HIDDEN", audience=[f"network:{world.aquapol.pk}"], tlp="AMBER")
    officer = world.people["lea_pl"]
    headers = _token(officer, RW)
    client = Client()

    def post(what: str, body: dict[str, Any]) -> Any:
        return client.post(f"/api/v1/monitoring/follows/{what}", body,
                           content_type="application/json", headers=headers)  # fmt: skip

    created = post("projects", {"project_id": project.pk})
    again = post("projects", {"project_id": project.pk})
    topic = post("topics", {"topic": "  Body-Worn  Cameras "})
    assert (created.status_code, again.status_code, topic.status_code) == (201, 200, 201)
    assert topic.json()["topic"] == "body-worn cameras"
    assert post("projects", {"project_id": hidden.pk}).status_code == 404
    assert post("groups", {"group_id": world.core_group.pk}).status_code == 404
    for bad in ("", " ; ", "a\x00b", "x" * 121):
        assert post("topics", {"topic": bad}).status_code == 422, bad
    listed = client.get("/api/v1/monitoring/follows", headers=headers).json()
    assert listed["total"] == 2
    follow_id = created.json()["id"]
    assert (
        client.delete(f"/api/v1/monitoring/follows/{follow_id}", headers=headers).status_code == 204
    )
    assert (
        client.delete(f"/api/v1/monitoring/follows/{follow_id}", headers=headers).status_code == 404
    )


def test_api_needs_an_account_and_the_scopes(world: World) -> None:
    officer = world.people["lea_pl"]
    assert Client().get("/api/v1/monitoring/timeline").status_code == 401
    reader = _token(officer, ["monitoring:read"])
    assert Client().get("/api/v1/monitoring/timeline", headers=reader).status_code == 200
    refused = Client().post("/api/v1/monitoring/notifications/read", headers=reader)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    news_only = _token(officer, ["news:read"])
    assert Client().get("/api/v1/monitoring/follows", headers=news_only).status_code == 403


def test_follow_kinds_match_the_api_schema() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert {"/api/v1/monitoring/follows", "/api/v1/monitoring/follows/projects",
            "/api/v1/monitoring/follows/groups", "/api/v1/monitoring/follows/topics",
            "/api/v1/monitoring/timeline",
            "/api/v1/monitoring/notifications"} <= set(schema["paths"])  # fmt: skip
    assert set(FollowKind.values) == {"project", "group", "topic"}
