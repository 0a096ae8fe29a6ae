"""The paging convention every list endpoint follows.

Query: ``limit`` (1-100, default 20) and ``offset`` (0 or more). Response:
``{"results": [...], "total": N, "limit": L, "offset": O}``; ``total`` counts only
what the caller may see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Field, Schema

T = TypeVar("T")

MAX_LIMIT = 100


class PageParams(Schema):
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="How many results (1-100).")
    offset: int = Field(0, ge=0, le=10_000_000, description="How many results to skip.")


class Page(Schema, Generic[T]):
    results: list[T]
    total: int
    limit: int
    offset: int


def paginate(
    items: QuerySet[Any] | Sequence[Any],
    params: PageParams,
    convert: Callable[[Any], Any] = lambda item: item,
) -> dict[str, Any]:
    total = items.count() if isinstance(items, QuerySet) else len(items)
    window = items[params.offset : params.offset + params.limit]
    return {
        "results": [convert(item) for item in window],
        "total": total,
        "limit": params.limit,
        "offset": params.offset,
    }
