"""Exporting a network's latest published roadmap as its audience sees it (the
``lenhub roadmap export`` command)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from lenhub.access.policy import handling
from lenhub.audit.services import audit_log
from lenhub.needs.models import RoadmapStatus, RoadmapVersion
from lenhub.needs.pdf import roadmap_pdf
from lenhub.needs.roadmap import audience_viewer, roadmap_view


class RoadmapExportError(Exception):
    pass


def audience_description(version: RoadmapVersion) -> str:
    """The roadmap's audience in words (no person named)."""
    from lenhub.access.policy import item_audience
    from lenhub.networks.models import Group, Network

    words = []
    for atom in sorted(item_audience(version)):
        kind, _sep, value = atom.partition(":")
        if kind == "network":
            network = Network.objects.filter(pk=int(value)).first()
            words.append(_("members of %(name)s") % {"name": network.acronym if network else atom})
        elif kind == "group":
            group = Group.objects.filter(pk=int(value)).first()
            words.append(_("group %(name)s") % {"name": group.name if group else atom})
        elif atom == "lea":
            words.append(_("law-enforcement practitioners"))
        elif atom == "members":
            words.append(_("vetted members"))
        elif atom == "public":
            words.append(_("everyone"))
        else:
            words.append(atom)
    return ", ".join(words)


def roadmap_export(*, acronym: str) -> tuple[bytes, RoadmapVersion]:
    version = (
        RoadmapVersion.objects.filter(
            network__acronym__iexact=acronym, status=RoadmapStatus.PUBLISHED
        )
        .select_related("network")
        .order_by("-version")
        .first()
    )
    if version is None:
        raise RoadmapExportError(
            _("The network %(acronym)s has no published roadmap.") % {"acronym": acronym}
        )
    view = roadmap_view(audience_viewer(version), version)
    rules = handling(view.tlp)
    if not rules.export_allowed:
        raise RoadmapExportError(
            _("%(label)s roadmaps are view only and are never exported.")
            % {"label": view.tlp_label}
        )
    watermark = ""
    if rules.watermark:
        watermark = _("Audience: %(audience)s") % {"audience": audience_description(version)}
    content = roadmap_pdf(view, watermark=watermark)
    audit_log(
        action="roadmap.exported",
        target=f"needs.roadmapversion:{version.pk}",
        data={"tlp": view.tlp, "via": "command"},
    )
    return content, version
