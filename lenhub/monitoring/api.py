"""API: what you follow, your timeline and your notifications. Every list holds only
updates the caller may see now, under the access policy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from lenhub.accounts.models import User
from lenhub.api.auth import Principal, principal
from lenhub.api.errors import COMMON, ApiError, documented
from lenhub.api.pagination import Page, PageParams, paginate
from lenhub.monitoring.models import Follow, FollowKind, Notification, Update, UpdateKind
from lenhub.monitoring.selectors import follows_of, notifications_visible, timeline, update_view
from lenhub.monitoring.services import (
    FollowLimitError,
    follow_add,
    follow_remove,
    notification_mark_read,
    notifications_mark_all_read,
)
from lenhub.monitoring.topics import MAX_TOPIC, TOPIC_PATTERN

router = Router(tags=["monitoring"])


class FollowProjectIn(Schema):
    project_id: int = Field(ge=1, le=2**31 - 1)


class FollowGroupIn(Schema):
    group_id: int = Field(ge=1, le=2**31 - 1)


class FollowTopicIn(Schema):
    topic: str = Field(
        max_length=MAX_TOPIC,
        pattern=TOPIC_PATTERN,
        description="A topic code or a few words; stored in lower case with single spaces "
        "and matched as whole words.",
    )


class FollowOut(Schema):
    id: int
    kind: FollowKind
    project_id: int | None
    project: str | None = Field(description="The project's acronym.")
    group_id: int | None
    group: str | None = Field(description="The group, as NETWORK: name.")
    topic: str | None = Field(description="The topic, normalised (lower case).")
    created_at: datetime


class UpdateOut(Schema):
    id: int
    kind: UpdateKind
    title: str
    url: str = Field(description="Where to read about it on lenhub ('' when nowhere yet).")
    tlp: str = Field(description="The most restrictive label of what it names.")
    project_id: int | None
    result_id: int | None
    group_id: int | None
    created_at: datetime


class NotificationOut(Schema):
    id: int
    update: UpdateOut
    created_at: datetime
    read_at: datetime | None


class NotificationFilter(Schema):
    unread: bool | None = Field(None, description="Only unread (true) or read (false) ones.")


class MarkedOut(Schema):
    marked: int = Field(description="How many notifications were marked as read.")


def _user(caller: Principal) -> User:
    assert caller.user is not None  # principal(..., account=True) made sure
    return caller.user


def _follow_out(follow: Follow) -> FollowOut:
    return FollowOut(
        id=follow.pk,
        kind=FollowKind(follow.kind),
        project_id=follow.project_id,
        project=follow.project.acronym if follow.project else None,
        group_id=follow.group_id,
        group=f"{follow.group.network.acronym}: {follow.group.name}" if follow.group else None,
        topic=follow.topic or None,
        created_at=follow.created_at,
    )


def _update_out(update: Update) -> UpdateOut:
    view = update_view(update)
    return UpdateOut(
        id=update.pk,
        kind=UpdateKind(update.kind),
        title=view.title,
        url=view.url,
        tlp=view.tlp_label,
        project_id=update.project_id,
        result_id=update.result_id,
        group_id=update.group_id,
        created_at=update.created_at,
    )


def _notification_out(notification: Notification) -> NotificationOut:
    return NotificationOut(
        id=notification.pk,
        update=_update_out(notification.update),
        created_at=notification.created_at,
        read_at=notification.read_at,
    )


@router.get(
    "/follows",
    response={200: Page[FollowOut], **documented(*COMMON, 403)},
    summary="What you follow",
)
def follows_list(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    caller = principal(request, "monitoring:read", account=True)
    return paginate(follows_of(viewer=caller.viewer), page, _follow_out)


def _follow(caller: Principal, kind: str, **target: Any) -> Status[FollowOut]:
    try:
        follow, created = follow_add(user=_user(caller), viewer=caller.viewer, kind=kind, **target)
    except DjangoValidationError as error:  # the schema's rules, checked once more
        raise ApiError("invalid_request", " ".join(error.messages)) from None
    except FollowLimitError:
        raise ApiError("conflict", _("You follow as many things as one person may.")) from None
    follow = follows_of(viewer=caller.viewer).get(pk=follow.pk)
    return Status(201 if created else 200, _follow_out(follow))


FOLLOW_RESPONSES: dict[int, Any] = {
    200: FollowOut,
    201: FollowOut,
    **documented(*COMMON, 403, 404, 409),
}


@router.post(
    "/follows/projects",
    response=FOLLOW_RESPONSES,
    summary="Follow a project",
    description="201 when new, 200 when you already followed it. A project you may not "
    "see is 404, as if it did not exist.",
)
def follow_project(request: HttpRequest, body: FollowProjectIn) -> Status[FollowOut]:
    caller = principal(request, "monitoring:write", account=True)
    return _follow(caller, FollowKind.PROJECT, project_id=body.project_id)


@router.post(
    "/follows/groups",
    response=FOLLOW_RESPONSES,
    summary="Follow a group",
    description="Members of a network may follow its working groups and Technology "
    "Interest Groups; closed groups (core group, secretariat) only their own members. "
    "Any other group is 404.",
)
def follow_group(request: HttpRequest, body: FollowGroupIn) -> Status[FollowOut]:
    caller = principal(request, "monitoring:write", account=True)
    return _follow(caller, FollowKind.GROUP, group_id=body.group_id)


@router.post(
    "/follows/topics",
    response=FOLLOW_RESPONSES,
    summary="Follow a topic",
    description="201 when new, 200 when you already followed it (in any spelling that "
    "normalises the same).",
)
def follow_topic(request: HttpRequest, body: FollowTopicIn) -> Status[FollowOut]:
    caller = principal(request, "monitoring:write", account=True)
    return _follow(caller, FollowKind.TOPIC, topic=body.topic)


@router.delete(
    "/follows/{int:follow_id}",
    response={204: None, **documented(*COMMON, 403, 404)},
    summary="Stop following",
)
def follows_delete(request: HttpRequest, follow_id: int) -> Status[None]:
    caller = principal(request, "monitoring:write", account=True)
    follow_remove(user=_user(caller), follow_id=follow_id)
    return Status(204, None)


@router.get(
    "/timeline",
    response={200: Page[UpdateOut], **documented(*COMMON, 403)},
    summary="Your timeline",
    description="Updates on what you follow that you may see now, newest first.",
)
def timeline_list(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    caller = principal(request, "monitoring:read", account=True)
    return paginate(timeline(viewer=caller.viewer), page, _update_out)


@router.get(
    "/notifications",
    response={200: Page[NotificationOut], **documented(*COMMON, 403)},
    summary="Your notifications",
    description="Newest first; only about updates you may still see. With unread=true, "
    "total is your unread count.",
)
def notifications_list(
    request: HttpRequest, page: Query[PageParams], filters: Query[NotificationFilter]
) -> dict[str, Any]:
    caller = principal(request, "monitoring:read", account=True)
    items = notifications_visible(viewer=caller.viewer)
    if filters.unread is not None:
        items = items.filter(read_at__isnull=filters.unread)
    return paginate(items, page, _notification_out)


@router.post(
    "/notifications/{int:notification_id}/read",
    response={200: NotificationOut, **documented(*COMMON, 403, 404)},
    summary="Mark one notification as read",
)
def notification_read(request: HttpRequest, notification_id: int) -> NotificationOut:
    caller = principal(request, "monitoring:write", account=True)
    notification = notification_mark_read(viewer=caller.viewer, notification_id=notification_id)
    return _notification_out(notification)


@router.post(
    "/notifications/read",
    response={200: MarkedOut, **documented(*COMMON, 403)},
    summary="Mark all your notifications as read",
)
def notifications_read(request: HttpRequest) -> MarkedOut:
    caller = principal(request, "monitoring:write", account=True)
    return MarkedOut(marked=notifications_mark_all_read(viewer=caller.viewer))
