"""Pages for results, project concepts, best practices, technology watch entries and
uptake. Lists go through ``filter_visible``, pages through ``access_item`` (404 for what
the reader may not see), and AMBER/RED reads are audited (``record_read``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lenhub.access.models import Restricted
from lenhub.access.policy import AudienceError, Viewer, access_item, item_audience, record_read
from lenhub.access.policy import viewer_for_request as _viewer
from lenhub.knowledge import selectors
from lenhub.knowledge.forms import (
    AudienceForm,
    BestPracticeFilter,
    BestPracticeForm,
    ConceptFilter,
    ConceptForm,
    ResultFilter,
    ResultForm,
    TechWatchFilter,
    TechWatchForm,
    UptakeForm,
)
from lenhub.knowledge.models import (
    BestPractice,
    Concept,
    Project,
    Result,
    TechWatch,
    UptakeStage,
)
from lenhub.knowledge.services import (
    knowledge_item_create,
    knowledge_item_update,
    may_author,
    may_edit,
    uptake_record,
)
from lenhub.knowledge.views import country_name

PER_PAGE = 20


def _page(request: HttpRequest, items: QuerySet[Any], form: Any) -> tuple[Any, str]:
    number = _filters(form).get("page") or 1
    page = Paginator(items, PER_PAGE).get_page(number)
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _filters(form: Any) -> dict[str, Any]:
    """The filters that were understood (the page says when some were not)."""
    form.is_valid()
    return dict(getattr(form, "cleaned_data", {}))


def _list(
    request: HttpRequest,
    template: str,
    items: QuerySet[Any],
    form: Any,
    **context: Any,
) -> HttpResponse:
    viewer = context.pop("viewer", None) or _viewer(request)
    page, query = _page(request, items, form)
    if items.model is Result:
        context["linkable"] = _linkable_projects(viewer, list(page.object_list))
    context |= {
        "form": form,
        "page_obj": page,
        "query": query,
        "may_author": may_author(viewer=viewer),
    }
    return render(request, template, context)


# --- results ----------------------------------------------------------------------------


def result_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    form = ResultFilter(request.GET or None)
    items = selectors.results_visible(viewer=viewer, filters=_filters(form))
    return _list(request, "knowledge/result_list.html", items, form, viewer=viewer)


def _linkable_projects(viewer: Viewer, results: list[Result]) -> set[int]:
    ids = {r.project_id for r in results if r.project_id}
    return selectors.project_ids_visible(viewer=viewer, ids=ids) if ids else set()


def result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    result = selectors.result_get(viewer=viewer, pk=pk)
    record_read(viewer, result, request=request)
    mine = selectors.uptake_of_organisation(viewer=viewer, result=result)
    context = {
        "item": result,
        "project_visible": bool(_linkable_projects(viewer, [result])),
        "uptake": selectors.uptake_counts(viewer=viewer, result=result),
        "mine": mine,
        "uptake_form": UptakeForm(initial={"stage": mine.stage} if mine else None)
        if may_author(viewer=viewer)
        else None,
        "may_edit": may_edit(viewer=viewer, item=result),
    }
    return render(request, "knowledge/result_detail.html", context)


@login_required
@require_POST
def result_uptake(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    result = selectors.result_get(viewer=viewer, pk=pk)
    if not may_author(viewer=viewer):
        raise PermissionDenied
    form = UptakeForm(request.POST)
    if form.is_valid():
        try:
            uptake_record(
                viewer=viewer,
                actor=request.user,  # type: ignore[arg-type]
                result=result,
                stage=form.cleaned_data["stage"],
                note=form.cleaned_data["note"],
            )
        except (AudienceError, PermissionDenied) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your organisation's uptake was recorded."))
    else:
        messages.error(request, _("Choose a stage."))
    return redirect(result.get_absolute_url())


# --- concepts, best practices, technology watch -----------------------------------------


def concept_list(request: HttpRequest) -> HttpResponse:
    form = ConceptFilter(request.GET or None)
    items = selectors.concepts_visible(viewer=_viewer(request), filters=_filters(form))
    return _list(request, "knowledge/concept_list.html", items, form)


def concept_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    item = selectors.concept_get(viewer=viewer, pk=pk)
    return _detail(request, viewer, item, "knowledge/concept_detail.html")


def bestpractice_list(request: HttpRequest) -> HttpResponse:
    from lenhub.accounts.models import Country

    viewer = _viewer(request)
    countries = list(Country.objects.order_by("name").values_list("code", "name"))
    form = BestPracticeFilter(request.GET or None, countries=countries)
    items = selectors.bestpractices_visible(viewer=viewer, filters=_filters(form))
    return _list(request, "knowledge/bestpractice_list.html", items, form)


def bestpractice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    item = selectors.bestpractice_get(viewer=viewer, pk=pk)
    return _detail(request, viewer, item, "knowledge/bestpractice_detail.html")


def techwatch_list(request: HttpRequest) -> HttpResponse:
    from lenhub.networks.models import Group

    viewer = _viewer(request)
    visible = selectors.techwatch_visible(viewer=viewer)
    groups = Group.objects.filter(pk__in=visible.values("relevant_groups")).select_related(
        "network"
    )
    choices = [(g.pk, f"{g.network.acronym}: {g.name}") for g in groups]
    form = TechWatchFilter(request.GET or None, groups=sorted(choices, key=lambda c: c[1]))
    items = selectors.techwatch_visible(viewer=viewer, filters=_filters(form))
    return _list(request, "knowledge/techwatch_list.html", items, form)


def techwatch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    item = selectors.techwatch_get(viewer=viewer, pk=pk)
    return _detail(request, viewer, item, "knowledge/techwatch_detail.html")


def _detail(
    request: HttpRequest, viewer: Viewer, item: Restricted, template: str, **context: Any
) -> HttpResponse:
    record_read(viewer, item, request=request)
    context |= {"item": item, "may_edit": may_edit(viewer=viewer, item=item)}
    return render(request, template, context)


# --- contributing -----------------------------------------------------------------------

FORMS: dict[type[Model], tuple[type[AudienceForm], Any]] = {
    Result: (ResultForm, gettext_lazy("result")),
    Concept: (ConceptForm, gettext_lazy("project concept")),
    BestPractice: (BestPracticeForm, gettext_lazy("best practice")),
    TechWatch: (TechWatchForm, gettext_lazy("technology watch entry")),
}


def _edit(
    request: HttpRequest,
    model: type[Restricted],
    item: Restricted | None = None,
    project: Project | None = None,
) -> HttpResponse:
    viewer = _viewer(request)
    if not may_author(viewer=viewer):
        raise PermissionDenied
    form_class, noun = FORMS[model]
    initial: dict[str, Any] = {}
    if item is not None:
        if not may_edit(viewer=viewer, item=item):
            raise PermissionDenied
        initial = {
            name: getattr(item, name) for name in form_class.base_fields if hasattr(item, name)
        }
        initial["audience"] = " ".join(sorted(item_audience(item)))
        initial["tlp"] = item.tlp
        if isinstance(item, TechWatch):
            initial["relevant_groups"] = list(item.relevant_groups.all())
    form = form_class(request.POST or None, initial=initial, viewer=viewer, actor=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("audience", "tlp")}
        groups = fields.pop("relevant_groups", None)
        if model is Result and item is None:
            fields["project"] = project
        try:
            if item is None:
                saved = knowledge_item_create(
                    model=model,
                    viewer=viewer,
                    actor=request.user,  # type: ignore[arg-type]
                    fields=fields,
                    audience=form.audience_atoms(),
                    tlp=form.cleaned_data["tlp"],
                    groups=groups,
                )
            else:
                saved = knowledge_item_update(
                    item=item,
                    viewer=viewer,
                    actor=request.user,  # type: ignore[arg-type]
                    fields=fields,
                    audience=form.audience_atoms(),
                    tlp=form.cleaned_data["tlp"],
                    groups=groups,
                )
        except (AudienceError, PermissionDenied) as error:
            form.add_error(None, str(error))
        except ValidationError as error:  # the model's own checks, shown on the form
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Saved."))
            return redirect(saved.get_absolute_url())  # type: ignore[attr-defined]
    context = {"form": form, "noun": noun, "item": item, "project": project}
    return render(request, "knowledge/item_form.html", context)


@login_required
def result_new(request: HttpRequest, project_pk: int | None = None) -> HttpResponse:
    project = None
    if project_pk is not None:
        project = access_item(_viewer(request), Project.objects.all(), project_pk)
    return _edit(request, Result, project=project)


def _editable(request: HttpRequest, get: Any, pk: int) -> Any:
    return get(viewer=_viewer(request), pk=pk)  # 404 for what the reader may not see


@login_required
def result_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, Result, _editable(request, selectors.result_get, pk))


@login_required
def concept_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, Concept)


@login_required
def concept_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, Concept, _editable(request, selectors.concept_get, pk))


@login_required
def bestpractice_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, BestPractice)


@login_required
def bestpractice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, BestPractice, _editable(request, selectors.bestpractice_get, pk))


@login_required
def techwatch_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, TechWatch)


@login_required
def techwatch_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, TechWatch, _editable(request, selectors.techwatch_get, pk))


# --- uptake summary ---------------------------------------------------------------------


def uptake_summary(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    summary = selectors.uptake_summary(viewer=viewer)
    context = {
        "summary": summary,
        "stages": [label for _value, label in UptakeStage.choices],
        "countries": [(country_name(row.key), row) for row in summary.by_country],
    }
    return render(request, "knowledge/uptake_summary.html", context)
