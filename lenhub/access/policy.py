"""The access policy: the one place that decides who may read what (DESIGN §2).

Every read surface asks this module:

- ``viewer_for_request`` / ``viewer_for_user`` turn a person into the set of audience
  keys they hold right now (vetting, MFA, memberships are re-checked every request);
- ``can_view(viewer, item)`` answers "may this person view this item";
- ``filter_visible(viewer, queryset)`` filters a query to what this person may view;
- ``access_item(viewer, queryset, pk)`` fetches and authorises in one step, raising
  ``Http404`` for both "does not exist" and "not allowed";
- ``tlp_label`` and ``handling`` render a label and say what it allows (email, export,
  download, snippets).

Superuser and staff status are never consulted here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext

from lenhub.access.models import TLP, Restricted

if TYPE_CHECKING:
    from lenhub.accounts.models import User

PUBLIC = "public"
MEMBERS = "members"
LEA = "lea"
PARTICIPANTS = "participants"

_ATOM = re.compile(
    r"^(public|members|lea|participants|network:\d+|group:\d+|country:[A-Z]{2}|org:\d+)$"
)

TLP_ORDER: dict[str, int] = {
    TLP.CLEAR: 0,
    TLP.GREEN: 1,
    TLP.AMBER: 2,
    TLP.AMBER_STRICT: 3,
    TLP.RED: 4,
}


class AudienceError(ValueError):
    """An audience or label that the policy does not allow."""


# --- audiences --------------------------------------------------------------------------


def normalize_audience(atoms: Iterable[str]) -> frozenset[str]:
    """Canonical form of a conjunction of audience atoms.

    ``public`` only stands alone; ``members`` is implied by every other condition (each
    requires a vetted account), so it is dropped when another condition is present.
    """
    result = frozenset(a.strip() for a in atoms if a and a.strip())
    for atom in result:
        if not _ATOM.match(atom):
            raise AudienceError(gettext("Unknown audience condition: %(atom)r") % {"atom": atom})
    if not result:
        raise AudienceError(gettext("An audience needs at least one condition."))
    if len(result) > 1:
        result = result - {PUBLIC}
    if len(result) > 1:
        result = result - {MEMBERS}
    return result


def audience_intersection(*audiences: Iterable[str]) -> frozenset[str]:
    """Readers who are in every given audience: the union of their conditions."""
    combined: set[str] = set()
    for audience in audiences:
        combined |= set(normalize_audience(audience))
    return normalize_audience(combined)


def is_wider(new: Iterable[str], old: Iterable[str]) -> bool:
    """Whether ``new`` lets in someone ``old`` did not (it drops a condition of ``old``)."""
    new_n, old_n = normalize_audience(new), normalize_audience(old)
    if old_n == {PUBLIC}:
        return False
    if new_n == {PUBLIC}:
        return True
    if old_n == {MEMBERS}:
        return False
    return not old_n <= new_n


def most_restrictive(*labels: str) -> str:
    return max(labels, key=lambda label: TLP_ORDER[label])


def validate_audience_for_label(audience: Iterable[str], tlp: str) -> frozenset[str]:
    """Check the combination rules of DESIGN §2 and return the canonical audience."""
    atoms = normalize_audience(audience)
    if tlp not in TLP_ORDER:
        raise AudienceError(gettext("Unknown TLP label: %(label)r") % {"label": tlp})
    if tlp != TLP.CLEAR and PUBLIC in atoms:
        raise AudienceError(gettext("%(label)s can never be public.") % {"label": tlp_label(tlp)})
    scoped = any(a.startswith(("network:", "group:")) or a == PARTICIPANTS for a in atoms)
    if tlp in (TLP.AMBER, TLP.AMBER_STRICT) and not scoped:
        raise AudienceError(
            gettext("%(label)s needs a network, a group or named participants as audience.")
            % {"label": tlp_label(tlp)}
        )
    if tlp == TLP.RED and PARTICIPANTS not in atoms:
        raise AudienceError(gettext("TLP:RED needs named participants as audience."))
    return atoms


# --- labels -----------------------------------------------------------------------------


def tlp_label(tlp: str) -> str:
    """The label as it is shown everywhere: ``TLP:AMBER`` (uppercase, never translated)."""
    if tlp not in TLP_ORDER:
        raise AudienceError(gettext("Unknown TLP label: %(label)r") % {"label": tlp})
    return f"TLP:{tlp}"


def effective_tlp(item: Restricted) -> str:
    """The most restrictive of the item's own label and its containers' labels."""
    labels = [item.tlp]
    container = item.access_container()
    while container is not None:
        labels.append(container.tlp)
        container = container.access_container()
    return most_restrictive(*labels)


@dataclass(frozen=True)
class Handling:
    """What a label allows recipients and lenhub to do with an item."""

    label: str
    may_be_public: bool
    email_carries_content: bool
    email_may_name_item: bool
    export_allowed: bool
    download_allowed: bool
    watermark: bool
    audit_every_view: bool
    audit_exports: bool
    search_snippets: bool
    share_within_own_organisation_only: bool


def handling(tlp: str) -> Handling:
    order = TLP_ORDER[tlp]
    return Handling(
        label=tlp_label(tlp),
        may_be_public=tlp == TLP.CLEAR,
        email_carries_content=order <= TLP_ORDER[TLP.GREEN],
        email_may_name_item=order <= TLP_ORDER[TLP.GREEN],
        export_allowed=tlp != TLP.RED,
        download_allowed=tlp != TLP.RED,
        watermark=tlp in (TLP.AMBER, TLP.AMBER_STRICT),
        audit_every_view=order >= TLP_ORDER[TLP.AMBER],
        audit_exports=order >= TLP_ORDER[TLP.AMBER],
        search_snippets=tlp != TLP.RED,
        share_within_own_organisation_only=tlp == TLP.AMBER_STRICT,
    )


# --- readers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """A reader as the policy sees them: who, and which audience keys they hold now."""

    user_id: int | None
    keys: frozenset[str]
    organisation_id: int | None = None
    display_name: str = ""

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def is_member(self) -> bool:
        return MEMBERS in self.keys

    @property
    def is_lea(self) -> bool:
        return LEA in self.keys


ANONYMOUS = Viewer(user_id=None, keys=frozenset({PUBLIC}))


def network_key(network_id: int) -> str:
    """The audience key a current member of this network holds."""
    return f"network:{network_id}"


def is_network_member(viewer: Viewer, network_id: int) -> bool:
    """Whether this reader may see a network's member-only pages and lists right now
    (vetted, second factor, membership in force: the key is only granted then)."""
    return network_key(network_id) in viewer.keys


def member_network_ids(viewer: Viewer) -> set[int]:
    """The networks whose member-only content this reader may see."""
    return {int(key.split(":", 1)[1]) for key in viewer.keys if key.startswith("network:")}


def viewer_for_user(user: User | Any, *, mfa_verified: bool) -> Viewer:
    """The keys a person holds. Non-public keys need an active account, a session (or
    token) verified with a second factor, and current vetting."""
    from lenhub.accounts import selectors as accounts
    from lenhub.networks import selectors as networks

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    base = Viewer(user_id=user.pk, keys=frozenset({PUBLIC}), display_name=user.display_name)
    if not mfa_verified or not accounts.user_has_mfa(user=user):
        return base
    vetting = accounts.vetting_current(user=user)
    if vetting is None:
        return base
    organisation = vetting.organisation
    keys = {PUBLIC, MEMBERS, PARTICIPANTS, f"org:{organisation.pk}"}
    if organisation.country_id:
        keys.add(f"country:{organisation.country_id}")
    if organisation.is_lea:
        keys.add(LEA)
    network_ids, group_ids = networks.membership_ids(user=user)
    keys.update(network_key(pk) for pk in network_ids)
    keys.update(f"group:{pk}" for pk in group_ids)
    return Viewer(
        user_id=user.pk,
        keys=frozenset(keys),
        organisation_id=organisation.pk,
        display_name=user.display_name,
    )


def session_is_mfa_verified(request: HttpRequest) -> bool:
    """Whether this session's sign-in included a second factor."""
    from allauth.account.internal.flows.login import get_authentication_records

    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def viewer_for_request(request: HttpRequest) -> Viewer:
    cached = getattr(request, "_lenhub_viewer", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        viewer = ANONYMOUS
    else:
        viewer = viewer_for_user(user, mfa_verified=session_is_mfa_verified(request))
    request._lenhub_viewer = viewer  # type: ignore[attr-defined]
    return viewer


# --- decisions --------------------------------------------------------------------------

M = TypeVar("M", bound=Model)


def item_audience(item: Restricted) -> frozenset[str]:
    return frozenset(item.audience_keys.values_list("key", flat=True))


def can_view(viewer: Viewer, item: Restricted) -> bool:
    """May this person view this item."""
    if item.pk is None:
        return False
    required = item_audience(item)
    if not required:
        return False
    if not required <= viewer.keys:
        return False
    if PARTICIPANTS in required:
        return item.participants.filter(pk=viewer.user_id).exists()
    return True


def filter_visible(viewer: Viewer, queryset: QuerySet[M]) -> QuerySet[M]:
    """Filter a query to the items this person may view (same rule as ``can_view``)."""
    model = queryset.model
    keys_field = model._meta.get_field("audience_keys")
    through = keys_field.remote_field.through  # type: ignore[union-attr]
    source = keys_field.m2m_field_name()  # type: ignore[union-attr]
    target = keys_field.m2m_reverse_field_name()  # type: ignore[union-attr]
    rows = through._default_manager.all()
    lacking = rows.exclude(**{f"{target}__key__in": sorted(viewer.keys)}).values(source)
    queryset = queryset.filter(pk__in=rows.values(source)).exclude(pk__in=lacking)
    if PARTICIPANTS in viewer.keys:
        part_field = model._meta.get_field("participants")
        part_through = part_field.remote_field.through  # type: ignore[union-attr]
        needs_naming = rows.filter(**{f"{target}__key": PARTICIPANTS}).values(source)
        named = part_through._default_manager.filter(
            **{part_field.m2m_reverse_field_name(): viewer.user_id}  # type: ignore[union-attr]
        ).values(part_field.m2m_field_name())  # type: ignore[union-attr]
        queryset = queryset.exclude(Q(pk__in=needs_naming) & ~Q(pk__in=named))
    return queryset


def access_item(viewer: Viewer, queryset: QuerySet[M], pk: Any) -> M:
    """Fetch and authorise in one step; missing and forbidden look the same."""
    try:
        return filter_visible(viewer, queryset).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None


def record_read(viewer: Viewer, item: Restricted, *, request: HttpRequest | None = None) -> None:
    """Audit a read of an AMBER or RED item (DESIGN §2: every such access is recorded)."""
    label = effective_tlp(item)
    if not handling(label).audit_every_view:
        return
    from lenhub.audit.services import audit_log

    audit_log(
        action="content.read",
        actor_id=viewer.user_id,
        target=f"{item._meta.label_lower}:{item.pk}",
        data={"tlp": label},
        request=request,
    )
