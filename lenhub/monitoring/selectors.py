"""Reads: what a person follows, their timeline and their notifications. Each takes the
person asking and returns only what they may see (DESIGN §2: notifications are a read
surface): an update is shown only while the reader may see every item it names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from lenhub.access.models import Restricted
from lenhub.access.policy import (
    Viewer,
    effective_tlp,
    filter_visible,
    is_network_member,
    most_restrictive,
    tlp_label,
)
from lenhub.knowledge.models import Project, ProjectStatus, Result, TechWatch
from lenhub.monitoring.models import Follow, FollowKind, Notification, Update, UpdateKind
from lenhub.networks.models import CLOSED_GROUP_KINDS, Group

_RELATED = ("project", "result", "result__project", "techwatch", "group", "group__network",
            "need",
            "guidance", "guidance__network")  # fmt: skip


def updates_visible(*, viewer: Viewer) -> QuerySet[Update]:
    """Updates whose every named item (project, result, technology watch entry, need,
    round, roadmap, guidance) this reader may see. Groups are named in the public
    directory."""
    from lenhub.dissemination.models import Guidance
    from lenhub.needs.models import Need, RoadmapVersion, Round

    projects = filter_visible(viewer, Project.objects.all()).values("pk")
    results = filter_visible(viewer, Result.objects.all()).values("pk")
    techwatch = filter_visible(viewer, TechWatch.objects.all()).values("pk")
    needs = filter_visible(viewer, Need.objects.all()).values("pk")
    rounds = filter_visible(viewer, Round.objects.all()).values("pk")
    roadmaps = filter_visible(viewer, RoadmapVersion.objects.all()).values("pk")
    guidance = filter_visible(viewer, Guidance.objects.all()).values("pk")
    return Update.objects.filter(
        Q(project__isnull=True) | Q(project__in=projects),
        Q(result__isnull=True) | Q(result__in=results),
        Q(techwatch__isnull=True) | Q(techwatch__in=techwatch),
        Q(need__isnull=True) | Q(need__in=needs),
        Q(round__isnull=True) | Q(round__in=rounds),
        Q(roadmap__isnull=True) | Q(roadmap__in=roadmaps),
        Q(guidance__isnull=True) | Q(guidance__in=guidance),
    )


def follows_of(*, viewer: Viewer) -> QuerySet[Follow]:
    """What the reader follows, leaving out projects they may no longer see (a follow
    outlives a lapse of access and shows again once access returns)."""
    if viewer.user_id is None:
        return Follow.objects.none()
    projects = filter_visible(viewer, Project.objects.all()).values("pk")
    return (
        Follow.objects.filter(user_id=viewer.user_id)
        .filter(Q(project__isnull=True) | Q(project__in=projects))
        .select_related("project", "group__network")
    )


def _followed(user_id: int | None) -> Q:
    """The updates that concern what this person follows."""
    condition = Q(pk__in=[])
    if user_id is None:
        return condition
    projects, groups, topics = [], [], []
    for kind, project_id, group_id, topic in Follow.objects.filter(user_id=user_id).values_list(
        "kind", "project_id", "group_id", "topic"
    ):
        if kind == FollowKind.PROJECT:
            projects.append(project_id)
        elif kind == FollowKind.GROUP:
            groups.append(group_id)
        else:
            topics.append(topic)
    if projects:
        condition |= Q(project_id__in=projects)
    if groups:
        condition |= Q(group_id__in=groups)
    for topic in topics:
        condition |= Q(topic_text__contains=f" {topic} ")
    return condition


def timeline(*, viewer: Viewer) -> QuerySet[Update]:
    """Updates on what the reader follows, newest first, that the reader may see."""
    return (
        updates_visible(viewer=viewer)
        .filter(_followed(viewer.user_id))
        .select_related(*_RELATED)
        .order_by("-created_at", "-pk")
    )


def notifications_visible(*, viewer: Viewer) -> QuerySet[Notification]:
    """The reader's notifications about updates they may still see."""
    if viewer.user_id is None:
        return Notification.objects.none()
    return (
        Notification.objects.filter(user_id=viewer.user_id)
        .filter(update__in=updates_visible(viewer=viewer))
        .select_related(*(f"update__{name}" for name in _RELATED))
        .order_by("-created_at", "-pk")
    )


def unread_count(*, viewer: Viewer) -> int:
    return notifications_visible(viewer=viewer).filter(read_at__isnull=True).count()


def group_get_followable(*, viewer: Viewer, pk: Any) -> Group:
    """A group this person may follow: members of its network may follow its working
    groups and Technology Interest Groups; closed groups (core group, secretariat) only
    their own members. Missing and not allowed look the same."""
    try:
        group = Group.objects.select_related("network").get(pk=int(pk))
    except (Group.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if not group_may_follow(viewer=viewer, group=group):
        raise Http404
    return group


def group_may_follow(*, viewer: Viewer, group: Group) -> bool:
    if f"group:{group.pk}" in viewer.keys:
        return True
    return group.kind not in CLOSED_GROUP_KINDS and is_network_member(viewer, group.network_id)


# --- presenting an update (only ever called on an update the reader may see) -----------


@dataclass(frozen=True)
class UpdateView:
    update: Update
    title: str
    url: str
    tlp: str  # the most restrictive effective label of the items it names

    @property
    def kind_label(self) -> str:
        return str(UpdateKind(self.update.kind).label)

    @property
    def tlp_label(self) -> str:
        return tlp_label(self.tlp)

    @property
    def tlp_css(self) -> str:
        return self.tlp.lower().replace("+", "-")


def update_items(update: Update) -> list[Restricted]:
    items: list[Restricted | None] = [
        update.project,
        update.result,
        update.techwatch,
        update.need,
        update.round,
        update.roadmap,
        update.guidance,
    ]
    return [item for item in items if item is not None]


def update_tlp(update: Update) -> str:
    return most_restrictive(*(effective_tlp(item) for item in update_items(update)))


def _url(item: Any) -> str:
    method = getattr(item, "get_absolute_url", None)
    return str(method()) if method else ""


def update_title(update: Update) -> str:
    project = update.project
    acronym = project.acronym if project else ""
    if update.kind == UpdateKind.RESULT_PUBLISHED and update.result is not None:
        if acronym:
            return _("Result published: %(result)s (%(project)s)") % {
                "result": update.result.title,
                "project": acronym,
            }
        return _("Result published: %(result)s") % {"result": update.result.title}
    if update.kind == UpdateKind.PROJECT_ENDING:
        return _("%(project)s ends on %(date)s") % {"project": acronym, "date": update.detail}
    if update.kind == UpdateKind.PROJECT_ENDED:
        return _("%(project)s has ended") % {"project": acronym}
    if update.kind == UpdateKind.PROJECT_STATUS_CHANGED and project is not None:
        return _("%(project)s is now: %(status)s") % {
            "project": acronym,
            "status": ProjectStatus(update.detail).label
            if update.detail in ProjectStatus.values
            else update.detail,
        }
    if update.kind == UpdateKind.TECHWATCH_FOR_GROUP and update.techwatch is not None:
        return _("Technology watch for %(group)s: %(technology)s") % {
            "group": update.group.name if update.group else "",
            "technology": update.techwatch.technology,
        }
    if update.kind == UpdateKind.ROUND_OPENED and update.round is not None:
        return _("Prioritisation round open: %(round)s") % {"round": update.round.title}
    if update.kind == UpdateKind.ROUND_CLOSED and update.round is not None:
        return _("Prioritisation round closed: %(round)s") % {"round": update.round.title}
    if update.kind == UpdateKind.NEED_STATUS_CHANGED and update.need is not None:
        from lenhub.needs.models import NeedStatus

        return _("Need %(title)s: %(status)s") % {
            "title": update.need.title,
            "status": NeedStatus(update.detail).label
            if update.detail in NeedStatus.values
            else update.detail,
        }
    if update.kind == UpdateKind.NEED_COMMENTED and update.need is not None:
        return _("New comment on the need %(title)s") % {"title": update.need.title}
    if update.kind == UpdateKind.ROADMAP_PUBLISHED and update.roadmap is not None:
        return _("Roadmap published: %(title)s, version %(version)s") % {
            "title": update.roadmap.title,
            "version": update.roadmap.version,
        }
    if update.kind == UpdateKind.GUIDANCE_PUBLISHED and update.guidance is not None:
        return _("Guidance from %(network)s: %(title)s") % {
            "network": update.guidance.network.acronym,
            "title": update.guidance.title,
        }
    if update.kind == UpdateKind.GUIDANCE_RELAYED and update.guidance is not None:
        return _("Relayed by your National Contact: %(title)s") % {"title": update.guidance.title}
    return str(UpdateKind(update.kind).label)


def update_view(update: Update) -> UpdateView:
    target = update.result if update.result is not None and _url(update.result) else None
    url = _url(
        target
        or update.project
        or update.techwatch
        or update.need
        or update.round
        or update.roadmap
        or update.guidance
    ) or (update.group.network.get_absolute_url() if update.group else "")
    return UpdateView(update=update, title=update_title(update), url=url, tlp=update_tlp(update))
