"""Writes on people, organisations, roles and vetting. Each is audited."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from lenhub.accounts.models import (
    Country,
    Organisation,
    OrganisationDomain,
    Role,
    RoleAssignment,
    User,
    Vetting,
    VettingBasis,
    vetting_valid_days,
)
from lenhub.accounts.selectors import may_vet, user_has_role, vetting_current
from lenhub.audit.services import audit_log

MIN_OVERRIDE_REASON = 10


def organisation_for_email(email: str) -> Organisation | None:
    """The organisation that registered the address's domain (or a parent domain)."""
    domain = email.rsplit("@", 1)[-1].lower()
    parts = domain.split(".")
    candidates = [".".join(parts[i:]) for i in range(len(parts) - 1)]
    match = (
        OrganisationDomain.objects.filter(domain__in=candidates)
        .select_related("organisation")
        .order_by("-domain")
    )
    best = max(match, key=lambda d: len(d.domain), default=None)
    return best.organisation if best else None


def email_matches_organisation(email: str, organisation: Organisation) -> bool:
    found = organisation_for_email(email)
    return found is not None and found.pk == organisation.pk


@transaction.atomic
def vetting_grant(*, subject: User, vetter: User, reason: str = "") -> Vetting:
    """Record that ``vetter`` attests ``subject``'s identity and organisation.

    The address must match a domain of the organisation, or the vetter gives a reason
    for the override. Valid for ``LENHUB_VETTING_VALID_DAYS`` days.
    """
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join.
    subject = (
        User.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=subject.pk)
    )
    if subject.pk == vetter.pk:
        raise PermissionDenied(gettext("Nobody vets themselves."))
    if not may_vet(vetter=vetter, subject=subject):
        raise PermissionDenied(gettext("You may not vet this person."))
    organisation = subject.organisation
    if organisation is None:
        raise ValidationError(gettext("The person has not named an organisation."))
    if not EmailAddress.objects.filter(user=subject, email__iexact=subject.email, verified=True):
        raise ValidationError(gettext("The person has not verified their email address."))
    reason = reason.strip()
    if email_matches_organisation(subject.email, organisation):
        basis = VettingBasis.DOMAIN_MATCH
    else:
        if len(reason) < MIN_OVERRIDE_REASON:
            raise ValidationError(
                gettext(
                    "The email address does not match a domain of the organisation: "
                    "give a reason for the override."
                )
            )
        basis = VettingBasis.OVERRIDE
    now = timezone.now()
    Vetting.objects.filter(user=subject, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason="superseded"
    )
    vetting = Vetting.objects.create(
        user=subject,
        organisation=organisation,
        organisation_kind=organisation.kind,
        basis=basis,
        reason=reason,
        vetted_by=vetter,
        vetted_at=now,
        expires_at=now + timedelta(days=vetting_valid_days()),
    )
    audit_log(
        action="vetting.granted",
        actor=vetter,
        target=f"person:{subject.audit_pid}",
        data={"basis": basis, "organisation": organisation.pk, "lea": organisation.is_lea},
    )
    return vetting


@transaction.atomic
def vetting_revoke(*, subject: User, actor: User | None, reason: str) -> int:
    count = Vetting.objects.filter(user=subject, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason[:200]
    )
    if count:
        audit_log(
            action="vetting.revoked",
            actor=actor,
            target=f"person:{subject.audit_pid}",
            data={"reason": reason[:200]},
        )
    return count


@transaction.atomic
def user_change_organisation(
    *, user: User, organisation: Organisation | None, actor: User | None
) -> None:
    """Moving to another organisation resets vetting."""
    if user.organisation_id == (organisation.pk if organisation else None):
        return
    previous = user.organisation_id
    user.organisation = organisation
    user.save(update_fields=["organisation"])
    vetting_revoke(subject=user, actor=actor, reason="organisation changed")
    audit_log(
        action="person.organisation_changed",
        actor=actor,
        target=f"person:{user.audit_pid}",
        data={"from": previous, "to": organisation.pk if organisation else None},
    )


@transaction.atomic
def organisation_change_kind(*, organisation: Organisation, kind: str, actor: User | None) -> None:
    """A change of kind resets the vetting of everyone in the organisation."""
    if organisation.kind == kind:
        return
    previous = organisation.kind
    organisation.kind = kind
    organisation.save(update_fields=["kind"])
    for person in User.objects.filter(organisation=organisation):
        vetting_revoke(subject=person, actor=actor, reason="organisation kind changed")
    audit_log(
        action="organisation.kind_changed",
        actor=actor,
        target=f"organisation:{organisation.pk}",
        data={"from": previous, "to": kind},
    )


def _may_grant(*, actor: User | None, role: str, network_id: int | None) -> bool:
    if actor is None:  # the `lenhub` command, run by whoever runs the installation
        return True
    if user_has_role(user=actor, role=Role.OPERATOR):
        return True
    network_scoped = {Role.NATIONAL_CONTACT, Role.GROUP_LEADER, Role.CORE_GROUP}
    return (
        role in network_scoped
        and network_id is not None
        and user_has_role(user=actor, role=Role.SECRETARIAT, network_id=network_id)
    )


@transaction.atomic
def role_grant(
    *,
    user: User,
    role: str,
    actor: User | None,
    network_id: int | None = None,
    group_id: int | None = None,
    country: Country | None = None,
    is_deputy: bool = False,
) -> RoleAssignment:
    """Operators grant any role; a network's secretariat grants its National Contacts,
    group leaders and core group members."""
    if group_id is not None and network_id is None:
        from lenhub.networks.models import Group

        network_id = Group.objects.values_list("network_id", flat=True).get(pk=group_id)
    if not _may_grant(actor=actor, role=role, network_id=network_id):
        raise PermissionDenied(gettext("You may not grant this role."))
    assignment, _ = RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        network_id=network_id if role != Role.GROUP_LEADER else None,
        group_id=group_id,
        country=country,
        defaults={"is_deputy": is_deputy, "granted_by": actor},
    )
    audit_log(
        action="role.granted",
        actor=actor,
        target=f"person:{user.audit_pid}",
        data={
            "role": role,
            "network": network_id,
            "group": group_id,
            "country": country.pk if country else None,
            "deputy": is_deputy,
        },
    )
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, actor: User | None) -> None:
    network_id = assignment.network_id
    if network_id is None and assignment.group is not None:  # a group leader
        network_id = assignment.group.network_id
    if not _may_grant(actor=actor, role=assignment.role, network_id=network_id):
        raise PermissionDenied(gettext("You may not revoke this role."))
    audit_log(
        action="role.revoked",
        actor=actor,
        target=f"person:{assignment.user.audit_pid}",
        data={"role": assignment.role, "network": assignment.network_id},
    )
    assignment.delete()


@transaction.atomic
def user_sign_out_everywhere(*, user: User) -> None:
    """End every session (and, later, every token and socket) of this person at once."""
    User.objects.filter(pk=user.pk).update(auth_epoch=user.auth_epoch + 1)
    user.refresh_from_db(fields=["auth_epoch"])
    audit_log(action="auth.signed_out_everywhere", actor=user, target=f"person:{user.audit_pid}")


def user_is_vetted(*, user: User) -> bool:
    return vetting_current(user=user) is not None
