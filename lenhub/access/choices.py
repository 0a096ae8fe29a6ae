"""Which audiences and labels an author may give what they write (DESIGN §2).

An author addresses only readers they belong to: all vetted members, law-enforcement
practitioners when they are one, the networks and groups they are a current member of
(optionally narrowed to the LEA among them). ``public`` is the widest audience there is:
only a holder of the right to widen (``may_widen``) may choose it. Named participants
(and so TLP:RED) are not offered here: naming people is its own audited act.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from lenhub.access.models import TLP
from lenhub.access.policy import LEA, MEMBERS, PUBLIC, Viewer, normalize_audience

if TYPE_CHECKING:
    from lenhub.accounts.models import User

AUTHOR_LABELS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)


@dataclass(frozen=True)
class AudienceOption:
    value: str  # the atoms, space-separated, in canonical order
    label: str

    @property
    def atoms(self) -> frozenset[str]:
        return frozenset(self.value.split())


def _option(atoms: set[str], label: str) -> AudienceOption:
    return AudienceOption(" ".join(sorted(normalize_audience(atoms))), label)


def audience_options(*, viewer: Viewer, actor: User | Any | None) -> list[AudienceOption]:
    """The audiences this author may address, narrowest last."""
    from lenhub.access.services import may_widen
    from lenhub.networks.models import Group, Network

    if not viewer.is_member:
        return []
    options = []
    if actor is not None and may_widen(actor=actor):
        options.append(_option({PUBLIC}, _("Everyone (public)")))
    options.append(_option({MEMBERS}, _("All vetted members")))
    if viewer.is_lea:
        options.append(_option({LEA}, _("Law-enforcement practitioners")))
    network_keys = sorted(k for k in viewer.keys if k.startswith("network:"))
    group_keys = sorted(k for k in viewer.keys if k.startswith("group:"))
    networks = dict(
        Network.objects.filter(pk__in=[int(k.split(":")[1]) for k in network_keys]).values_list(
            "pk", "acronym"
        )
    )
    for key in network_keys:
        name = networks.get(int(key.split(":")[1]), key)
        options.append(_option({key}, _("Members of %(network)s") % {"network": name}))
        if viewer.is_lea:
            options.append(
                _option(
                    {key, LEA},
                    _("Law-enforcement members of %(network)s") % {"network": name},
                )
            )
    groups = Group.objects.filter(pk__in=[int(k.split(":")[1]) for k in group_keys])
    for group in groups.select_related("network").order_by("network__acronym", "name"):
        options.append(
            _option(
                {f"group:{group.pk}"},
                _("Group %(group)s (%(network)s)")
                % {"group": group.name, "network": group.network.acronym},
            )
        )
    return options


def audience_may_address(
    *, viewer: Viewer, actor: User | Any | None, audience: frozenset[str] | set[str]
) -> bool:
    """Whether this author may give an item exactly this audience."""
    wanted = normalize_audience(audience)
    return any(option.atoms == wanted for option in audience_options(viewer=viewer, actor=actor))
