"""How modules plug into search: each registers the kind of item it indexes and a
function that turns one item into an ``Entry``. The search app keeps the index in step
(on commit after saves, deletions and audience changes) and ``lenhub search reindex``
rebuilds it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Model, QuerySet


@dataclass
class Entry:
    title: str
    body: str = ""
    keywords: str = ""
    url: str = ""
    source_id: str = ""
    programme: str = ""
    status: str = ""
    trl: int | None = None
    year: int | None = None
    sort_date: date | None = None
    countries: Iterable[str] = ()
    topics: Iterable[str] = ()


@dataclass
class Kind:
    name: str
    model: type[Model]
    build: Callable[[Any], Entry]
    queryset: Callable[[], QuerySet[Any]]


KINDS: dict[str, Kind] = {}


def search_register(
    name: str,
    model: type[Model],
    build: Callable[[Any], Entry],
    *,
    queryset: Callable[[], QuerySet[Any]] | None = None,
) -> None:
    """Index ``model`` as ``name``; ``build`` turns an item into an ``Entry``."""
    from lenhub.search.indexing import connect

    KINDS[name] = Kind(
        name=name,
        model=model,
        build=build,
        queryset=queryset or model._default_manager.all,
    )
    connect(KINDS[name])


def kind_for_model(model: type[Model]) -> Kind | None:
    for kind in KINDS.values():
        if issubclass(model, kind.model):
            return kind
    return None
