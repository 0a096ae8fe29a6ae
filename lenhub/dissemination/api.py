"""API: news, filtered by the access policy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from lenhub.access.models import TLP
from lenhub.access.policy import effective_tlp, handling, record_read, tlp_label
from lenhub.api.auth import OPTIONAL_AUTH, principal
from lenhub.api.errors import COMMON, documented
from lenhub.api.filters import instant
from lenhub.api.pagination import Page, PageParams, paginate
from lenhub.dissemination.models import News
from lenhub.dissemination.selectors import news_get, news_visible

router = Router(tags=["news"])


class NewsOut(Schema):
    id: int
    title: str
    summary: str
    published_at: datetime
    tlp: str = Field(description="The effective label, e.g. TLP:AMBER.")
    handling: str = Field(description="What the label allows, in one line.")
    audience: list[str] = Field(description="Audience keys a reader must all hold.")


class NewsDetailOut(NewsOut):
    body: str


class NewsFilter(Schema):
    q: str | None = Field(None, max_length=200, description="Words in the title or text.")
    tlp: TLP | None = Field(None, description="Only items with this label.")
    since: datetime | None = Field(None, description="Published at or after this time.")


def _handling_line(label: str) -> str:
    rules = handling(label)
    parts = [_("may be shared publicly") if rules.may_be_public else _("not for public release")]
    if not rules.export_allowed:
        parts.append(_("no export or download"))
    if rules.share_within_own_organisation_only:
        parts.append(_("share within your own organisation only"))
    return "; ".join(parts)


def _out(item: News, cls: type[NewsOut] = NewsOut) -> NewsOut:
    label = effective_tlp(item)
    fields: dict[str, Any] = {
        "id": item.pk,
        "title": item.title,
        "summary": item.summary,
        "published_at": item.published_at,
        "tlp": tlp_label(label),
        "handling": _handling_line(label),
        "audience": sorted(key.key for key in item.audience_keys.all()),
    }
    if cls is NewsDetailOut:
        fields["body"] = item.body
    return cls(**fields)


@router.get(
    "",
    response={200: Page[NewsOut], **documented(*COMMON, 403)},
    summary="News",
    openapi_extra=OPTIONAL_AUTH,
)
def news_list(
    request: HttpRequest, page: Query[PageParams], filters: Query[NewsFilter]
) -> dict[str, object]:
    caller = principal(request, "news:read")
    items = news_visible(viewer=caller.viewer).prefetch_related("audience_keys")
    if filters.q:
        items = items.filter(Q(title__icontains=filters.q) | Q(body__icontains=filters.q))
    if filters.tlp:
        items = items.filter(tlp=filters.tlp)
    if filters.since:
        items = items.filter(published_at__gte=instant(filters.since))
    return paginate(items.order_by("-published_at", "-pk"), page, _out)


@router.get(
    "/{int:news_id}",
    response={200: NewsDetailOut, **documented(*COMMON, 403, 404)},
    summary="One news item",
    openapi_extra=OPTIONAL_AUTH,
)
def news_detail(request: HttpRequest, news_id: int) -> NewsOut:
    caller = principal(request, "news:read")
    item = news_get(viewer=caller.viewer, pk=news_id)
    record_read(caller.viewer, item, request=request)
    return _out(item, NewsDetailOut)
