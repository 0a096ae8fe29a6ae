"""Networks, their groups and memberships. The directory issue grows this app; the trust
spine needs just enough of it to scope roles and audiences."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Network(models.Model):
    acronym = models.CharField(_("acronym"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("network")

    def __str__(self) -> str:
        return self.acronym


class GroupKind(models.TextChoices):
    WORKING_GROUP = "working_group", _("Working group")
    TIG = "tig", _("Technology Interest Group")
    HUB = "hub", _("Regional hub")
    CORE_GROUP = "core_group", _("Core group")
    SECRETARIAT = "secretariat", _("Secretariat")
    OTHER = "other", _("Other group")


class Group(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=GroupKind.choices)
    is_default = models.BooleanField(
        _("default group"), default=False, help_text=_("New network members join it.")
    )

    class Meta:
        ordering = ["network", "name"]
        verbose_name = _("group")
        constraints = [
            models.UniqueConstraint(fields=["network", "name"], name="group_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.network.acronym}: {self.name}"


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    LEFT = "left", _("Left")


class NetworkMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="network_memberships"
    )
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    status = models.CharField(
        max_length=12, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    joined_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("network membership")
        constraints = [
            models.UniqueConstraint(fields=["user", "network"], name="network_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.network}"


class GroupMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships"
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("group membership")
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="group_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.group}"
