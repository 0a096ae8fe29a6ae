"""Writes for practitioners' needs (issue 6, item 1): report (draft, edit, submit),
curate (accept, merge a duplicate, reject with a reason), comment and support.

Every write runs in a transaction and checks the actor's rights here, whatever the
surface. Audiences go through ``restricted_set_audience`` only. A draft is shown to its
reporter alone by the one policy: its audience is the chosen one narrowed to named
participants, with the reporter as the only participant; submitting gives it the chosen
audience. Each state change writes a ``NeedEvent``, an audit entry and notifies the
people concerned who may still read the need (``lenhub.monitoring``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lenhub.access.models import TLP
from lenhub.access.policy import (
    LEA,
    PARTICIPANTS,
    PUBLIC,
    TLP_ORDER,
    AudienceError,
    Viewer,
    audience_intersection,
    can_view,
    is_network_member,
    is_wider,
    item_audience,
    normalize_audience,
    validate_audience_for_label,
    viewer_for_user,
)
from lenhub.access.services import may_widen, restricted_add_participant, restricted_set_audience
from lenhub.audit.services import audit_log
from lenhub.needs.models import Need, NeedComment, NeedEvent, NeedStatus, NeedSupport

if TYPE_CHECKING:
    from lenhub.accounts.models import Country, User
    from lenhub.networks.models import Network

logger = logging.getLogger("lenhub.needs")

FIELDS = ("kind", "title", "problem", "current_practice", "capability_wanted",
          "operational_context", "crime_area", "urgency")  # fmt: skip

# Labels a reporter may give a need; TLP:RED needs named participants.
NEED_LABELS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)

EDITABLE_STATUSES = (NeedStatus.DRAFT, NeedStatus.SUBMITTED)
OPEN_STATUSES = (NeedStatus.SUBMITTED, NeedStatus.ACCEPTED)  # supported, commented, merged


class NeedStateError(Exception):
    """A change the need's state does not allow (e.g. accepting a draft)."""


def _target(need: Need) -> str:
    return f"needs.need:{need.pk}"


# --- who may do what ----------------------------------------------------------------------


def may_report(*, viewer: Viewer, network_id: int) -> bool:
    """Vetted members of the network (``network:<id>`` is only held with vetting, a
    second factor and membership in force) report needs to it."""
    return (
        viewer.is_member
        and viewer.organisation_id is not None
        and is_network_member(viewer, network_id)
    )


def may_edit(*, viewer: Viewer, need: Need) -> bool:
    """The reporter edits their need until it is curated, while they may still see it."""
    return (
        need.status in EDITABLE_STATUSES
        and need.reporter_id is not None
        and need.reporter_id == viewer.user_id
        and may_report(viewer=viewer, network_id=need.network_id)
        and can_view(viewer, need)
    )


def may_curate(*, viewer: Viewer, actor: Any, need: Need) -> bool:
    """The network's secretariat, and its National Contacts for the reporter's country,
    curate needs they may read; never their own."""
    from lenhub.accounts.models import Role, RoleAssignment

    if actor is None or not getattr(actor, "is_active", False) or not viewer.is_member:
        return False
    if viewer.user_id != actor.pk or need.reporter_id == actor.pk:
        return False
    roles = RoleAssignment.objects.filter(user_id=actor.pk, network_id=need.network_id)
    holds = roles.filter(role=Role.SECRETARIAT).exists() or (
        bool(need.reporter_country)
        and roles.filter(role=Role.NATIONAL_CONTACT, country_id=need.reporter_country).exists()
    )
    return holds and can_view(viewer, need)


def curation_scope(*, actor: Any) -> Q:
    """The needs (by network and reporter country) this person curates by role."""
    from lenhub.accounts.models import Role, RoleAssignment

    roles = RoleAssignment.objects.filter(user_id=actor.pk)
    condition = Q(network_id__in=roles.filter(role=Role.SECRETARIAT).values("network_id"))
    for network_id, country_id in roles.filter(role=Role.NATIONAL_CONTACT).values_list(
        "network_id", "country_id"
    ):
        condition |= Q(network_id=network_id, reporter_country=country_id)
    return condition


def may_take_part(*, viewer: Viewer, need: Need) -> bool:
    """Vetted members who may read a submitted or accepted need comment on and support it."""
    return (
        viewer.is_member
        and viewer.organisation_id is not None
        and need.status in OPEN_STATUSES
        and can_view(viewer, need)
    )


def need_audience_allowed(
    *, viewer: Viewer, actor: Any, network_id: int, audience: Iterable[str]
) -> bool:
    """A need reaches its network or fewer: ``network:<id>`` and, optionally, law
    enforcement, a group of that network or named participants, each only when the
    reporter holds it. Public is for those who hold the right to widen."""
    from lenhub.networks.models import Group

    wanted = normalize_audience(audience)
    if wanted == {PUBLIC}:
        return actor is not None and may_widen(actor=actor)
    network = f"network:{network_id}"
    if network not in wanted:
        return False
    for atom in wanted - {network, PARTICIPANTS}:
        if atom not in viewer.keys:
            return False
        if atom == LEA:
            continue
        if not atom.startswith("group:"):
            return False
        if not Group.objects.filter(pk=int(atom.split(":")[1]), network_id=network_id).exists():
            return False
    return True


def _check_audience(
    *, viewer: Viewer, actor: Any, network_id: int, audience: Iterable[str], tlp: str
) -> frozenset[str]:
    if tlp not in NEED_LABELS:
        raise AudienceError(_("Unknown TLP label."))
    try:
        wanted = validate_audience_for_label(audience, tlp)
    except AudienceError:
        raise
    if not need_audience_allowed(
        viewer=viewer, actor=actor, network_id=network_id, audience=wanted
    ):
        raise AudienceError(_("You may not address this audience."))
    return wanted


def _draft_audience(intended: frozenset[str]) -> frozenset[str]:
    return audience_intersection(intended, {PARTICIPANTS})


def _reporter_country(viewer: Viewer) -> str:
    from lenhub.accounts.models import Organisation

    if viewer.organisation_id is None:
        return ""
    organisation = Organisation.objects.filter(pk=viewer.organisation_id).first()
    return organisation.country_id if organisation and organisation.country_id else ""


# --- reporting ----------------------------------------------------------------------------


@transaction.atomic
def need_create(
    *,
    viewer: Viewer,
    actor: User,
    network: Network,
    fields: dict[str, Any],
    countries: Iterable[Country] = (),
    audience: Iterable[str] | None = None,
    tlp: str = TLP.GREEN,
) -> Need:
    """A member reports a need to a network; it starts as a draft only they can see.
    The audience defaults to the network's members."""
    if not may_report(viewer=viewer, network_id=network.pk):
        raise PermissionDenied(_("Only vetted members of this network may report needs to it."))
    wanted = _check_audience(
        viewer=viewer,
        actor=actor,
        network_id=network.pk,
        audience=audience if audience is not None else [f"network:{network.pk}"],
        tlp=tlp,
    )
    need = Need(
        network=network,
        **{name: fields[name] for name in FIELDS if name in fields},
        reporter=actor,
        reporter_country=_reporter_country(viewer),
        status=NeedStatus.DRAFT,
        tlp=tlp,
        intended_audience=" ".join(sorted(wanted)),
        originator_organisation_id=viewer.organisation_id,
    )
    need.full_clean(exclude=["audience_keys", "participants", "countries"])
    need.save()
    need.countries.set(list(countries))
    restricted_set_audience(item=need, audience=_draft_audience(wanted), tlp=tlp, actor=actor)
    restricted_add_participant(item=need, person=actor, actor=actor)
    NeedEvent.objects.create(need=need, from_status="", to_status=NeedStatus.DRAFT, actor=actor)
    audit_log(
        action="need.created",
        actor=actor,
        target=_target(need),
        data={"network": network.pk, "audience": sorted(wanted), "tlp": tlp},
    )
    return need


@transaction.atomic
def need_update(
    *,
    need: Need,
    viewer: Viewer,
    actor: User,
    fields: dict[str, Any],
    countries: Iterable[Country] | None = None,
    audience: Iterable[str] | None = None,
    tlp: str | None = None,
) -> Need:
    """The reporter edits a draft, or a submitted need before it is curated. After
    submission, widening its audience or lowering its label needs its own right."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    if not may_edit(viewer=viewer, need=need):
        raise PermissionDenied(_("Only the reporter may edit this need before it is curated."))
    current = frozenset(need.intended_audience.split())
    label = tlp or need.tlp
    wanted = frozenset(audience) if audience is not None else current
    if wanted != current or label != need.tlp:
        wanted = _check_audience(
            viewer=viewer, actor=actor, network_id=need.network_id, audience=wanted, tlp=label
        )
    for name in FIELDS:
        if name in fields:
            setattr(need, name, fields[name])
    need.full_clean(exclude=["audience_keys", "participants", "countries", "tlp"])
    need.intended_audience = " ".join(sorted(wanted))
    need.save()
    if countries is not None:
        need.countries.set(list(countries))
    if need.status == NeedStatus.DRAFT:
        restricted_set_audience(item=need, audience=_draft_audience(wanted), tlp=label, actor=actor)
    else:
        restricted_set_audience(item=need, audience=wanted, tlp=label, actor=actor, published=True)
    audit_log(
        action="need.edited",
        actor=actor,
        target=_target(need),
        data={"audience": sorted(wanted), "tlp": label, "status": need.status},
    )
    return need


@transaction.atomic
def need_submit(*, need: Need, viewer: Viewer, actor: User) -> Need:
    """The reporter submits their draft: it gets the audience they chose and waits for
    curation."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    if not may_edit(viewer=viewer, need=need):
        raise PermissionDenied(_("Only the reporter may submit this need."))
    if need.status != NeedStatus.DRAFT:
        raise NeedStateError(_("Only a draft can be submitted."))
    wanted = _check_audience(
        viewer=viewer,
        actor=actor,
        network_id=need.network_id,
        audience=need.intended_audience.split(),
        tlp=need.tlp,
    )
    restricted_set_audience(item=need, audience=wanted, tlp=need.tlp, actor=actor)
    if PARTICIPANTS not in wanted:  # the reporter was named only to keep the draft theirs
        need.participants.clear()
    need.submitted_at = timezone.now()
    _transition(need, NeedStatus.SUBMITTED, actor=actor, action="need.submitted")
    return need


# --- curating -----------------------------------------------------------------------------


def _curatable(need: Need, *, viewer: Viewer, actor: User) -> Need:
    locked = Need.objects.select_for_update().get(pk=need.pk)
    if not may_curate(viewer=viewer, actor=actor, need=locked):
        raise PermissionDenied(_("You may not curate this need."))
    return locked


@transaction.atomic
def need_accept(*, need: Need, viewer: Viewer, actor: User) -> Need:
    need = _curatable(need, viewer=viewer, actor=actor)
    if need.status != NeedStatus.SUBMITTED:
        raise NeedStateError(_("Only a need waiting for curation can be accepted."))
    need.decided_at = timezone.now()
    _transition(need, NeedStatus.ACCEPTED, actor=actor, action="need.accepted")
    need_id = need.pk
    transaction.on_commit(lambda: need_links_suggest_safely(need_id=need_id))
    return need


def need_links_suggest_safely(*, need_id: int) -> None:
    """Suggest knowledge items for a need just accepted (gap analysis). Runs after the
    acceptance commits, in the process, like the other on-commit work (the search index,
    domain events): ``make run`` has no task worker, and a suggestion is a quick search.
    A failure is logged and never undoes or blocks the curation; a curator can ask for
    suggestions again on the need's knowledge links page."""
    from lenhub.needs.gaps import need_links_suggest

    try:
        need = Need.objects.filter(pk=need_id, status=NeedStatus.ACCEPTED).first()
        if need is not None:
            need_links_suggest(need=need)
    except Exception:
        logger.exception("suggesting knowledge links for need %s failed", need_id)


@transaction.atomic
def need_reject(*, need: Need, viewer: Viewer, actor: User, reason: str) -> Need:
    need = _curatable(need, viewer=viewer, actor=actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the need is rejected.")})
    if need.status != NeedStatus.SUBMITTED:
        raise NeedStateError(_("Only a need waiting for curation can be rejected."))
    need.decision_reason = reason
    need.decided_at = timezone.now()
    _transition(need, NeedStatus.REJECTED, actor=actor, action="need.rejected", reason=reason)
    return need


def merge_refusal(*, duplicate: Need, target: Need) -> str:
    """Why ``duplicate`` may not be merged into ``target`` ("" when it may). A merge
    never widens anything: the supports and comments of the duplicate move to the target,
    so the target must reach the same readers or fewer, under the same label or a
    stricter one."""
    if target.pk == duplicate.pk:
        return _("A need cannot be merged into itself.")
    if target.network_id != duplicate.network_id:
        return _("Needs can only be merged within one network.")
    if target.status not in OPEN_STATUSES:
        return _("The need to merge into must be waiting for curation or accepted.")
    dup_audience, target_audience = item_audience(duplicate), item_audience(target)
    if not dup_audience or not target_audience or is_wider(target_audience, dup_audience):
        return _(
            "The need to merge into reaches readers the duplicate does not: its audience "
            "must be the same as the duplicate's or narrower."
        )
    if TLP_ORDER[target.tlp] < TLP_ORDER[duplicate.tlp]:
        return _("The need to merge into has a less restrictive label than the duplicate.")
    if PARTICIPANTS in target_audience:
        named = set(duplicate.participants.values_list("pk", flat=True))
        if (
            PARTICIPANTS not in dup_audience
            or not set(target.participants.values_list("pk", flat=True)) <= named
        ):
            return _("The need to merge into names people the duplicate does not.")
    return ""


@transaction.atomic
def need_merge(*, need: Need, target: Need, viewer: Viewer, actor: User) -> Need:
    """Merge a duplicate into ``target`` (which the curator must see): its supports and
    comments move to the target, and it shows "merged into" to those who may see it."""
    duplicate = _curatable(need, viewer=viewer, actor=actor)
    target = Need.objects.select_for_update().get(pk=target.pk)
    if not can_view(viewer, target):
        raise PermissionDenied(_("You may not see the need to merge into."))
    if duplicate.status not in OPEN_STATUSES:
        raise NeedStateError(_("Only a need waiting for curation or accepted can be merged."))
    refusal = merge_refusal(duplicate=duplicate, target=target)
    if refusal:
        raise NeedStateError(refusal)
    supporters = list(duplicate.supports.values_list("user_id", flat=True))
    already = set(target.supports.values_list("user_id", flat=True))
    moved = duplicate.supports.exclude(user_id__in=already).update(need=target)
    duplicate.supports.filter(user_id__in=already).delete()
    comments = duplicate.comments.update(need=target)
    duplicate.merged_into = target
    duplicate.decided_at = timezone.now()
    _transition(
        duplicate,
        NeedStatus.MERGED,
        actor=actor,
        action="need.merged",
        other=target,
        extra={"supports_moved": moved, "comments_moved": comments},
        also_notify=supporters,
    )
    return duplicate


# --- state changes ------------------------------------------------------------------------


def _transition(
    need: Need,
    to: str,
    *,
    actor: User,
    action: str,
    reason: str = "",
    other: Need | None = None,
    extra: dict[str, Any] | None = None,
    also_notify: Iterable[int] = (),
) -> NeedEvent:
    previous = need.status
    need.status = to
    need.save()
    event = NeedEvent.objects.create(
        need=need, from_status=previous, to_status=to, actor=actor, reason=reason,
        other_need=other,
    )  # fmt: skip
    audit_log(
        action=action,
        actor=actor,
        target=_target(need),
        data={"from": previous, "to": to, "other": other.pk if other else None, **(extra or {})},
    )
    people = {need.reporter_id, *need.supports.values_list("user_id", flat=True), *also_notify}
    _notify(need, kind="need_status_changed", key=f"need:{need.pk}:event:{event.pk}",
            detail=to, people=people - {actor.pk, None})  # fmt: skip
    return event


def _notify(need: Need, *, kind: str, key: str, detail: str, people: set[int | None]) -> None:
    """An update naming the need (no copied content) and a notification for each person
    concerned who may read the need now; emails follow its label."""
    from lenhub.accounts.models import User
    from lenhub.monitoring.models import Update
    from lenhub.monitoring.services import update_notify_people

    update, _created = Update.objects.get_or_create(
        key=key, defaults={"kind": kind, "need": need, "detail": detail[:40]}
    )
    users = User.objects.filter(pk__in=[p for p in people if p is not None], is_active=True)
    update_notify_people(update, users=list(users.order_by("pk")))


# --- comments and supports ----------------------------------------------------------------


@transaction.atomic
def need_comment_add(*, need: Need, viewer: Viewer, actor: User, body: str) -> NeedComment:
    if not may_take_part(viewer=viewer, need=need):
        raise PermissionDenied(_("You may not comment on this need."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment.")})
    comment = NeedComment.objects.create(need=need, author=actor, body=body[:10_000])
    audit_log(action="need.commented", actor=actor, target=_target(need),
              data={"comment": comment.pk})  # fmt: skip
    commenters = set(need.comments.values_list("author_id", flat=True))
    _notify(need, kind="need_commented", key=f"need:{need.pk}:comment:{comment.pk}",
            detail="", people=({need.reporter_id} | commenters) - {actor.pk})  # fmt: skip
    return comment


@transaction.atomic
def need_support_set(*, need: Need, viewer: Viewer, actor: User, support: bool) -> bool:
    """Support a need (once per member) or withdraw the support; returns whether the
    member supports it now. The country is the supporter's organisation's."""
    if not may_take_part(viewer=viewer, need=need):
        raise PermissionDenied(_("You may not support this need."))
    existing = NeedSupport.objects.filter(need=need, user=actor)
    if not support:
        existing.delete()
        return False
    if not existing.exists():
        NeedSupport.objects.get_or_create(
            need=need, user=actor, defaults={"country_code": _reporter_country(viewer)}
        )
    return True


def need_support_toggle(*, need: Need, viewer: Viewer, actor: User) -> bool:
    supported = NeedSupport.objects.filter(need=need, user=actor).exists()
    return need_support_set(need=need, viewer=viewer, actor=actor, support=not supported)


def viewer_of(user: User) -> Viewer:
    """A person's rights now, as for a token (a second factor they hold)."""
    return viewer_for_user(user, mfa_verified=True)
