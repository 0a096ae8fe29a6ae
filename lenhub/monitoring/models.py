"""Monitoring (DESIGN §4, research to uptake): people follow a project, a group or a
topic; changes to what they follow become ``Update`` records; each follower who may see
the changed item gets a ``Notification`` (and an email, unless they opted out).

An update points at the items it is about and holds no copy of their content: its
title is rendered from those items at read time, and every read surface shows it only
when the reader may see every item it names (``selectors.updates_visible``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FollowKind(models.TextChoices):
    PROJECT = "project", _("Project")
    GROUP = "group", _("Group")
    TOPIC = "topic", _("Topic")


class Follow(models.Model):
    """A person follows one project, group or topic."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FollowKind.choices)
    project = models.ForeignKey(
        "knowledge.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    group = models.ForeignKey(
        "networks.Group", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    topic = models.CharField(
        _("topic"),
        max_length=255,
        blank=True,
        help_text=_("A topic code or a few words, in lower case with single spaces."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        ordering = ["kind", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "project"],
                condition=Q(kind="project"),
                name="follow_project_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "group"], condition=Q(kind="group"), name="follow_group_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "topic"], condition=Q(kind="topic"), name="follow_topic_unique"
            ),
            models.CheckConstraint(
                name="follow_one_target",
                condition=(
                    Q(kind="project", project__isnull=False, group__isnull=True, topic="")
                    | Q(kind="group", group__isnull=False, project__isnull=True, topic="")
                    | (Q(kind="topic", project__isnull=True, group__isnull=True) & ~Q(topic=""))
                ),
            ),
        ]

    def __str__(self) -> str:
        target = self.project_id or self.group_id or self.topic
        return f"{self.user_id} follows {self.kind} {target}"


class UpdateKind(models.TextChoices):
    RESULT_PUBLISHED = "result_published", _("Result published")
    PROJECT_ENDING = "project_ending", _("Project ending soon")
    PROJECT_ENDED = "project_ended", _("Project ended")
    PROJECT_STATUS_CHANGED = "project_status_changed", _("Project status changed")
    TECHWATCH_FOR_GROUP = "techwatch_for_group", _("Technology watch entry for a group")
    NEED_STATUS_CHANGED = "need_status_changed", _("Need curated")
    NEED_COMMENTED = "need_commented", _("New comment on a need")
    ROUND_OPENED = "round_opened", _("Prioritisation round open")
    ROUND_CLOSED = "round_closed", _("Prioritisation round closed")
    ROADMAP_PUBLISHED = "roadmap_published", _("Roadmap published")
    GUIDANCE_PUBLISHED = "guidance_published", _("Guidance published")
    GUIDANCE_RELAYED = "guidance_relayed", _("Guidance relayed by your National Contact")


class Update(models.Model):
    """Something changed about an item people may follow. ``key`` makes recording
    idempotent: the same change is recorded once however often it is reported."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=UpdateKind.choices)
    project = models.ForeignKey(
        "knowledge.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    result = models.ForeignKey(
        "knowledge.Result", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    techwatch = models.ForeignKey(
        "knowledge.TechWatch", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    group = models.ForeignKey(
        "networks.Group", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    need = models.ForeignKey(
        "needs.Need", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    round = models.ForeignKey(
        "needs.Round", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    roadmap = models.ForeignKey(
        "needs.RoadmapVersion", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    guidance = models.ForeignKey(
        "dissemination.Guidance", on_delete=models.CASCADE, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    # A date or a status value: no words from the item itself.
    detail = models.CharField(max_length=40, blank=True)
    # The item's words, normalised, to match topic follows. Never shown to anyone.
    topic_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("update")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.key


class Notification(models.Model):
    """An update delivered to one follower. Shown only while they may still see it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "update"], name="notification_unique")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.update_id} for {self.user_id}"


class Preferences(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="monitoring_preferences"
    )
    email_updates = models.BooleanField(_("email me about updates on what I follow"), default=True)

    class Meta:
        verbose_name = _("monitoring preferences")
        verbose_name_plural = _("monitoring preferences")

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


class ProjectState(models.Model):
    """The status a followed project had when the scan last looked, to notice changes
    however they were made (a page, an import, the admin)."""

    project = models.OneToOneField("knowledge.Project", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("project state")

    def __str__(self) -> str:
        return f"{self.project_id}: {self.status}"
