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
from lenhub.monitoring.topics import MAX_TOPIC

router = Router(tags=["monitoring"])


class FollowIn(Schema):
    kind: FollowKind = Field(description="What to follow: project, group or topic.")
    project_id: int | None = Field(None, ge=1, le=2**31 - 1, description="For kind project.")
    group_id: int | None = Field(None, ge=1, le=2**31 - 1, description="For kind group.")
    topic: str | None = Field(
        None, max_length=MAX_TOPIC, description="For kind topic: a topic code or a few words."
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
    return paginate(follows_of(user=_user(caller)), page, _follow_out)


@router.post(
    "/follows",
    response={200: FollowOut, 201: FollowOut, **documented(*COMMON, 403, 404, 409)},
    summary="Follow a project, a group or a topic",
    description="201 when new, 200 when you already followed it. A project or group you "
    "may not see is 404, as if it did not exist. Groups: members of the network may "
    "follow its working groups and Technology Interest Groups; closed groups (core group, "
    "secretariat) only their own members.",
)
def follows_create(request: HttpRequest, body: FollowIn) -> Status[FollowOut]:
    caller = principal(request, "monitoring:write", account=True)
    try:
        follow, created = follow_add(
            user=_user(caller),
            viewer=caller.viewer,
            kind=body.kind,
            project_id=body.project_id,
            group_id=body.group_id,
            topic=body.topic or "",
        )
    except DjangoValidationError as error:
        raise ApiError(
            "invalid_request",
            " ".join(error.messages),
            [{"field": "topic", "message": " ".join(error.messages)}],
        ) from None
    except FollowLimitError:
        raise ApiError("conflict", _("You follow as many things as one person may.")) from None
    follow = follows_of(user=_user(caller)).get(pk=follow.pk)
    return Status(201 if created else 200, _follow_out(follow))


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
