"""Writes: following, recording updates, notifying followers, the daily scan.

Notifying goes through the access policy for each follower, as they are now (vetting,
second factor, memberships): a person who lost access gets nothing. Emails follow the
item's label (DESIGN §2): for TLP:CLEAR and TLP:GREEN they name the item and link to
it; for anything stricter they say only that there is something new, with a link to the
"Following" page, never the title.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lenhub.access.policy import Viewer, access_item, handling, viewer_for_user
from lenhub.knowledge.models import Project, Result, TechWatch
from lenhub.monitoring.models import (
    Follow,
    FollowKind,
    Notification,
    Preferences,
    ProjectState,
    Update,
    UpdateKind,
)
from lenhub.monitoring.selectors import (
    group_get_followable,
    notifications_visible,
    update_tlp,
    update_view,
    updates_visible,
)
from lenhub.monitoring.topics import topic_matches, topic_normalise, topic_text

if TYPE_CHECKING:
    from lenhub.accounts.models import User

logger = logging.getLogger("lenhub.monitoring")

MAX_FOLLOWS = 200  # per person: a timeline query carries one condition per topic
DEFAULT_DAYS = 90


class FollowLimitError(Exception):
    pass


# --- following -------------------------------------------------------------------------


@transaction.atomic
def follow_add(
    *,
    user: User,
    viewer: Viewer,
    kind: str,
    project_id: Any = None,
    group_id: Any = None,
    topic: str = "",
) -> tuple[Follow, bool]:
    """Follow something this person may see; following it again changes nothing.
    A project or group they may not see is ``Http404``, as if it did not exist."""
    if kind == FollowKind.PROJECT:
        project = access_item(viewer, Project.objects.all(), project_id)
        lookup: dict[str, Any] = {"kind": kind, "project": project}
        # the status it has now is the one a later change is measured against
        ProjectState.objects.get_or_create(project=project, defaults={"status": project.status})
    elif kind == FollowKind.GROUP:
        lookup = {"kind": kind, "group": group_get_followable(viewer=viewer, pk=group_id)}
    elif kind == FollowKind.TOPIC:
        lookup = {"kind": kind, "topic": topic_normalise(topic)}
    else:
        raise Http404
    existing = Follow.objects.filter(user=user, **lookup).first()
    if existing is not None:
        return existing, False
    if Follow.objects.filter(user=user).count() >= MAX_FOLLOWS:
        raise FollowLimitError
    try:
        with transaction.atomic():
            return Follow.objects.create(user=user, **lookup), True
    except IntegrityError:  # the same follow sent twice at the same moment
        return Follow.objects.get(user=user, **lookup), False


def follow_remove(*, user: User, follow_id: Any) -> None:
    deleted, _ = Follow.objects.filter(user=user, pk=_int(follow_id)).delete()
    if not deleted:
        raise Http404


def follow_find(*, user: Any, project: Project | None = None) -> Follow | None:
    if user is None or not user.is_authenticated or project is None:
        return None
    return Follow.objects.filter(user_id=user.pk, kind=FollowKind.PROJECT, project=project).first()


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- notifications ---------------------------------------------------------------------


def notification_mark_read(*, viewer: Viewer, notification_id: Any) -> Notification:
    notification = notifications_visible(viewer=viewer).filter(pk=_int(notification_id)).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, viewer: Viewer) -> int:
    ids = notifications_visible(viewer=viewer).filter(read_at__isnull=True).values("pk")
    return Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())


def preferences_get(*, user: Any) -> Preferences:
    return Preferences.objects.get_or_create(user_id=user.pk)[0]


def preferences_set(*, user: Any, email_updates: bool) -> Preferences:
    preferences = preferences_get(user=user)
    preferences.email_updates = email_updates
    preferences.save(update_fields=["email_updates"])
    return preferences


# --- recording updates -----------------------------------------------------------------


def _project_words(project: Project | None) -> list[str]:
    if project is None:
        return []
    return [project.acronym, project.title, project.call, project.topics.replace(";", " ")]


def update_record(
    *,
    kind: str,
    key: str,
    project: Project | None = None,
    result: Result | None = None,
    techwatch: TechWatch | None = None,
    group: Any = None,
    detail: str = "",
) -> tuple[Update, bool]:
    """Record a change once (``key`` decides what counts as the same change)."""
    words = _project_words(project)
    if result is not None:
        words.append(result.title)
    if techwatch is not None:
        words.append(techwatch.technology)
    defaults = {
        "kind": kind,
        "project": project,
        "result": result,
        "techwatch": techwatch,
        "group": group,
        "detail": detail,
        "topic_text": topic_text(words),
    }
    try:
        with transaction.atomic():
            return Update.objects.get_or_create(key=key, defaults=defaults)
    except IntegrityError:  # recorded by a concurrent run
        return Update.objects.get(key=key), False


def _followers(update: Update) -> QuerySet[User]:
    from lenhub.accounts.models import User

    condition = Q(pk__in=[])
    if update.project_id:
        condition |= Q(kind=FollowKind.PROJECT, project_id=update.project_id)
    if update.group_id:
        condition |= Q(kind=FollowKind.GROUP, group_id=update.group_id)
    topics = [
        topic
        for topic in Follow.objects.filter(kind=FollowKind.TOPIC)
        .values_list("topic", flat=True)
        .distinct()
        if topic_matches(topic, update.topic_text)
    ]
    if topics:
        condition |= Q(kind=FollowKind.TOPIC, topic__in=topics)
    followers = Follow.objects.filter(condition).values("user_id")
    return User.objects.filter(pk__in=followers, is_active=True).order_by("pk")


def update_notify(update: Update, *, viewers: dict[int, Viewer] | None = None) -> int:
    """Notify each follower who may see the update now (once each; safe to repeat).
    Returns how many were newly notified."""
    viewers = {} if viewers is None else viewers
    update = Update.objects.select_related(
        "project", "result", "techwatch", "group", "group__network"
    ).get(pk=update.pk)
    notified = 0
    for user in _followers(update):
        viewer = viewers.get(user.pk)
        if viewer is None:
            # As for a token: the person's rights now, with the second factor they hold.
            viewer = viewers[user.pk] = viewer_for_user(user, mfa_verified=True)
        if not updates_visible(viewer=viewer).filter(pk=update.pk).exists():
            continue
        notification, created = Notification.objects.get_or_create(user=user, update=update)
        if not created:
            continue
        notified += 1
        if preferences_get(user=user).email_updates and user.email:
            _email(user, notification)
    return notified


def update_notify_people(update: Update, *, users: list[User]) -> int:
    """Notify these people of an update (not followers: the people a change concerns,
    such as a need's reporter and supporters), each only if they may see it now; once
    each, safe to repeat."""
    notified = 0
    for user in users:
        viewer = viewer_for_user(user, mfa_verified=True)
        if not updates_visible(viewer=viewer).filter(pk=update.pk).exists():
            continue
        notification, created = Notification.objects.get_or_create(user=user, update=update)
        if not created:
            continue
        notified += 1
        if preferences_get(user=user).email_updates and user.email:
            _email(user, notification)
    return notified


def _email(user: User, notification: Notification) -> None:
    update = notification.update
    nameable = handling(update_tlp(update)).email_may_name_item
    view = update_view(update)
    following = settings.SITE_URL + reverse("monitoring_home")
    context = {
        "nameable": nameable,
        "title": view.title if nameable else "",
        "url": settings.SITE_URL + view.url if nameable and view.url else following,
        "following_url": following,
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string("monitoring/email/update_subject.txt", context).strip()
    body = render_to_string("monitoring/email/update.txt", context)
    address, pk = user.email, notification.pk

    def send() -> None:
        send_mail(subject, body, None, [address])
        Notification.objects.filter(pk=pk).update(emailed=True)

    transaction.on_commit(send)


def result_published_record(*, result_id: int) -> Update | None:
    """A result was published: record it (once) and notify who may see it."""
    result = Result.objects.select_related("project").filter(pk=result_id).first()
    if result is None or result.published_on is None:
        return None
    update, _ = update_record(
        kind=UpdateKind.RESULT_PUBLISHED,
        key=f"result_published:{result.pk}",
        project=result.project,
        result=result,
    )
    update_notify(update)
    return update


def techwatch_published_record(*, techwatch_id: int) -> list[Update]:
    """A technology watch entry was marked relevant to groups: one update per group."""
    entry = TechWatch.objects.filter(pk=techwatch_id).first()
    if entry is None:
        return []
    updates = []
    for group in entry.relevant_groups.all():
        update, _ = update_record(
            kind=UpdateKind.TECHWATCH_FOR_GROUP,
            key=f"techwatch:{entry.pk}:group:{group.pk}",
            techwatch=entry,
            group=group,
        )
        update_notify(update)
        updates.append(update)
    return updates


# --- the scan --------------------------------------------------------------------------


def _followed_project_ids() -> set[int]:
    return set(Follow.objects.filter(kind=FollowKind.PROJECT).values_list("project_id", flat=True))


def _matches_a_topic(project: Project, topics: list[str]) -> bool:
    text = topic_text(_project_words(project))
    return any(topic_matches(topic, text) for topic in topics)


def monitoring_scan(*, days: int = DEFAULT_DAYS, today: date | None = None) -> dict[str, int]:
    """Record what changed about followed projects and notify followers. Projects
    followed directly or through a topic: ending within ``days``, ended in the last
    ``days``, and results published in the last ``days``; projects followed directly:
    a changed status. Safe to run again: a second run records and sends nothing new."""
    today = today or timezone.localdate()
    window = timedelta(days=days)
    followed = _followed_project_ids()
    topics = list(
        Follow.objects.filter(kind=FollowKind.TOPIC).values_list("topic", flat=True).distinct()
    )
    counts = {"ending": 0, "ended": 0, "status": 0, "results": 0, "notified": 0}
    viewers: dict[int, Viewer] = {}

    def concerned(project: Project | None) -> bool:
        return project is not None and (project.pk in followed or _matches_a_topic(project, topics))

    def record(counter: str, **fields: Any) -> None:
        update, created = update_record(**fields)
        if created:
            counts[counter] += 1
            counts["notified"] += update_notify(update, viewers=viewers)

    ending = Project.objects.filter(end_date__gte=today, end_date__lte=today + window)
    for project in ending.order_by("end_date", "pk").iterator():
        if concerned(project):
            assert project.end_date is not None
            record(
                "ending",
                kind=UpdateKind.PROJECT_ENDING,
                key=f"project_ending:{project.pk}:{project.end_date.isoformat()}",
                project=project,
                detail=project.end_date.isoformat(),
            )
    ended = Project.objects.filter(end_date__lt=today, end_date__gte=today - window)
    for project in ended.order_by("end_date", "pk").iterator():
        if concerned(project):
            record(
                "ended", kind=UpdateKind.PROJECT_ENDED, key=f"project_ended:{project.pk}",
                project=project,
            )  # fmt: skip
    for project in Project.objects.filter(pk__in=followed).order_by("pk"):
        state, created = ProjectState.objects.get_or_create(
            project=project, defaults={"status": project.status}
        )
        if created or state.status == project.status:
            continue
        record(
            "status",
            kind=UpdateKind.PROJECT_STATUS_CHANGED,
            key=f"project_status:{project.pk}:{state.status}:{project.status}:{today}",
            project=project,
            detail=project.status,
        )
        state.status, state.seen_at = project.status, timezone.now()
        state.save(update_fields=["status", "seen_at"])
    published = Result.objects.filter(
        published_on__lte=today, published_on__gte=today - window, project__isnull=False
    ).select_related("project")
    for result in published.order_by("published_on", "pk").iterator():
        if concerned(result.project):
            record(
                "results",
                kind=UpdateKind.RESULT_PUBLISHED,
                key=f"result_published:{result.pk}",
                project=result.project,
                result=result,
            )
    return counts
