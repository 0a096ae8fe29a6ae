"""Writes that change who may read an item. Each is audited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext

from lenhub.access.models import TLP, AudienceKey, Restricted
from lenhub.access.policy import (
    PARTICIPANTS,
    TLP_ORDER,
    AudienceError,
    audience_intersection,
    effective_tlp,
    is_wider,
    item_audience,
    validate_audience_for_label,
)
from lenhub.audit.services import audit_log

if TYPE_CHECKING:
    from lenhub.accounts.models import User


def _container_audience(item: Restricted) -> frozenset[str] | None:
    container = item.access_container()
    if container is None:
        return None
    return item_audience(container)


def may_widen(*, actor: User) -> bool:
    """Widening an audience or lowering a label after publication is its own right:
    a network's secretariat holds it."""
    from lenhub.accounts.selectors import user_has_role

    return user_has_role(user=actor, role="secretariat")


@transaction.atomic
def restricted_set_audience(
    *,
    item: Restricted,
    audience: Iterable[str],
    tlp: str,
    actor: User | None,
    published: bool = False,
) -> frozenset[str]:
    """Give an item its audience and label. The effective audience is the item's own
    intersected with its container's; the label never drops below the container's.

    ``published=True`` marks a change after publication: widening the audience or
    lowering the label then needs ``may_widen``.
    """
    if item.pk is None:
        raise AudienceError(gettext("Save the item before giving it an audience."))
    own = validate_audience_for_label(audience, tlp)
    container = item.access_container()
    effective = own
    if container is not None:
        effective = audience_intersection(own, item_audience(container))
        if TLP_ORDER[container.tlp] > TLP_ORDER[tlp]:
            raise AudienceError(gettext("An item's label cannot be lower than its container's."))
    validate_audience_for_label(effective, tlp)
    old = item_audience(item)
    widening = bool(old) and (is_wider(effective, old) or TLP_ORDER[tlp] < TLP_ORDER[item.tlp])
    if published and widening and (actor is None or not may_widen(actor=actor)):
        raise PermissionDenied(
            gettext("Widening an audience or lowering a label needs its own right.")
        )
    keys = [AudienceKey.objects.get_or_create(key=atom)[0] for atom in sorted(effective)]
    previous_tlp = item.tlp
    item.tlp = tlp
    item.save(update_fields=["tlp"])
    item.audience_keys.set(keys)
    if published and (old != effective or previous_tlp != tlp):
        audit_log(
            action="access.widened" if widening else "access.narrowed",
            actor_id=actor.pk if actor else None,
            target=f"{item._meta.label_lower}:{item.pk}",
            data={
                "from": sorted(old),
                "to": sorted(effective),
                "tlp_from": previous_tlp,
                "tlp_to": tlp,
            },
        )
    return effective


@transaction.atomic
def restricted_add_participant(*, item: Restricted, person: User, actor: User) -> None:
    """Name a participant. Only vetted accounts; for TLP:AMBER+STRICT only accounts of
    the item's organisation. Each addition is audited."""
    from lenhub.accounts.selectors import vetting_current

    if PARTICIPANTS not in item_audience(item):
        raise AudienceError(gettext("This item is not shared with named participants."))
    vetting = vetting_current(user=person)
    if vetting is None:
        raise AudienceError(gettext("Only vetted accounts can be named as participants."))
    if effective_tlp(item) == TLP.AMBER_STRICT and (
        item.originator_organisation_id is None
        or vetting.organisation_id != item.originator_organisation_id
    ):
        raise AudienceError(
            gettext("TLP:AMBER+STRICT items stay within the originator's organisation.")
        )
    item.participants.add(person)
    audit_log(
        action="access.participant_added",
        actor_id=actor.pk,
        target=f"{item._meta.label_lower}:{item.pk}",
        data={"participant": person.audit_pid},
    )


def audience_key_in_use(key: str) -> bool:
    """Whether any item, of any kind, names ``key`` in its audience (before a group or
    network is deleted: its content would become readable by nobody)."""
    from django.apps import apps

    for model in apps.get_models():
        if (
            issubclass(model, Restricted)
            and model._default_manager.filter(audience_keys__key=key).exists()
        ):
            return True
    return False
