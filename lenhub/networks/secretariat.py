"""Secretariat tools (issue 4, item 7): a network's secretariat manages its structures,
its National Contact assignments and its member organisations.

``access_network_as_secretariat`` fetches and authorises in one step; the ``do``
functions below assume it was called and re-check the role themselves, so a caller that
forgot cannot write. Every write is audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.http import Http404
from django.utils.translation import gettext as _

from lenhub.access.services import audience_key_in_use
from lenhub.accounts.models import Country, Organisation, Role, RoleAssignment, User
from lenhub.accounts.selectors import user_has_role
from lenhub.accounts.services import role_grant, role_revoke
from lenhub.audit.services import audit_log
from lenhub.networks.models import CLOSED_GROUP_KINDS, Group, Network, OrganisationMembership

GROUP_FIELDS = ("name", "kind", "area", "leader_note", "is_default")


def may_manage_network(*, user: Any, network: Network, mfa: bool) -> bool:
    """The network's secretariat, on an active account, signed in with a second factor."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not user.is_active:
        return False
    if not mfa:
        return False
    return user_has_role(user=user, role=Role.SECRETARIAT, network_id=network.pk)


def access_network_as_secretariat(*, user: Any, acronym: str, mfa: bool) -> Network:
    """The network, if ``user`` may manage it; ``Http404`` for "no such network" and
    "not allowed" alike."""
    network = Network.objects.filter(acronym=acronym).first()
    if network is None or not may_manage_network(user=user, network=network, mfa=mfa):
        raise Http404
    return network


def _check(actor: User, network: Network) -> None:
    if not user_has_role(user=actor, role=Role.SECRETARIAT, network_id=network.pk):
        raise PermissionDenied(_("Only the network's secretariat may do this."))


def _group_data(group: Group) -> dict[str, Any]:
    return {name: getattr(group, name) for name in GROUP_FIELDS}


# --- structures -------------------------------------------------------------------------


def _check_default(data: dict[str, Any]) -> None:
    if data.get("is_default") and data.get("kind") in CLOSED_GROUP_KINDS:
        raise ValidationError(
            _("Nobody joins a core group or a secretariat by default: add its members one "
              "by one.")
        )  # fmt: skip


@transaction.atomic
def group_create(*, network: Network, actor: User, data: dict[str, Any]) -> Group:
    _check(actor, network)
    _check_default(data)
    group = Group.objects.create(network=network, **{k: data[k] for k in GROUP_FIELDS})
    audit_log(
        action="group.created",
        actor=actor,
        target=f"group:{group.pk}",
        data={"network": network.pk, "kind": group.kind, "default": group.is_default},
    )
    return group


@transaction.atomic
def group_update(*, group: Group, actor: User, data: dict[str, Any]) -> bool:
    """Change a group's fields; ``False`` when nothing changed (nothing is audited)."""
    _check(actor, group.network)
    _check_default(data)
    before = _group_data(group)
    for name in GROUP_FIELDS:
        setattr(group, name, data[name])
    changed = sorted(name for name in GROUP_FIELDS if before[name] != getattr(group, name))
    if not changed:
        return False
    group.save(update_fields=changed)
    audit_log(
        action="group.updated",
        actor=actor,
        target=f"group:{group.pk}",
        data={"network": group.network_id, "fields": changed},
    )
    return True


@transaction.atomic
def group_delete(*, group: Group, actor: User) -> None:
    """Delete a group with its memberships and leader roles. Refused while other
    modules hold content in it."""
    _check(actor, group.network)
    pk, network_id, members = group.pk, group.network_id, group.memberships.count()
    if audience_key_in_use(f"group:{pk}"):
        raise ValidationError(
            _("%(group)s still holds content; move or delete that first.") % {"group": group.name}
        )
    for assignment in RoleAssignment.objects.filter(group=group).select_related("user"):
        role_revoke(assignment=assignment, actor=actor)
    try:
        with transaction.atomic():
            group.delete()
    except (ProtectedError, RestrictedError):
        raise ValidationError(
            _("%(group)s still holds content; move or delete that first.") % {"group": group.name}
        ) from None
    audit_log(
        action="group.deleted",
        actor=actor,
        target=f"group:{pk}",
        data={"network": network_id, "members": members},
    )


# --- National Contacts ------------------------------------------------------------------


def national_contacts(*, network: Network) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(network=network, role=Role.NATIONAL_CONTACT)
        .select_related("user", "user__organisation", "country")
        .order_by("country__name", "is_deputy", "user__display_name")
    )


@transaction.atomic
def national_contact_assign(
    *, network: Network, actor: User, email: str, country: Country, is_deputy: bool
) -> RoleAssignment:
    """Make the person with this address the network's National Contact (or deputy)
    for ``country``, through ``role_grant`` (which checks and audits the grant)."""
    _check(actor, network)
    person = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if person is None:
        raise ValidationError(_("No active account has this email address."))
    if national_contacts(network=network).filter(user=person, country=country).exists():
        raise ValidationError(
            _("%(person)s is already a National Contact for %(country)s; revoke that first.")
            % {"person": person.display_name, "country": country}
        )
    return role_grant(
        user=person,
        role=Role.NATIONAL_CONTACT,
        actor=actor,
        network_id=network.pk,
        country=country,
        is_deputy=is_deputy,
    )


def access_national_contact(*, network: Network, pk: Any) -> RoleAssignment:
    assignment = national_contacts(network=network).filter(pk=pk).first()
    if assignment is None:
        raise Http404
    return assignment


def national_contact_revoke(*, assignment: RoleAssignment, actor: User) -> None:
    if assignment.role != Role.NATIONAL_CONTACT or assignment.network is None:
        raise PermissionDenied
    _check(actor, assignment.network)
    role_revoke(assignment=assignment, actor=actor)


# --- member organisations ---------------------------------------------------------------


def member_organisations(*, network: Network) -> QuerySet[OrganisationMembership]:
    return network.organisation_memberships.select_related(
        "organisation", "organisation__country"
    ).order_by("organisation__country__name", "organisation__name")


def access_organisation_membership(*, network: Network, pk: Any) -> OrganisationMembership:
    membership = member_organisations(network=network).filter(pk=pk).first()
    if membership is None:
        raise Http404
    return membership


@transaction.atomic
def organisation_membership_add(
    *,
    network: Network,
    actor: User,
    organisation: Organisation,
    status: str,
    since: date | None = None,
) -> OrganisationMembership:
    _check(actor, network)
    if OrganisationMembership.objects.filter(network=network, organisation=organisation).exists():
        raise ValidationError(
            _("%(organisation)s is already a member organisation.")
            % {"organisation": organisation.name}
        )
    membership = OrganisationMembership.objects.create(
        network=network, organisation=organisation, status=status, since=since
    )
    audit_log(
        action="organisation_membership.added",
        actor=actor,
        target=f"organisation:{organisation.pk}",
        data={"network": network.pk, "status": status},
    )
    return membership


@transaction.atomic
def organisation_membership_set_status(
    *, membership: OrganisationMembership, actor: User, status: str
) -> bool:
    _check(actor, membership.network)
    if membership.status == status:
        return False
    previous = membership.status
    membership.status = status
    membership.save(update_fields=["status"])
    audit_log(
        action="organisation_membership.changed",
        actor=actor,
        target=f"organisation:{membership.organisation_id}",
        data={"network": membership.network_id, "from": previous, "to": status},
    )
    return True


@transaction.atomic
def organisation_membership_remove(*, membership: OrganisationMembership, actor: User) -> None:
    _check(actor, membership.network)
    audit_log(
        action="organisation_membership.removed",
        actor=actor,
        target=f"organisation:{membership.organisation_id}",
        data={"network": membership.network_id, "status": membership.status},
    )
    membership.delete()
