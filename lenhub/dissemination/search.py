"""News and guidance in the one search."""

from __future__ import annotations

from typing import Any

from lenhub.dissemination.models import Guidance, News
from lenhub.search.registry import Entry, search_register


def news_entry(news: Any) -> Entry:
    return Entry(
        title=news.title,
        keywords=news.summary,
        body=news.body,
        url=news.get_absolute_url(),
        year=news.published_at.year,
        sort_date=news.published_at.date(),
    )


def guidance_entry(guidance: Any) -> Entry:
    return Entry(
        title=guidance.title,
        keywords=" ".join([guidance.summary, guidance.reference, str(guidance.get_kind_display())]),
        body=guidance.body,
        url=guidance.get_absolute_url(),
        year=guidance.published_at.year,
        sort_date=guidance.published_at.date(),
    )


def register() -> None:
    search_register("news", News, news_entry)
    search_register("guidance", Guidance, guidance_entry)
