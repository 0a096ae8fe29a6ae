"""The directory: networks and other police-cooperation bodies, their structures,
member countries and organisations, stated facts with their sources, partnerships,
people's memberships and applications to join (DESIGN §1, §3, §4)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BodyKind(models.TextChoices):
    EU_LE_NETWORK = "eu_le_network", _("Law-enforcement network funded by the EU")
    COMMISSION_EXPERT_GROUP = "commission_expert_group", _("Commission expert group")
    COUNCIL_WORKING_PARTY = "council_working_party", _("Council working party")
    OTHER_EUROPEAN_NETWORK = "other_european_network", _("Other European network")
    ADVISORY_BODY = "advisory_body", _("Advisory body")
    EU_PROJECT_NETWORK = "eu_project_network", _("EU-funded project network")
    UMBRELLA = "umbrella", _("Umbrella body")


class Source(models.Model):
    """A document a stated fact comes from."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    date = models.CharField(
        _("date"), max_length=10, blank=True, help_text=_("YYYY-MM-DD or YYYY, as stated.")
    )
    url = models.URLField(_("address"), blank=True)

    class Meta:
        ordering = ["-date", "title"]
        verbose_name = _("source")

    def __str__(self) -> str:
        return f"{self.title} ({self.date})" if self.date else self.title


class FocusArea(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("focus area")

    def __str__(self) -> str:
        return self.name


class Network(models.Model):
    """A network or other police-cooperation body in the directory."""

    acronym = models.CharField(_("acronym"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=30, choices=BodyKind.choices, default=BodyKind.EU_LE_NETWORK
    )
    umbrella = models.ForeignKey(
        "self",
        verbose_name=_("umbrella body"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="networks",
    )
    chair = models.CharField(_("chaired by"), max_length=120, blank=True)
    description = models.TextField(_("what it does"), blank=True)
    website = models.URLField(_("website"), blank=True)
    focus = models.ManyToManyField(FocusArea, verbose_name=_("focus areas"), blank=True)
    sources = models.ManyToManyField(Source, verbose_name=_("sources"), blank=True)
    accepts_applications = models.BooleanField(
        _("people may apply to join on lenhub"), default=True
    )
    decision_days = models.PositiveSmallIntegerField(
        _("days before the secretariat steps in"),
        default=10,
        help_text=_("An application no National Contact decides within this many days "
                    "goes to the secretariat as well."),
    )  # fmt: skip
    membership_days = models.PositiveSmallIntegerField(
        _("days a membership lasts without re-confirmation"), default=365
    )

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("network")

    def __str__(self) -> str:
        return self.acronym

    def get_absolute_url(self) -> str:
        return reverse("network_detail", args=[self.acronym])


class CountryRole(models.TextChoices):
    MEMBER = "member", _("Member country")
    PARTNER = "partner", _("Partner country")


class NetworkCountry(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="countries")
    country = models.ForeignKey("accounts.Country", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=10, choices=CountryRole.choices)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        ordering = ["network", "role", "country__name"]
        verbose_name = _("network country")
        constraints = [
            models.UniqueConstraint(fields=["network", "country"], name="network_country_unique")
        ]

    def __str__(self) -> str:
        return f"{self.network}: {self.country_id} ({self.role})"


class StatedFact(models.Model):
    """A fact as a source states it: a count, a list, a date. Sources may disagree;
    every statement is kept with its source."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="facts")
    key = models.CharField(_("key"), max_length=60)
    label = models.CharField(_("label"), max_length=200)
    value = models.CharField(_("value"), max_length=500)
    note = models.CharField(_("note"), max_length=500, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="facts")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["network", "position", "pk"]
        verbose_name = _("stated fact")
        constraints = [
            models.UniqueConstraint(
                fields=["network", "key", "value", "source"], name="stated_fact_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.network}: {self.label} = {self.value}"


class PartnershipKind(models.TextChoices):
    PROJECT = "project", _("Project")
    EU_STRUCTURE = "eu_structure", _("EU structure")
    NETWORK = "network", _("Network")
    OTHER = "other", _("Other")


class Partnership(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="partnerships")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnershipKind.choices)
    partner = models.ForeignKey(
        Network,
        verbose_name=_("partner in the directory"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partnered_by",
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        ordering = ["network", "kind", "name"]
        verbose_name = _("partnership")
        constraints = [
            models.UniqueConstraint(fields=["network", "name"], name="partnership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.network} - {self.name}"


class OrganisationStatus(models.TextChoices):
    OBSERVER = "observer", _("Observer")
    PARTNER = "partner", _("Partner")
    FULL = "full", _("Full member")


class OrganisationMembership(models.Model):
    """An organisation taking part in a network (AQUAPOL counts organisations)."""

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="organisation_memberships"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="network_memberships"
    )
    status = models.CharField(_("status"), max_length=10, choices=OrganisationStatus.choices)
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        ordering = ["network", "organisation__name"]
        verbose_name = _("member organisation")
        constraints = [
            models.UniqueConstraint(
                fields=["network", "organisation"], name="organisation_membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.network} ({self.status})"


class GroupKind(models.TextChoices):
    WORKING_GROUP = "working_group", _("Working group")
    TIG = "tig", _("Technology Interest Group")
    HUB = "hub", _("Regional hub")
    CORE_GROUP = "core_group", _("Core group")
    SECRETARIAT = "secretariat", _("Secretariat")
    SUPPORT_OFFICE = "support_office", _("Support office")
    OTHER = "other", _("Other group")


# Groups nobody joins by default or by import: their members hold AMBER content of the
# network's inner circle, and the secretariat adds them one by one.
CLOSED_GROUP_KINDS = frozenset({GroupKind.CORE_GROUP, GroupKind.SECRETARIAT})


class Group(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=GroupKind.choices)
    is_default = models.BooleanField(
        _("default group"), default=False, help_text=_("New network members join it.")
    )
    area = models.CharField(_("area"), max_length=200, blank=True)
    leader_note = models.CharField(
        _("led by"), max_length=200, blank=True, help_text=_("A role or organisation; no names.")
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True)

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
    EXPIRED = "expired", _("Expired")


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
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

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


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class JoinApplication(models.Model):
    """A person's request to join a network, decided by the National Contact of their
    country for that network, a deputy, or the secretariat (DESIGN §1, §4)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_applications"
    )
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="applications")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    country = models.ForeignKey("accounts.Country", on_delete=models.PROTECT, related_name="+")
    position = models.CharField(_("position"), max_length=120)
    motivation = models.TextField(_("motivation"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PENDING,
    )
    created_at = models.DateTimeField(default=timezone.now)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("application to join")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "network"],
                condition=Q(status="pending"),
                name="one_pending_application",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} -> {self.network} ({self.status})"
