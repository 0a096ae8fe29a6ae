"""Writes of the knowledge factory: members contribute results, project concepts, best
practices and technology watch entries, and record their organisation's uptake of
results. Each write runs in a transaction, checks the author's rights here (whatever the
surface), gives the item its audience through the access policy and is audited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from lenhub.access.choices import audience_may_address
from lenhub.access.models import TLP, Restricted
from lenhub.access.policy import (
    MEMBERS,
    PARTICIPANTS,
    PUBLIC,
    AudienceError,
    Viewer,
    audience_intersection,
    can_view,
    effective_tlp,
    item_audience,
    most_restrictive,
)
from lenhub.access.services import restricted_set_audience
from lenhub.audit.services import audit_log
from lenhub.knowledge.models import (
    BestPractice,
    Concept,
    Result,
    TechWatch,
    Uptake,
    UptakeStage,
)

if TYPE_CHECKING:
    from lenhub.accounts.models import User
    from lenhub.networks.models import Group

R = TypeVar("R", bound=Restricted)

EDITABLE = {
    Result: (
        "project", "kind", "title", "description", "trl", "availability", "licence",
        "contact", "url", "published_on",
    ),
    Concept: ("title", "idea", "seeking", "needs_addressed", "contact"),
    BestPractice: ("title", "topic", "country_code", "what_was_done", "lessons", "contact"),
    TechWatch: ("technology", "maturity", "assessment", "reviewed_on"),
}  # fmt: skip


def may_author(*, viewer: Viewer) -> bool:
    """Vetted members, LEA or not, contribute to what is open to members (DESIGN §1):
    the policy grants ``members`` only with current vetting and a second factor."""
    return viewer.is_member and viewer.organisation_id is not None


def may_edit(*, viewer: Viewer, item: Restricted) -> bool:
    """Authors edit their own items while they are vetted members who may still see them."""
    author_id = getattr(item, "author_id", None)
    return (
        may_author(viewer=viewer)
        and author_id is not None
        and author_id == viewer.user_id
        and can_view(viewer, item)
    )


def _target(item: Restricted) -> str:
    return f"{item._meta.label_lower}:{item.pk}"


def _check_audience(*, viewer: Viewer, actor: User, audience: Iterable[str]) -> frozenset[str]:
    wanted = frozenset(audience)
    if not audience_may_address(viewer=viewer, actor=actor, audience=wanted):
        raise AudienceError(_("You may not address this audience."))
    return wanted


@transaction.atomic
def knowledge_item_create(
    *,
    model: type[R],
    viewer: Viewer,
    actor: User,
    fields: dict[str, Any],
    audience: Iterable[str],
    tlp: str,
    groups: Iterable[Group] | None = None,
) -> R:
    """A member contributes a result, concept, best practice or technology watch entry."""
    if not may_author(viewer=viewer):
        raise PermissionDenied(_("Only vetted members may contribute."))
    wanted = _check_audience(viewer=viewer, actor=actor, audience=audience)
    project = fields.get("project")
    if project is not None and not can_view(viewer, project):
        raise PermissionDenied(_("You may not add to this project."))
    values = {name: fields[name] for name in EDITABLE[model] if name in fields}
    item = model(**values, author=actor, tlp=tlp, originator_organisation_id=viewer.organisation_id)
    item.full_clean(exclude=["audience_keys", "participants"])
    item.save()
    if groups is not None:
        item.relevant_groups.set(groups)  # type: ignore[attr-defined]
    effective = restricted_set_audience(item=item, audience=wanted, tlp=tlp, actor=actor)
    audit_log(
        action="knowledge.created",
        actor=actor,
        target=_target(item),
        data={"audience": sorted(effective), "tlp": effective_tlp(item)},
    )
    return item


@transaction.atomic
def knowledge_item_update(
    *,
    item: R,
    viewer: Viewer,
    actor: User,
    fields: dict[str, Any],
    audience: Iterable[str],
    tlp: str,
    groups: Iterable[Group] | None = None,
) -> R:
    """The author edits their item. Widening its audience or lowering its label after
    publication needs its own right (``restricted_set_audience`` checks and audits)."""
    if not may_edit(viewer=viewer, item=item):
        raise PermissionDenied(_("Only the author may edit this."))
    wanted = frozenset(audience)
    if wanted != item_audience(item):
        _check_audience(viewer=viewer, actor=actor, audience=wanted)
    project = fields.get("project")
    if project is not None and not can_view(viewer, project):
        raise PermissionDenied(_("You may not add to this project."))
    for name in EDITABLE[type(item)]:
        if name in fields:
            setattr(item, name, fields[name])
    item.full_clean(exclude=["audience_keys", "participants", "tlp"])
    item.save()
    if groups is not None:
        item.relevant_groups.set(groups)  # type: ignore[attr-defined]
    restricted_set_audience(item=item, audience=wanted, tlp=tlp, actor=actor, published=True)
    if isinstance(item, Result):
        _uptake_follow_result(result=item, actor=actor)
    audit_log(
        action="knowledge.edited",
        actor=actor,
        target=_target(item),
        data={"audience": sorted(item_audience(item)), "tlp": effective_tlp(item)},
    )
    return item


def _uptake_follow_result(*, result: Result, actor: User) -> None:
    """Uptake is never wider than its result: re-narrow every record after a change."""
    for uptake in result.uptakes.all():
        label = most_restrictive(uptake.tlp, effective_tlp(result))
        restricted_set_audience(item=uptake, audience=item_audience(uptake), tlp=label, actor=actor)
        _uptake_copy_participants(uptake)


def _uptake_copy_participants(uptake: Uptake) -> None:
    """A result shared with named people: its uptake is shared with the same people."""
    if PARTICIPANTS in item_audience(uptake):
        uptake.participants.set(uptake.result.participants.all())


@transaction.atomic
def uptake_record(
    *,
    viewer: Viewer,
    actor: User,
    result: Result,
    stage: str,
    note: str = "",
    audience: Iterable[str] | None = None,
    tlp: str | None = None,
) -> tuple[Uptake, bool]:
    """A member records how far their own organisation took up a result: one record per
    organisation and result; recording again moves the stage. The record's audience is
    the result's (or narrower, if the member chooses one they may address)."""
    from lenhub.accounts.models import Organisation

    if not may_author(viewer=viewer):
        raise PermissionDenied(_("Only vetted members may record uptake."))
    if not can_view(viewer, result):
        raise PermissionDenied(_("You may not see this result."))
    if stage not in UptakeStage.values:
        raise AudienceError(_("Unknown stage."))
    assert viewer.organisation_id is not None  # may_author requires it
    organisation = Organisation.objects.get(pk=viewer.organisation_id)
    if not organisation.country_id:
        raise PermissionDenied(_("Your organisation has no country in the directory."))
    # by default members only, even for a public result: that an organisation pilots or
    # buys a tool says something about its capabilities that it does not publish
    wanted = audience_intersection(item_audience(result), [MEMBERS])
    if audience is not None:
        own = _check_audience(viewer=viewer, actor=actor, audience=audience)
        wanted = audience_intersection(own, item_audience(result))  # never wider
    floor = effective_tlp(result)
    if wanted != {PUBLIC}:  # TLP:CLEAR is for what anyone may read
        floor = most_restrictive(floor, TLP.GREEN)
    label = most_restrictive(tlp or floor, floor)
    uptake = (
        Uptake.objects.select_for_update().filter(result=result, organisation=organisation).first()
    )
    created = uptake is None
    if uptake is None:
        uptake = Uptake.objects.create(
            result=result,
            organisation=organisation,
            country_code=organisation.country_id,
            stage=stage,
            note=note,
            recorded_by=actor,
            tlp=label,
            originator_organisation=organisation,
        )
        previous = ""
    else:
        previous = uptake.stage
        uptake.stage, uptake.note, uptake.recorded_by = stage, note, actor
        uptake.country_code = organisation.country_id
        uptake.save(update_fields=["stage", "note", "recorded_by", "country_code"])
    restricted_set_audience(item=uptake, audience=wanted, tlp=label, actor=actor)
    _uptake_copy_participants(uptake)
    audit_log(
        action="knowledge.uptake_recorded" if created else "knowledge.uptake_changed",
        actor=actor,
        target=_target(uptake),
        data={"result": result.pk, "stage": stage, "from": previous, "tlp": label},
    )
    return uptake, created
