"""One permission-aware search (issue 5): ranked full text, filters, facet counts,
highlighted snippets and "more like this".

Access is decided inside the query: each document carries its audience set; the reader's
keys say which sets they hold (and, for named participants, whether they are named), and
every statement here (results, total, facets, snippets) joins on that condition. Nothing
is filtered afterwards in Python, so counts cannot leak what the results hide.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from lenhub.access.policy import Viewer, handling
from lenhub.search.engines import MARK_END, MARK_START, engine
from lenhub.search.models import AudienceSet, SearchDocument
from lenhub.search.query import ParsedQuery, parse

SINGLE_FACETS = {"type": "d.kind", "programme": "d.programme", "status": "d.status",
                 "trl": "d.trl", "year": "d.year"}  # fmt: skip
MULTI_FACETS = ("country", "topic")
FACETS = (*SINGLE_FACETS, *MULTI_FACETS)
FACET_LIMIT = 30


@dataclass
class Hit:
    id: int
    kind: str
    object_id: int
    title: str
    url: str
    source_id: str
    tlp: str
    score: float
    snippet: str = ""


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    query: ParsedQuery | None = None


def _access(viewer: Viewer) -> tuple[str, list[Any]]:
    """SQL on ``d`` (search_searchdocument) true for documents ``viewer`` may read."""
    plain: list[int] = []
    named: list[int] = []
    for pk, keys, is_named in AudienceSet.objects.values_list("pk", "keys", "named"):
        if frozenset(keys.split()) <= viewer.keys:
            (named if is_named else plain).append(pk)
    parts, params = [], []
    if plain:
        parts.append(f"d.audience_id IN ({','.join(['%s'] * len(plain))})")
        params += plain
    if named and viewer.user_id is not None:
        parts.append(
            f"(d.audience_id IN ({','.join(['%s'] * len(named))}) AND EXISTS (SELECT 1 FROM "
            "search_searchparticipant p WHERE p.document_id = d.id AND p.user_id = %s))"
        )
        params += [*named, viewer.user_id]
    if not parts:
        return "1 = 0", []
    return "(" + " OR ".join(parts) + ")", params


def _filters(filters: dict[str, str | int | None]) -> tuple[str, list[Any]]:
    parts, params = [], []
    for name, value in filters.items():
        if value in (None, ""):
            continue
        if name in SINGLE_FACETS:
            parts.append(f"{SINGLE_FACETS[name]} = %s")
            params.append(value)
        elif name in MULTI_FACETS:
            parts.append(
                "EXISTS (SELECT 1 FROM search_searchfacetvalue f WHERE f.document_id = d.id "
                "AND f.facet = %s AND f.value = %s)"
            )
            params += [name, value]
        else:
            raise ValueError(f"unknown filter {name!r}")
    return " AND ".join(parts) or "1 = 1", params


def search(
    viewer: Viewer,
    text: str = "",
    *,
    filters: dict[str, str | int | None] | None = None,
    limit: int = 20,
    offset: int = 0,
    facets: bool = True,
    snippets: bool = True,
    exclude: int | None = None,
    expand: bool = True,
) -> SearchResult:
    """Search what ``viewer`` may read. ``filters`` by facet name (``type``, ``programme``,
    ``status``, ``trl``, ``year``, ``country``, ``topic``)."""
    query = parse(text, expand=expand)
    search_engine = engine()
    access_sql, access_params = _access(viewer)
    filter_sql, filter_params = _filters(filters or {})
    where = f"{access_sql} AND {filter_sql}"
    params = [*access_params, *filter_params]
    if exclude is not None:
        where += " AND d.id <> %s"
        params.append(exclude)
    if query.empty:
        match_sql: str = "1 = 1"
        match_params: list[Any] = []
    else:
        match_sql, match_params = search_engine.match(query)

    def run(select: str, tail: str = "", extra: list[Any] | None = None, joins: str = "") -> Any:
        """Counts and facets: the match and the access condition, no ranking."""
        statement = (
            f"SELECT {select} FROM search_searchdocument d {joins} "
            f"WHERE ({match_sql}) AND {where} {tail}"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, [*match_params, *params, *(extra or [])])
            return cursor.fetchall()

    columns = "d.id, d.kind, d.object_id, d.title, d.url, d.source_id, d.tlp"
    if query.empty:
        rows = run(f"{columns}, 0.0", "ORDER BY d.sort_date DESC, d.id DESC LIMIT %s OFFSET %s",
                   [limit, offset])  # fmt: skip
    else:
        hits_sql, hits_params = search_engine.hits(query)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH h AS MATERIALIZED ({hits_sql}) SELECT {columns}, h.rank FROM h "
                f"JOIN search_searchdocument d ON d.id = h.id WHERE {where} "
                "ORDER BY h.rank DESC, d.id LIMIT %s OFFSET %s",
                [*hits_params, *params, limit, offset],
            )
            rows = cursor.fetchall()
    hits = [
        Hit(
            id=row[0], kind=row[1], object_id=row[2], title=row[3], url=row[4],
            source_id=row[5], tlp=row[6], score=round(float(row[7]), 4),
        )
        for row in rows
    ]  # fmt: skip
    total = run("COUNT(*)")[0][0]
    result = SearchResult(hits=hits, total=total, query=query)
    if facets:
        for name, column in SINGLE_FACETS.items():
            counted = run(
                f"{column}, COUNT(*)",
                f"AND {column} IS NOT NULL GROUP BY {column} "
                f"ORDER BY COUNT(*) DESC, {column} LIMIT {FACET_LIMIT}",
            )
            result.facets[name] = [(str(v), n) for v, n in counted if v not in (None, "")]
        for name in MULTI_FACETS:
            counted = run(
                "f.value, COUNT(*)",
                f"AND f.facet = %s GROUP BY f.value ORDER BY COUNT(*) DESC, f.value "
                f"LIMIT {FACET_LIMIT}",
                [name],
                joins="JOIN search_searchfacetvalue f ON f.document_id = d.id",
            )
            result.facets[name] = [(str(v), n) for v, n in counted]
    if snippets and not query.empty and hits:
        allowed = [hit.id for hit in hits if handling(hit.tlp).search_snippets]
        found = search_engine.snippets(query, allowed)
        for hit in hits:
            if hit.id in found:
                hit.snippet = _marked(found[hit.id])
    return result


def _marked(text: str) -> str:
    """HTML-escaped snippet with the matching words in ``<mark>``."""
    escaped = html.escape(text, quote=False)
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def more_like_this(viewer: Viewer, document: SearchDocument, *, limit: int = 5) -> SearchResult:
    """Documents about the same things as ``document`` (its title, keywords and the
    start of its text as the query), never ``document`` itself."""
    seed = " ".join([document.title, document.keywords[:300], document.body[:600]])
    words = parse(seed, expand=False).words[:20]
    return search(
        viewer,
        " ".join(words),
        limit=limit,
        facets=False,
        snippets=False,
        exclude=document.pk,
        expand=False,
    )
