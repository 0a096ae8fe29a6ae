"""Joining, leaving and keeping up memberships (DESIGN §1 and §4). Each write is audited;
people hear about each step by email; ``membership_approved`` and ``membership_ended``
are emitted on commit for the modules that subscribe to them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from lenhub.accounts.models import Role, RoleAssignment, User
from lenhub.accounts.selectors import vetting_current
from lenhub.accounts.services import vetting_grant
from lenhub.audit.services import audit_log
from lenhub.core.events import event_emit
from lenhub.networks.models import (
    CLOSED_GROUP_KINDS,
    ApplicationStatus,
    GroupMembership,
    JoinApplication,
    MembershipStatus,
    Network,
    NetworkMembership,
)
from lenhub.networks.selectors import (
    application_deciders,
    may_decide,
    national_contacts,
    secretariat,
)

MIN_REASON = 10


def _mail(recipients: list[User], template: str, context: Mapping[str, object]) -> None:
    """Plain-text email, sent once the transaction commits. Messages name the network
    and the applicant's display name, never restricted content."""
    addresses = sorted({person.email for person in recipients if person.is_active})
    if not addresses:
        return
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"networks/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"networks/email/{template}.txt", context)

    def send() -> None:
        for address in addresses:  # one message each: recipients do not see one another
            send_mail(subject, body, None, [address])

    transaction.on_commit(send)


def _is_suspended(*, user: User, network: Network) -> bool:
    return NetworkMembership.objects.filter(
        user=user, network=network, status=MembershipStatus.SUSPENDED
    ).exists()


@transaction.atomic
def application_submit(
    *, user: User, network: Network, position: str, motivation: str
) -> JoinApplication:
    if not network.accepts_applications:
        raise ValidationError(_("This body does not take applications on lenhub."))
    organisation = user.organisation
    if organisation is None or organisation.country_id is None:
        raise ValidationError(_("Name your organisation in your profile before applying."))
    if not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True):
        raise ValidationError(_("Verify your email address before applying."))
    position, motivation = position.strip(), motivation.strip()
    if not position or len(motivation) < MIN_REASON:
        raise ValidationError(_("Give your position and a few words of motivation."))
    active = NetworkMembership.objects.filter(
        user=user, network=network, status=MembershipStatus.ACTIVE
    )
    if active.exists():
        raise ValidationError(_("You are already a member of %(network)s.") % {"network": network})
    if _is_suspended(user=user, network=network):
        raise ValidationError(_("Your membership of %(network)s is suspended; its secretariat "
                                "can tell you more.") % {"network": network})  # fmt: skip
    if JoinApplication.objects.filter(
        user=user, network=network, status=ApplicationStatus.PENDING
    ).exists():
        raise ValidationError(_("Your application to %(network)s is already waiting.")
                              % {"network": network})  # fmt: skip
    application = JoinApplication.objects.create(
        user=user,
        network=network,
        organisation=organisation,
        country_id=organisation.country_id,
        position=position[:120],
        motivation=motivation,
    )
    audit_log(
        action="membership.applied",
        actor=user,
        target=f"network:{network.pk}",
        data={"application": application.pk, "country": organisation.country_id},
    )
    context = {"application": application, "network": network}
    _mail([user], "application_received", context)
    _mail(list(application_deciders(application=application)), "application_to_decide", context)
    event_emit("application_submitted", application_id=application.pk)
    return application


def _locked_pending(application: JoinApplication) -> JoinApplication:
    locked = JoinApplication.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if locked.status != ApplicationStatus.PENDING:
        raise ValidationError(_("This application has already been decided."))
    return locked


@transaction.atomic
def application_approve(
    *, application: JoinApplication, decider: User, mfa: bool, vetting_reason: str = ""
) -> NetworkMembership:
    """Approve: vet the applicant where needed, make them a member, join the network's
    default groups, tell them, and emit ``membership_approved``."""
    application = _locked_pending(application)
    if not may_decide(user=decider, application=application, mfa=mfa):
        raise PermissionDenied(_("You may not decide this application."))
    applicant = application.user
    if applicant.organisation_id != application.organisation_id:
        raise ValidationError(
            _("The applicant has changed organisation since applying; ask them to apply again.")
        )
    if _is_suspended(user=applicant, network=application.network):
        raise ValidationError(_("The applicant's membership of this network is suspended."))
    if vetting_current(user=applicant) is None:
        vetting_grant(subject=applicant, vetter=decider, reason=vetting_reason)
    network = application.network
    now = timezone.now()
    membership, _created = NetworkMembership.objects.update_or_create(
        user=applicant,
        network=network,
        defaults={
            "status": MembershipStatus.ACTIVE,
            "joined_at": now,
            "confirmed_at": now,
            "expires_at": now + timedelta(days=network.membership_days),
            "ended_at": None,
            "reminded_at": None,
        },
    )
    for group in network.groups.filter(is_default=True).exclude(kind__in=CLOSED_GROUP_KINDS):
        GroupMembership.objects.get_or_create(user=applicant, group=group)
    application.status = ApplicationStatus.APPROVED
    application.decided_by = decider
    application.decided_at = now
    application.save(update_fields=["status", "decided_by", "decided_at"])
    audit_log(
        action="membership.approved",
        actor=decider,
        target=f"person:{applicant.audit_pid}",
        data={"network": network.pk, "application": application.pk},
    )
    _mail([applicant], "application_approved", {"application": application, "network": network})
    event_emit("membership_approved", user_id=applicant.pk, network_id=network.pk)
    return membership


@transaction.atomic
def application_reject(
    *, application: JoinApplication, decider: User, mfa: bool, reason: str
) -> JoinApplication:
    application = _locked_pending(application)
    if not may_decide(user=decider, application=application, mfa=mfa):
        raise PermissionDenied(_("You may not decide this application."))
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise ValidationError(_("Give the applicant a reason (at least ten characters)."))
    application.status = ApplicationStatus.REJECTED
    application.reason = reason
    application.decided_by = decider
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    audit_log(
        action="membership.rejected",
        actor=decider,
        target=f"person:{application.user.audit_pid}",
        data={"network": application.network_id, "application": application.pk},
    )
    _mail(
        [application.user],
        "application_rejected",
        {"application": application, "network": application.network},
    )
    return application


@transaction.atomic
def application_withdraw(*, application: JoinApplication, user: User) -> None:
    application = _locked_pending(application)
    if application.user_id != user.pk:
        raise PermissionDenied
    application.status = ApplicationStatus.WITHDRAWN
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_at"])
    audit_log(action="membership.withdrawn", actor=user, target=f"network:{application.network_id}")


def _end_network_roles(membership: NetworkMembership, status: str) -> None:
    """A person whose membership ends stops acting for the network at once: National
    Contact (and deputy), secretariat, core group and group leader roles in it end with
    the membership, each audited. The secretariat assigns them again if they return."""
    roles = RoleAssignment.objects.filter(user_id=membership.user_id).filter(
        Q(network_id=membership.network_id) | Q(group__network_id=membership.network_id)
    )
    for assignment in roles.select_related("user"):
        audit_log(
            action="role.revoked",
            target=f"person:{assignment.user.audit_pid}",
            data={
                "role": assignment.role,
                "network": membership.network_id,
                "group": assignment.group_id,
                "because": f"membership {status}",
            },
        )
        assignment.delete()


def _end(membership: NetworkMembership, status: str) -> None:
    membership.status = status
    membership.ended_at = timezone.now()
    membership.save(update_fields=["status", "ended_at"])
    GroupMembership.objects.filter(user=membership.user, group__network=membership.network).delete()
    _end_network_roles(membership, status)
    event_emit(
        "membership_ended",
        user_id=membership.user_id,
        network_id=membership.network_id,
        status=status,
    )


@transaction.atomic
def membership_leave(*, user: User, network: Network) -> None:
    """Leaving takes effect at once: the next request from any session or token of the
    person no longer carries the network's audience key."""
    membership = NetworkMembership.objects.select_for_update().get(
        user=user, network=network, status=MembershipStatus.ACTIVE
    )
    _end(membership, MembershipStatus.LEFT)
    audit_log(action="membership.left", actor=user, target=f"network:{network.pk}")


def may_manage_member(*, actor: User, membership: NetworkMembership) -> bool:
    """The network's secretariat, or a National Contact for the member's country."""
    if actor.pk == membership.user_id:
        return False
    roles = RoleAssignment.objects.filter(user=actor, network=membership.network)
    if roles.filter(role=Role.SECRETARIAT).exists():
        return True
    organisation = membership.user.organisation
    return (
        organisation is not None
        and roles.filter(role=Role.NATIONAL_CONTACT, country_id=organisation.country_id).exists()
        and vetting_current(user=actor) is not None
    )


@transaction.atomic
def membership_suspend(*, membership: NetworkMembership, actor: User, reason: str) -> None:
    membership = NetworkMembership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != MembershipStatus.ACTIVE:  # ended already: nothing to suspend
        raise ValidationError(_("This membership is not active."))
    if not may_manage_member(actor=actor, membership=membership):
        raise PermissionDenied(_("You may not suspend this member."))
    if len(reason.strip()) < MIN_REASON:
        raise ValidationError(_("Give a reason (at least ten characters)."))
    _end(membership, MembershipStatus.SUSPENDED)
    audit_log(
        action="membership.suspended",
        actor=actor,
        target=f"person:{membership.user.audit_pid}",
        data={"network": membership.network_id, "reason": reason.strip()[:200]},
    )
    _mail([membership.user], "membership_suspended",
          {"network": membership.network, "reason": reason.strip()})  # fmt: skip


@transaction.atomic
def membership_reconfirm(*, memberships: list[NetworkMembership], actor: User) -> int:
    """Yearly re-confirmation by a National Contact (or the secretariat), in bulk."""
    now = timezone.now()
    count = 0
    for membership in memberships:
        if membership.status != MembershipStatus.ACTIVE:
            continue
        if not may_manage_member(actor=actor, membership=membership):
            raise PermissionDenied(
                _("You may not re-confirm %(name)s.") % {"name": membership.user}
            )
        membership.confirmed_at = now
        membership.expires_at = now + timedelta(days=membership.network.membership_days)
        membership.reminded_at = None
        membership.save(update_fields=["confirmed_at", "expires_at", "reminded_at"])
        count += 1
    if count:
        audit_log(
            action="membership.reconfirmed",
            actor=actor,
            data={"count": count, "networks": sorted({m.network_id for m in memberships})},
        )
    return count


REMIND_DAYS = 30


@transaction.atomic
def memberships_housekeeping() -> dict[str, int]:
    """Daily: expire lapsed memberships, remind National Contacts of those about to
    lapse, and send undecided applications on to the secretariat."""
    now = timezone.now()
    expired = 0
    lapsed = NetworkMembership.objects.select_related("user", "network").filter(
        status=MembershipStatus.ACTIVE, expires_at__lte=now
    )
    for membership in lapsed:
        _end(membership, MembershipStatus.EXPIRED)
        audit_log(
            action="membership.expired",
            target=f"person:{membership.user.audit_pid}",
            data={"network": membership.network_id},
        )
        _mail([membership.user], "membership_expired", {"network": membership.network})
        expired += 1
    reminded = 0
    due = NetworkMembership.objects.select_related("user", "user__organisation", "network").filter(
        status=MembershipStatus.ACTIVE,
        expires_at__lte=now + timedelta(days=REMIND_DAYS),
        reminded_at__isnull=True,
    )
    to_confirm: dict[tuple[int, str], list[NetworkMembership]] = {}
    for membership in due:
        membership.reminded_at = now
        membership.save(update_fields=["reminded_at"])
        _mail([membership.user], "membership_due", {"membership": membership,
                                                    "network": membership.network})  # fmt: skip
        country = membership.user.organisation.country_id if membership.user.organisation else ""
        to_confirm.setdefault((membership.network_id, country or ""), []).append(membership)
        reminded += 1
    for (network_id, country), memberships in to_confirm.items():
        # The people who re-confirm: the country's National Contacts, else the secretariat.
        confirmers = [
            person
            for person in national_contacts(network_id=network_id, country_id=country)
            if vetting_current(user=person) is not None
        ] or list(secretariat(network_id=network_id))
        _mail(
            confirmers,
            "members_due",
            {"network": memberships[0].network, "count": len(memberships)},
        )
    escalated = 0
    waiting = JoinApplication.objects.select_related("network").filter(
        status=ApplicationStatus.PENDING, escalated_at__isnull=True
    )
    for application in waiting:
        if application.created_at + timedelta(days=application.network.decision_days) > now:
            continue
        application.escalated_at = now
        application.save(update_fields=["escalated_at"])
        audit_log(action="membership.escalated", target=f"network:{application.network_id}",
                  data={"application": application.pk})  # fmt: skip
        _mail(
            list(application_deciders(application=application)),
            "application_to_decide",
            {"application": application, "network": application.network, "escalated": True},
        )
        escalated += 1
    return {"expired": expired, "reminded": reminded, "escalated": escalated}
