"""People, organisations, countries, roles and vetting (DESIGN §1)."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Country(models.Model):
    """An ISO 3166-1 country: EU member states and partner countries."""

    code = models.CharField(_("ISO code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=80)
    is_eu_member = models.BooleanField(_("EU member state"), default=False)
    is_partner = models.BooleanField(_("partner country"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        # The names are stored in English; lenhub.accounts.countries marks them for
        # translation.
        return gettext(self.name)


class OrganisationKind(models.TextChoices):
    POLICE = "police", _("Police")
    GENDARMERIE = "gendarmerie", _("Gendarmerie")
    BORDER_GUARD = "border_guard", _("Border guard")
    CUSTOMS = "customs", _("Customs")
    WATER_POLICE = "water_police", _("Water / maritime police")
    MINISTRY = "ministry", _("Ministry")
    EU_AGENCY = "eu_agency", _("EU agency")
    ACADEMIA = "academia", _("Academia")
    RESEARCH = "research", _("Research organisation")
    INDUSTRY = "industry", _("Industry / SME")
    NGO = "ngo", _("NGO")
    OTHER = "other", _("Other")


LEA_KINDS = frozenset(
    {
        OrganisationKind.POLICE,
        OrganisationKind.GENDARMERIE,
        OrganisationKind.BORDER_GUARD,
        OrganisationKind.CUSTOMS,
        OrganisationKind.WATER_POLICE,
    }
)


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, null=True, blank=True
    )
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="organisation_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_lea(self) -> bool:
        """LEA status follows from the kind, never from a role."""
        return self.kind in LEA_KINDS


class OrganisationDomain(models.Model):
    """An email domain an organisation has registered (``policja.gov.pl``)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("email domain"), max_length=200, unique=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("email domain")

    def __str__(self) -> str:
        return self.domain

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.domain = self.domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


def _new_audit_pid() -> str:
    return "p-" + secrets.token_hex(10)


class User(AbstractBaseUser, PermissionsMixin):
    """An account is a person."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        help_text=_("Shown to other members. It may be a pseudonym."),
    )
    display_name_is_pseudonym = models.BooleanField(_("display name is a pseudonym"), default=False)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
    )
    position = models.CharField(_("position"), max_length=120, blank=True)
    expertise = models.TextField(_("expertise"), blank=True)
    languages = models.CharField(
        _("languages"), max_length=120, blank=True, help_text=_("ISO 639-1 codes, comma-separated.")
    )
    show_in_expert_finder = models.BooleanField(_("list me in the expert finder"), default=False)
    show_organisation = models.BooleanField(
        _("show my organisation to other members"), default=True
    )
    show_position = models.BooleanField(_("show my position to other members"), default=False)
    audit_pid = models.CharField(max_length=40, unique=True, default=_new_audit_pid, editable=False)
    auth_epoch = models.PositiveIntegerField(default=0, editable=False)
    is_demo = models.BooleanField(default=False, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("technical admin"),
        default=False,
        help_text=_("May use the technical admin site. Grants no access to content."),
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name or self.audit_pid

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def email_domain(self) -> str:
        return self.email.rsplit("@", 1)[-1].lower()


class Role(models.TextChoices):
    OPERATOR = "operator", _("Platform operator")
    AUDITOR = "auditor", _("Auditor")
    SECRETARIAT = "secretariat", _("Secretariat")
    NATIONAL_CONTACT = "national_contact", _("National Contact")
    GROUP_LEADER = "group_leader", _("Group leader")
    CORE_GROUP = "core_group", _("Core group member")


class RoleAssignment(models.Model):
    """A role held by a person, scoped as the role needs (DESIGN §1).

    LEA practitioner and other stakeholder are not assigned: they follow from vetting and
    the kind of the person's organisation.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    group = models.ForeignKey(
        "networks.Group", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_deputy = models.BooleanField(_("deputy"), default=False)
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("role assignment")
        constraints = [
            models.CheckConstraint(
                name="role_scope",
                condition=(
                    Q(role__in=["operator", "auditor"], network__isnull=True, group__isnull=True)
                    | Q(role__in=["secretariat", "core_group"], network__isnull=False)
                    | Q(role="national_contact", network__isnull=False, country__isnull=False)
                    | Q(role="group_leader", group__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        scope = " ".join(
            str(x) for x in (self.network, self.group, self.country_id) if x is not None
        )
        return f"{self.get_role_display()} {scope}".strip()


class VettingBasis(models.TextChoices):
    DOMAIN_MATCH = "domain_match", _("Email domain registered by the organisation")
    OVERRIDE = "override", _("Override with a reason")


class Vetting(models.Model):
    """An attestation that a person is who they say and works where they say."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="vettings")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    organisation_kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    basis = models.CharField(_("basis"), max_length=20, choices=VettingBasis.choices)
    reason = models.TextField(_("reason"), blank=True)
    vetted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    vetted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-vetted_at"]
        verbose_name = _("vetting")
        constraints = [
            models.CheckConstraint(name="no_self_vetting", condition=~Q(user=models.F("vetted_by")))
        ]

    def __str__(self) -> str:
        return f"{self.user} by {self.vetted_by} at {self.vetted_at:%Y-%m-%d}"


def vetting_valid_days() -> int:
    return int(settings.VETTING_VALID_DAYS)


class AccessToken(models.Model):
    """A personal access token for the API. It acts with its owner's rights at the time
    of each request, limited to its scopes; only a hash of its secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(_("name"), max_length=80)
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    auth_epoch = models.PositiveIntegerField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")

    def __str__(self) -> str:
        return f"{self.name} (lh_{self.key_id}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
