"""API: the knowledge factory's results, project concepts, best practices, technology
watch entries and uptake, all through the access policy (lists are filtered, single
items answer 404 for what the caller may not see, uptake counts only count what the
caller may see)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from lenhub.access.choices import AUTHOR_LABELS
from lenhub.access.models import Restricted
from lenhub.access.policy import AudienceError, effective_tlp, record_read, tlp_label
from lenhub.api.auth import OPTIONAL_AUTH, principal
from lenhub.api.errors import COMMON, ApiError, documented
from lenhub.api.pagination import Page, PageParams, paginate
from lenhub.knowledge import selectors
from lenhub.knowledge.models import (
    Availability,
    Maturity,
    ResultKind,
    Seeking,
    UptakeStage,
)
from lenhub.knowledge.services import uptake_record

router = Router(tags=["knowledge"])

READ = "knowledge:read"
WRITE = "knowledge:write"


class RestrictedOut(Schema):
    id: int
    tlp: str = Field(description="The effective label, e.g. TLP:AMBER.")
    audience: list[str] = Field(description="Audience keys a reader must all hold.")
    url: str


def _common(item: Restricted, url: str = "") -> dict[str, Any]:
    return {
        "id": item.pk,
        "tlp": tlp_label(effective_tlp(item)),
        "audience": sorted(key.key for key in item.audience_keys.all()),
        "url": url or item.get_absolute_url(),  # type: ignore[attr-defined]
    }


# --- results ----------------------------------------------------------------------------


class ResultOut(RestrictedOut):
    title: str
    kind: ResultKind
    trl: int | None
    availability: str
    project_id: int | None = Field(description="Set only when the caller may see the project.")
    published_on: date | None


class ResultDetailOut(ResultOut):
    description: str
    licence: str
    contact: str
    link: str


class ResultFilter(Schema):
    q: str | None = Field(None, max_length=200, description="Words in the title or text.")
    kind: ResultKind | None = None
    trl: int | None = Field(None, ge=1, le=9, description="Technology readiness level.")
    availability: Availability | None = None
    project: int | None = Field(None, description="Only results of this project.")


def _result(item: Any, visible_projects: set[int], detail: bool = False) -> ResultOut:
    fields = _common(item) | {
        "title": item.title,
        "kind": item.kind,
        "trl": item.trl,
        "availability": item.availability,
        "project_id": item.project_id if item.project_id in visible_projects else None,
        "published_on": item.published_on,
    }
    if detail:
        fields |= {
            "description": item.description,
            "licence": item.licence,
            "contact": item.contact,
            "link": item.url,
        }
        return ResultDetailOut(**fields)
    return ResultOut(**fields)


@router.get(
    "/results",
    response={200: Page[ResultOut], **documented(*COMMON, 403)},
    summary="Results of research projects",
    openapi_extra=OPTIONAL_AUTH,
)
def result_list(
    request: HttpRequest, page: Query[PageParams], filters: Query[ResultFilter]
) -> dict[str, object]:
    viewer = principal(request, READ).viewer
    items = selectors.results_visible(viewer=viewer, filters=filters.model_dump())
    items = items.prefetch_related("audience_keys")
    window = list(items[page.offset : page.offset + page.limit])
    ids = {r.project_id for r in window if r.project_id}
    visible = selectors.project_ids_visible(viewer=viewer, ids=ids) if ids else set()
    return {
        "results": [_result(item, visible) for item in window],
        "total": items.count(),
        "limit": page.limit,
        "offset": page.offset,
    }


@router.get(
    "/results/{int:result_id}",
    response={200: ResultDetailOut, **documented(*COMMON, 403, 404)},
    summary="One result",
    openapi_extra=OPTIONAL_AUTH,
)
def result_detail(request: HttpRequest, result_id: int) -> ResultOut:
    viewer = principal(request, READ).viewer
    item = selectors.result_get(viewer=viewer, pk=result_id)
    record_read(viewer, item, request=request)
    ids = {item.project_id} if item.project_id else set()
    visible = selectors.project_ids_visible(viewer=viewer, ids=ids) if ids else set()
    return _result(item, visible, detail=True)


# --- uptake -----------------------------------------------------------------------------


class UptakeOut(RestrictedOut):
    result_id: int
    organisation: str
    country: str
    stage: UptakeStage
    recorded_at: datetime


def _uptake(item: Any) -> UptakeOut:
    fields = _common(item, url=item.result.get_absolute_url()) | {
        "result_id": item.result_id,
        "organisation": item.organisation.name,
        "country": item.country_code,
        "stage": item.stage,
        "recorded_at": item.recorded_at,
    }
    return UptakeOut(**fields)


@router.get(
    "/results/{int:result_id}/uptake",
    response={200: Page[UptakeOut], **documented(*COMMON, 403, 404)},
    summary="Uptake of one result",
    description="The organisations that recorded uptake of this result, as far as the "
    "caller may see them. The person who recorded it is never named.",
    openapi_extra=OPTIONAL_AUTH,
)
def result_uptake_list(
    request: HttpRequest, result_id: int, page: Query[PageParams]
) -> dict[str, object]:
    viewer = principal(request, READ).viewer
    result = selectors.result_get(viewer=viewer, pk=result_id)
    items = (
        selectors.uptake_visible(viewer=viewer)
        .filter(result=result)
        .select_related("organisation", "result__project")
        .prefetch_related("audience_keys")
        .order_by("country_code", "organisation__name")
    )
    return paginate(items, page, _uptake)


class UptakeIn(Schema):
    stage: UptakeStage
    note: str = Field("", max_length=2000)
    audience: list[str] | None = Field(
        None,
        max_length=5,
        description="Narrower than the result's audience, among those you may address; "
        "the result's audience when absent.",
    )
    tlp: str | None = Field(
        None,
        description="At least the result's label; the result's label when absent.",
        json_schema_extra={"enum": list(AUTHOR_LABELS)},
    )


@router.post(
    "/results/{int:result_id}/uptake",
    response={200: UptakeOut, 201: UptakeOut, **documented(*COMMON, 403, 404)},
    summary="Record your organisation's uptake of a result",
    description="One record per organisation and result: recording again moves the stage "
    "(200); the first record answers 201. The country is your organisation's.",
)
def result_uptake_record(request: HttpRequest, result_id: int, body: UptakeIn) -> Status[UptakeOut]:
    caller = principal(request, WRITE, account=True)
    result = selectors.result_get(viewer=caller.viewer, pk=result_id)
    if body.tlp is not None and body.tlp not in AUTHOR_LABELS:
        raise ApiError(
            "invalid_request", _("Unknown TLP label."), [{"field": "tlp", "message": body.tlp}]
        )
    try:
        uptake, created = uptake_record(
            viewer=caller.viewer,
            actor=caller.user,  # type: ignore[arg-type]
            result=result,
            stage=body.stage,
            note=body.note,
            audience=body.audience,
            tlp=body.tlp,
        )
    except AudienceError as error:
        raise ApiError("invalid_request", str(error)) from None
    except PermissionDenied as error:
        raise ApiError("permission_denied", str(error)) from None
    uptake = (
        selectors.uptake_visible(viewer=caller.viewer)
        .select_related("organisation", "result__project")
        .get(pk=uptake.pk)
    )
    return Status(201 if created else 200, _uptake(uptake))


class StageCountOut(Schema):
    stage: UptakeStage
    count: int


class UptakeRowOut(Schema):
    result_id: int | None = None
    title: str | None = None
    country: str | None = None
    counts: list[StageCountOut]
    total: int


class UptakeSummaryOut(Schema):
    total: int = Field(description="Uptake records the caller may see.")
    by_stage: list[StageCountOut]
    by_result: list[UptakeRowOut]
    by_country: list[UptakeRowOut]


def _counts(cells: list[int]) -> list[StageCountOut]:
    return [
        StageCountOut(stage=UptakeStage(stage), count=n)
        for stage, n in zip(selectors.STAGES, cells, strict=True)
    ]


@router.get(
    "/uptake/summary",
    response={200: UptakeSummaryOut, **documented(*COMMON, 403)},
    summary="Uptake of results by stage, per result and per country",
    description="Counts only the uptake records the caller may see, of results they may see.",
    openapi_extra=OPTIONAL_AUTH,
)
def uptake_summary(request: HttpRequest) -> UptakeSummaryOut:
    viewer = principal(request, READ).viewer
    summary = selectors.uptake_summary(viewer=viewer)
    return UptakeSummaryOut(
        total=summary.total,
        by_stage=_counts(summary.by_stage),
        by_result=[
            UptakeRowOut(
                result_id=row.key.pk, title=row.key.title, counts=_counts(row.counts),
                total=row.total,
            )
            for row in summary.by_result
        ],
        by_country=[
            UptakeRowOut(country=row.key, counts=_counts(row.counts), total=row.total)
            for row in summary.by_country
        ],
    )  # fmt: skip


# --- concepts, best practices, technology watch -----------------------------------------


class ConceptOut(RestrictedOut):
    title: str
    seeking: Seeking
    created_at: datetime


class ConceptDetailOut(ConceptOut):
    idea: str
    needs_addressed: str
    contact: str


class ConceptFilter(Schema):
    q: str | None = Field(None, max_length=200, description="Words in the title or idea.")
    seeking: Seeking | None = None


def _concept(item: Any, detail: bool = False) -> ConceptOut:
    fields = _common(item) | {
        "title": item.title,
        "seeking": item.seeking,
        "created_at": item.created_at,
    }
    if detail:
        fields |= {
            "idea": item.idea,
            "needs_addressed": item.needs_addressed,
            "contact": item.contact,
        }
        return ConceptDetailOut(**fields)
    return ConceptOut(**fields)


@router.get(
    "/concepts",
    response={200: Page[ConceptOut], **documented(*COMMON, 403)},
    summary="Project concepts",
    openapi_extra=OPTIONAL_AUTH,
)
def concept_list(
    request: HttpRequest, page: Query[PageParams], filters: Query[ConceptFilter]
) -> dict[str, object]:
    viewer = principal(request, READ).viewer
    items = selectors.concepts_visible(viewer=viewer, filters=filters.model_dump())
    return paginate(items.prefetch_related("audience_keys"), page, _concept)


@router.get(
    "/concepts/{int:concept_id}",
    response={200: ConceptDetailOut, **documented(*COMMON, 403, 404)},
    summary="One project concept",
    openapi_extra=OPTIONAL_AUTH,
)
def concept_detail(request: HttpRequest, concept_id: int) -> ConceptOut:
    viewer = principal(request, READ).viewer
    item = selectors.concept_get(viewer=viewer, pk=concept_id)
    record_read(viewer, item, request=request)
    return _concept(item, detail=True)


class BestPracticeOut(RestrictedOut):
    title: str
    topic: str
    country: str


class BestPracticeDetailOut(BestPracticeOut):
    what_was_done: str
    lessons: str
    contact: str


class BestPracticeFilter(Schema):
    q: str | None = Field(None, max_length=200, description="Words in the title or text.")
    topic: str | None = Field(None, max_length=200, description="Words in the topic.")
    country: str | None = Field(None, min_length=2, max_length=2, description="ISO code.")


def _bestpractice(item: Any, detail: bool = False) -> BestPracticeOut:
    fields = _common(item) | {
        "title": item.title,
        "topic": item.topic,
        "country": item.country_code,
    }
    if detail:
        fields |= {
            "what_was_done": item.what_was_done,
            "lessons": item.lessons,
            "contact": item.contact,
        }
        return BestPracticeDetailOut(**fields)
    return BestPracticeOut(**fields)


@router.get(
    "/best-practices",
    response={200: Page[BestPracticeOut], **documented(*COMMON, 403)},
    summary="Best practices",
    openapi_extra=OPTIONAL_AUTH,
)
def bestpractice_list(
    request: HttpRequest, page: Query[PageParams], filters: Query[BestPracticeFilter]
) -> dict[str, object]:
    viewer = principal(request, READ).viewer
    items = selectors.bestpractices_visible(viewer=viewer, filters=filters.model_dump())
    return paginate(items.prefetch_related("audience_keys"), page, _bestpractice)


@router.get(
    "/best-practices/{int:practice_id}",
    response={200: BestPracticeDetailOut, **documented(*COMMON, 403, 404)},
    summary="One best practice",
    openapi_extra=OPTIONAL_AUTH,
)
def bestpractice_detail(request: HttpRequest, practice_id: int) -> BestPracticeOut:
    viewer = principal(request, READ).viewer
    item = selectors.bestpractice_get(viewer=viewer, pk=practice_id)
    record_read(viewer, item, request=request)
    return _bestpractice(item, detail=True)


class TechWatchOut(RestrictedOut):
    technology: str
    maturity: Maturity
    relevant_groups: list[str]
    reviewed_on: date | None


class TechWatchDetailOut(TechWatchOut):
    assessment: str


class TechWatchFilter(Schema):
    q: str | None = Field(None, max_length=200, description="Words in the name or text.")
    maturity: Maturity | None = None
    group: int | None = Field(None, description="Only entries relevant to this group.")


def _techwatch(item: Any, detail: bool = False) -> TechWatchOut:
    fields = _common(item) | {
        "technology": item.technology,
        "maturity": item.maturity,
        "relevant_groups": [group.name for group in item.relevant_groups.all()],
        "reviewed_on": item.reviewed_on,
    }
    if detail:
        return TechWatchDetailOut(**fields, assessment=item.assessment)
    return TechWatchOut(**fields)


@router.get(
    "/tech-watch",
    response={200: Page[TechWatchOut], **documented(*COMMON, 403)},
    summary="Technology watch entries",
    openapi_extra=OPTIONAL_AUTH,
)
def techwatch_list(
    request: HttpRequest, page: Query[PageParams], filters: Query[TechWatchFilter]
) -> dict[str, object]:
    viewer = principal(request, READ).viewer
    items = selectors.techwatch_visible(viewer=viewer, filters=filters.model_dump())
    return paginate(items.prefetch_related("audience_keys"), page, _techwatch)


@router.get(
    "/tech-watch/{int:entry_id}",
    response={200: TechWatchDetailOut, **documented(*COMMON, 403, 404)},
    summary="One technology watch entry",
    openapi_extra=OPTIONAL_AUTH,
)
def techwatch_detail(request: HttpRequest, entry_id: int) -> TechWatchOut:
    viewer = principal(request, READ).viewer
    item = selectors.techwatch_get(viewer=viewer, pk=entry_id)
    record_read(viewer, item, request=request)
    return _techwatch(item, detail=True)
