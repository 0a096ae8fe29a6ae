from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from lenhub.networks.models import (
    ApplicationStatus,
    GroupMembership,
    JoinApplication,
    MembershipStatus,
    Network,
    NetworkMembership,
)

if TYPE_CHECKING:
    from lenhub.accounts.models import User


def membership_ids(*, user: Any) -> tuple[set[int], set[int]]:
    """Networks the person is a current member of, and groups whose parent network
    membership is current (group access requires it, DESIGN §2)."""
    now = timezone.now()
    network_ids = set(
        NetworkMembership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("network_id", flat=True)
    )
    group_ids = set(
        GroupMembership.objects.filter(user=user, group__network_id__in=network_ids).values_list(
            "group_id", flat=True
        )
    )
    return network_ids, group_ids


def _national_contacts(network_id: int, country_id: str, *, deputy: bool) -> QuerySet[User]:
    from lenhub.accounts.models import Role, User

    return User.objects.filter(
        is_active=True,
        roles__role=Role.NATIONAL_CONTACT,
        roles__network_id=network_id,
        roles__country_id=country_id,
        roles__is_deputy=deputy,
    ).distinct()


def _secretariat(network_id: int) -> QuerySet[User]:
    from lenhub.accounts.models import Role, User

    return User.objects.filter(
        is_active=True, roles__role=Role.SECRETARIAT, roles__network_id=network_id
    ).distinct()


def application_deciders(*, application: JoinApplication) -> list[User]:
    """Who is asked to decide: the National Contact of the applicant's country for the
    network, else a deputy; the secretariat when there is neither, and also once the
    application has waited longer than the network's decision days."""
    from lenhub.accounts.selectors import vetting_current

    def acting(people: QuerySet[User]) -> list[User]:
        # the applicant never decides their own application: when they are the only
        # National Contact for their country, it goes to a deputy or the secretariat
        return [
            person
            for person in people.exclude(pk=application.user_id)
            if vetting_current(user=person) is not None
        ]

    network_id, country_id = application.network_id, application.country_id
    people = acting(_national_contacts(network_id, country_id, deputy=False))
    if not people:
        people = acting(_national_contacts(network_id, country_id, deputy=True))
    if not people or application.escalated_at is not None:
        people += list(_secretariat(network_id).exclude(pk=application.user_id))
    return people


def may_decide(*, user: Any, application: JoinApplication, mfa: bool) -> bool:
    """National Contacts (and deputies) of the applicant's country for that network,
    with their own vetting in force, or the network's secretariat; signed in with a
    second factor; never the applicant."""
    from lenhub.accounts.models import Role, RoleAssignment
    from lenhub.accounts.selectors import vetting_current

    if user is None or not user.is_active or not mfa or user.pk == application.user_id:
        return False
    roles = RoleAssignment.objects.filter(user_id=user.pk, network_id=application.network_id)
    if roles.filter(role=Role.SECRETARIAT).exists():
        return True
    return (
        roles.filter(role=Role.NATIONAL_CONTACT, country_id=application.country_id).exists()
        and vetting_current(user=user) is not None
    )


def applications_to_decide(*, user: Any) -> QuerySet[JoinApplication]:
    """Pending applications this person may decide."""
    from lenhub.accounts.models import Role, RoleAssignment
    from lenhub.accounts.selectors import vetting_current

    roles = RoleAssignment.objects.filter(user_id=user.pk)
    secretariat_of = roles.filter(role=Role.SECRETARIAT).values("network_id")
    contact_for = roles.filter(role=Role.NATIONAL_CONTACT)
    if vetting_current(user=user) is None:  # as in may_decide: their vetting must be in force
        contact_for = contact_for.none()
    condition = Q(network_id__in=secretariat_of)
    for network_id, country_id in contact_for.values_list("network_id", "country_id"):
        condition |= Q(network_id=network_id, country_id=country_id)
    return (
        JoinApplication.objects.filter(status=ApplicationStatus.PENDING)
        .filter(condition)
        .exclude(user_id=user.pk)
        .select_related("user", "network", "organisation", "country")
    )


def network_members(*, network: Network) -> QuerySet[NetworkMembership]:
    now = timezone.now()
    return (
        NetworkMembership.objects.filter(network=network, status=MembershipStatus.ACTIVE)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("user", "user__organisation", "user__organisation__country")
        .order_by("user__organisation__country__name", "user__display_name")
    )


def national_contacts(*, network_id: int, country_id: str) -> list[User]:
    """A country's National Contacts for a network, deputies included."""
    return list(_national_contacts(network_id, country_id, deputy=False)) + list(
        _national_contacts(network_id, country_id, deputy=True)
    )


def secretariat(*, network_id: int) -> QuerySet[User]:
    return _secretariat(network_id)
