from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from lenhub.accounts.models import Role, RoleAssignment, User, Vetting

SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def user_has_mfa(*, user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


def vetting_current(*, user: Any) -> Vetting | None:
    """The vetting in force: not revoked, not expired, for the person's current
    organisation and that organisation's current kind."""
    if user is None or user.pk is None or user.organisation_id is None:
        return None
    vetting = (
        Vetting.objects.select_related("organisation")
        .filter(
            user_id=user.pk,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            organisation_id=user.organisation_id,
        )
        .order_by("-vetted_at")
        .first()
    )
    if vetting is None or vetting.organisation.kind != vetting.organisation_kind:
        return None
    return vetting


def user_roles(*, user: Any) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user_id=user.pk).select_related(
        "network", "group", "country"
    )


def user_has_role(*, user: Any, role: str, network_id: int | None = None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    qs = RoleAssignment.objects.filter(user_id=user.pk, role=role)
    if network_id is not None:
        qs = qs.filter(network_id=network_id)
    return qs.exists()


def may_vet(*, vetter: Any, subject: User) -> bool:
    """A National Contact for the subject's country, or a secretariat; never oneself."""
    if vetter is None or vetter.pk is None or vetter.pk == subject.pk or not vetter.is_active:
        return False
    if subject.organisation is None:
        return False
    roles = RoleAssignment.objects.filter(user_id=vetter.pk)
    if roles.filter(role=Role.SECRETARIAT).exists():
        return True
    return (
        roles.filter(
            role=Role.NATIONAL_CONTACT, country_id=subject.organisation.country_id
        ).exists()
        and vetting_current(user=vetter) is not None
    )


def vetting_queue(*, vetter: Any) -> QuerySet[User]:
    """People the vetter may vet who hold no vetting in force, verified email first."""
    roles = RoleAssignment.objects.filter(user_id=vetter.pk)
    people = User.objects.filter(is_active=True, organisation__isnull=False).exclude(pk=vetter.pk)
    if not roles.filter(role=Role.SECRETARIAT).exists():
        countries = roles.filter(role=Role.NATIONAL_CONTACT).values("country_id")
        people = people.filter(organisation__country_id__in=countries)
    # "In force" as in ``vetting_current``: for the current organisation and its current kind.
    current = Vetting.objects.filter(
        user_id=OuterRef("pk"),
        organisation_id=OuterRef("organisation_id"),
        organisation_kind=OuterRef("organisation__kind"),
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    verified = EmailAddress.objects.filter(
        user_id=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
    )
    return (
        people.exclude(Exists(current))
        .annotate(email_verified=Exists(verified))
        .order_by("-email_verified", "date_joined", "pk")
        .select_related("organisation", "organisation__country")
    )
