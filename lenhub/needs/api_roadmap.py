"""API: roadmaps (versions, entries, charts data, differences), the knowledge links of a
need and the gaps of a network. Everything through ``lenhub.needs.roadmap`` and
``lenhub.needs.gaps``, which ask the access policy: lists hold only what the caller may
see, single items answer 404 for what they may not."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Query, Router, Schema, Status

from lenhub.access.policy import handling, record_read, tlp_label
from lenhub.accounts.tokens import scope_register
from lenhub.api.auth import OPTIONAL_AUTH, principal
from lenhub.api.errors import COMMON, ApiError, documented, service_call
from lenhub.api.fields import NO_NUL, SOME_WORDS, AudienceAtom, AuthorTlp, Id
from lenhub.api.pagination import Page, PageParams
from lenhub.needs import gaps, roadmap
from lenhub.needs.models import Coverage, RoadmapVersion

router = Router(tags=["roadmap"])

READ = "needs:read"
WRITE = "needs:write"
# The needs module may register these too: registering keeps the first description.
scope_register(READ, _("Read needs, rounds, roadmaps and gaps you may see"))
scope_register(WRITE, _("Report, support and curate needs; vote in rounds"))


class RoadmapOut(Schema):
    id: int
    network: str = Field(description="The network's acronym.")
    version: int
    title: str
    status: str
    tlp: str = Field(description="The effective label, e.g. TLP:GREEN.")
    audience: list[str]
    published_at: datetime | None
    url: str
    pdf_url: str | None = Field(description="Absent when the label allows no download.")


class RoadmapEvidenceOut(Schema):
    kind: str
    id: int
    title: str
    url: str
    coverage: Coverage
    tlp: str


class RoadmapEntryOut(Schema):
    need_id: int
    title: str
    capability_wanted: str
    position: int = Field(description="Its place in its section, among the needs shown.")
    rank: int = Field(description="Its rank in the round, among the needs shown.")
    score: float
    low: float
    high: float
    supporting_countries: list[str]
    tlp: str
    evidence: list[RoadmapEvidenceOut]


class RoadmapSectionOut(Schema):
    key: str
    heading: str
    countries: list[str] = Field(description="Countries supporting at least one of its needs.")
    entries: list[RoadmapEntryOut]


class RoadmapWithheldOut(Schema):
    need_id: int
    section: str
    reason: str


class RoadmapDetailOut(RoadmapOut):
    introduction: str
    round_id: int
    sections: list[RoadmapSectionOut]
    withheld: list[RoadmapWithheldOut] | None = Field(
        description="Only for the people who manage the roadmap."
    )


class RoadmapDiffRowOut(Schema):
    title: str
    old_section: str
    new_section: str
    old_position: int | None
    new_position: int | None


class RoadmapDiffOut(Schema):
    old_version: int | None
    new_version: int
    tlp: str
    added: list[RoadmapDiffRowOut]
    removed: list[RoadmapDiffRowOut]
    moved_up: list[RoadmapDiffRowOut]
    moved_down: list[RoadmapDiffRowOut]
    changed_section: list[RoadmapDiffRowOut]
    unchanged: int


class GapLinkOut(Schema):
    id: int
    kind: str
    item_id: int
    title: str
    url: str
    coverage: Coverage
    similarity: float
    tlp: str


class GapLinksOut(Schema):
    need_id: int
    tlp: str
    is_gap: bool
    links: list[GapLinkOut]


class GapLinkDecisionIn(Schema):
    # a decision: "suggested" is what a link is before one (not accepted here)
    coverage: Literal["addressed", "partly", "not_addressed"]
    note: str = Field("", max_length=2000)


class GapNeedOut(Schema):
    need_id: int
    title: str
    kind: str
    urgency: str
    suggestions: int
    tlp: str


class GapNetworkFilter(Schema):
    network: str = Field(max_length=40, description="The network's acronym.")


def _roadmap(version: RoadmapVersion) -> dict[str, Any]:
    tlp = version.tlp
    args = [version.network.acronym, version.version]
    return {
        "id": version.pk,
        "network": version.network.acronym,
        "version": version.version,
        "title": version.title,
        "status": version.status,
        "tlp": tlp_label(tlp),
        "audience": sorted(key.key for key in version.audience_keys.all()),
        "published_at": version.published_at,
        "url": version.get_absolute_url(),
        "pdf_url": reverse("roadmap_pdf", args=args) if handling(tlp).download_allowed else None,
    }


@router.get(
    "/roadmaps",
    response={200: Page[RoadmapOut], **documented(*COMMON, 403)},
    summary="Published roadmap versions",
    openapi_extra=OPTIONAL_AUTH,
)
def roadmap_list(request: HttpRequest, page: Query[PageParams]) -> dict[str, object]:
    viewer = principal(request, READ).viewer
    items = (
        roadmap.roadmaps_visible(viewer=viewer)
        .prefetch_related("audience_keys")
        .order_by("network__acronym", "-version")
    )
    window = list(items[page.offset : page.offset + page.limit])
    return {
        "results": [RoadmapOut(**_roadmap(v)) for v in window],
        "total": items.count(),
        "limit": page.limit,
        "offset": page.offset,
    }


@router.get(
    "/roadmaps/{acronym}/versions/{int:version}",
    response={200: RoadmapDetailOut, **documented(*COMMON, 403, 404)},
    summary="One roadmap version: sections, ranked entries, evidence",
    openapi_extra=OPTIONAL_AUTH,
)
def roadmap_detail(request: HttpRequest, acronym: str, version: int) -> RoadmapDetailOut:
    caller = principal(request, READ)
    viewer = caller.viewer
    found = roadmap.roadmap_get(viewer=viewer, user=caller.user, acronym=acronym, number=version)
    record_read(viewer, found, request=request)
    return _detail(viewer, caller.user, found)


def _detail(viewer: Any, user: Any, found: RoadmapVersion) -> RoadmapDetailOut:
    manage = roadmap.may_manage_roadmap(viewer=viewer, user=user, network=found.network)
    view = roadmap.roadmap_view(viewer, found, manage=manage)
    sections = [
        RoadmapSectionOut(
            key=section.key,
            heading=section.heading,
            countries=section.countries,
            entries=[
                RoadmapEntryOut(
                    need_id=e.need.pk,
                    title=e.title,
                    capability_wanted=e.capability_wanted,
                    position=e.position,
                    rank=e.rank,
                    score=e.entry.score,
                    low=e.entry.low,
                    high=e.entry.high,
                    supporting_countries=e.countries,
                    tlp=e.tlp_label,
                    evidence=[
                        RoadmapEvidenceOut(
                            kind=i.kind,
                            id=i.id,
                            title=i.title,
                            url=i.url,
                            coverage=Coverage(i.coverage),
                            tlp=i.tlp_label,
                        )
                        for i in e.evidence
                    ],
                )
                for e in section.entries
            ],
        )
        for section in view.sections
    ]
    withheld = None
    if view.withheld is not None:
        withheld = [
            RoadmapWithheldOut(need_id=w.entry.need_id, section=w.entry.section, reason=w.reason)
            for w in view.withheld
        ]
    return RoadmapDetailOut(
        **_roadmap(found),
        introduction=found.introduction,
        round_id=found.round_id,
        sections=sections,
        withheld=withheld,
    )


@router.get(
    "/roadmaps/{acronym}/versions/{int:version}/diff",
    response={200: RoadmapDiffOut, **documented(*COMMON, 403, 404)},
    summary="What changed from the previous published version",
    openapi_extra=OPTIONAL_AUTH,
)
def roadmap_diff(request: HttpRequest, acronym: str, version: int) -> RoadmapDiffOut:
    caller = principal(request, READ)
    found = roadmap.roadmap_get(
        viewer=caller.viewer, user=caller.user, acronym=acronym, number=version
    )
    diff = roadmap.roadmap_diff(caller.viewer, found)

    def rows(items: list[roadmap.DiffRow]) -> list[RoadmapDiffRowOut]:
        return [
            RoadmapDiffRowOut(
                title=r.title, old_section=r.old_section, new_section=r.new_section,
                old_position=r.old_position, new_position=r.new_position,
            )
            for r in items
        ]  # fmt: skip

    return RoadmapDiffOut(
        old_version=diff.old.version if diff.old else None,
        new_version=found.version,
        tlp=tlp_label(found.tlp),
        added=rows(diff.added),
        removed=rows(diff.removed),
        moved_up=rows(diff.moved_up),
        moved_down=rows(diff.moved_down),
        changed_section=rows(diff.changed_section),
        unchanged=diff.unchanged,
    )


@router.get(
    "/needs/gaps",
    response={200: list[GapNeedOut], **documented(*COMMON, 403, 404)},
    summary="Accepted needs of a network that nothing the caller may read answers",
    openapi_extra=OPTIONAL_AUTH,
)
def gap_list(request: HttpRequest, filters: Query[GapNetworkFilter]) -> list[GapNeedOut]:
    viewer = principal(request, READ).viewer
    network = roadmap.network_get(acronym=filters.network)
    return [
        GapNeedOut(
            need_id=row.need.pk, title=row.need.title, kind=row.need.kind,
            urgency=row.need.urgency, suggestions=row.suggestions, tlp=row.tlp_label,
        )
        for row in gaps.gaps_of_network(viewer, network)
    ]  # fmt: skip


def _links_out(viewer: Any, need: Any, curator: bool) -> GapLinksOut:
    views = gaps.links_for_curation(viewer, need) if curator else gaps.links_visible(viewer, need)
    return GapLinksOut(
        need_id=need.pk,
        tlp=tlp_label(need.tlp),
        is_gap=gaps.need_is_gap(viewer, need),
        links=[
            GapLinkOut(
                id=v.link.pk, kind=v.kind, item_id=v.link.item_id, title=v.title, url=v.url,
                coverage=Coverage(v.link.coverage), similarity=v.link.similarity,
                tlp=v.tlp_label,
            )
            for v in views
        ],
    )  # fmt: skip


@router.get(
    "/needs/{int:need_id}/links",
    response={200: GapLinksOut, **documented(*COMMON, 403, 404)},
    summary="Knowledge items that may answer a need",
    openapi_extra=OPTIONAL_AUTH,
)
def need_links(request: HttpRequest, need_id: int) -> GapLinksOut:
    caller = principal(request, READ)
    need = gaps.need_get_for_links(viewer=caller.viewer, pk=need_id)
    record_read(caller.viewer, need, request=request)
    curator = gaps.may_curate_links(viewer=caller.viewer, user=caller.user, need=need)
    return _links_out(caller.viewer, need, curator)


@router.post(
    "/needs/{int:need_id}/links/{int:link_id}",
    response={200: GapLinksOut, **documented(*COMMON, 403, 404)},
    summary="Confirm whether a linked item answers the need (curators)",
)
def need_link_decide(
    request: HttpRequest, need_id: int, link_id: int, body: GapLinkDecisionIn
) -> GapLinksOut:
    caller = principal(request, WRITE, account=True)
    need = gaps.need_get_for_links(viewer=caller.viewer, pk=need_id)
    try:
        gaps.need_link_decide(
            viewer=caller.viewer,
            actor=caller.user,  # type: ignore[arg-type]
            need=need,
            link_id=link_id,
            coverage=body.coverage,
            note=body.note,
        )
    except PermissionDenied as error:
        raise ApiError("permission_denied", str(error)) from None
    return _links_out(caller.viewer, need, True)


# --- building and publishing versions ----------------------------------------------------

Acronym = Annotated[
    str, Path(max_length=40, pattern=r"^[^\x00/]+$", description="The network's acronym.")
]


class RoadmapCreateIn(Schema):
    round_id: Id = Field(description="A closed round of the network.")
    title: str = Field(min_length=1, max_length=200, pattern=SOME_WORDS)
    introduction: str = Field("", max_length=20_000, pattern=NO_NUL)
    audience: list[AudienceAtom] | None = Field(
        None, max_length=5,
        description="Who may read the version, among the audiences you may address (never "
        "named participants); the network's members when absent.",
    )  # fmt: skip
    tlp: AuthorTlp = Field("GREEN", description="Never TLP:RED.")


@router.post(
    "/roadmaps/{acronym}/versions",
    response={201: RoadmapDetailOut, **documented(*COMMON, 403, 404)},
    summary="Build a draft roadmap version from a closed round (the network's secretariat)",
    description="The same choices as the new-version page. The draft is for the "
    "network's secretariat until it is published.",
)
def roadmap_create_api(
    request: HttpRequest, acronym: Acronym, body: RoadmapCreateIn
) -> Status[RoadmapDetailOut]:
    caller = principal(request, WRITE, account=True)
    network = roadmap.network_get(acronym=acronym)
    version = service_call(
        lambda: roadmap.roadmap_create(
            viewer=caller.viewer,
            actor=caller.user,  # type: ignore[arg-type]
            network=network,
            round_id=body.round_id,
            title=body.title,
            introduction=body.introduction,
            audience=body.audience or [f"network:{network.pk}"],
            tlp=body.tlp,
        )
    )
    return Status(201, _detail(caller.viewer, caller.user, version))


@router.post(
    "/roadmaps/{acronym}/versions/{int:version}/publish",
    response={200: RoadmapDetailOut, **documented(*COMMON, 403, 404, 409)},
    summary="Publish a draft roadmap version (the network's secretariat)",
    description="Its entries are built again, then frozen; its audience is notified. A "
    "published version cannot be published again (409).",
)
def roadmap_publish_api(request: HttpRequest, acronym: Acronym, version: int) -> RoadmapDetailOut:
    caller = principal(request, WRITE, account=True)
    found = roadmap.roadmap_get(
        viewer=caller.viewer, user=caller.user, acronym=acronym, number=version
    )
    service_call(
        lambda: roadmap.roadmap_publish(
            viewer=caller.viewer,
            actor=caller.user,  # type: ignore[arg-type]
            version=found,
        ),
        refused="conflict",
    )
    found = roadmap.roadmap_get(
        viewer=caller.viewer, user=caller.user, acronym=acronym, number=version
    )
    return _detail(caller.viewer, caller.user, found)


@router.post(
    "/needs/{int:need_id}/links/suggest",
    response={200: GapLinksOut, **documented(*COMMON, 403, 404)},
    summary="Look for knowledge items that may answer a need (curators)",
    description="Asks the search engine again: similarities are updated, curators' "
    "decisions kept, undecided suggestions that no longer rank dropped.",
)
def need_links_suggest(request: HttpRequest, need_id: int) -> GapLinksOut:
    caller = principal(request, WRITE, account=True)
    need = gaps.need_get_for_links(viewer=caller.viewer, pk=need_id)
    if not gaps.may_curate_links(viewer=caller.viewer, user=caller.user, need=need):
        raise ApiError("permission_denied", str(_("Only the need's curators look for links.")))
    gaps.need_links_suggest(need=need)
    return _links_out(caller.viewer, need, True)
