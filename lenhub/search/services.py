"""One permission-aware search (issue 5): ranked full text, filters, facet counts,
highlighted snippets and "more like this".

Access is decided inside the query: each document carries its audience set; the reader's
keys say which sets they hold (and, for named participants, whether they are named), and
every statement here joins on that condition. A search reads the matching documents the
reader may see in one statement, which returns the first of them by rank, and their total
and facet counts, so counts cannot include what the results hide; snippets are made only
for the hits on the page.
"""

from __future__ import annotations

import dataclasses
import heapq
import html
import itertools
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection

from lenhub.access.policy import Viewer, handling
from lenhub.search import engines
from lenhub.search.engines import (
    FIELD_SEPARATOR,
    MARK_END,
    MARK_START,
    MULTI_SEPARATOR,
    Engine,
    engine,
    index_token,
)
from lenhub.search.models import AudienceSet, SearchDocument
from lenhub.search.query import STOP_WORDS, ParsedQuery, fold, parse

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
    relaxed: bool = False  # too few matched every word: these match some of them


# what decides a reader's view in ``_access``: the plain audience sets they hold, the
# named ones, and who they are when they hold a named one
Holding = tuple[tuple[int, ...], tuple[int, ...], int | None]


def _holding(viewer: Viewer) -> Holding:
    """The audience sets ``viewer`` holds (the policy's keys against each set's keys)."""
    plain: list[int] = []
    named: list[int] = []
    for pk, keys, is_named in AudienceSet.objects.order_by("pk").values_list("pk", "keys", "named"):
        if frozenset(keys.split()) <= viewer.keys:
            (named if is_named else plain).append(pk)
    if not named or viewer.user_id is None:
        return tuple(plain), (), None
    return tuple(plain), tuple(named), viewer.user_id


def _access(holding: Holding, *, indexed: bool = True) -> tuple[str, list[Any]]:
    """SQL on ``d`` (search_searchdocument) true for documents a reader holding
    ``holding`` may read: a function of ``holding`` alone, so two readers with the same
    holding see the same documents.

    Not ``indexed``: written so that PostgreSQL's planner does not read the audience
    index, for statements that find their documents by full text. Most documents have an
    audience most readers hold; reading that index for a match anyway (a bitmap of
    every document a reader holds, ANDed with the words') cost 9-10 ms at 200,000
    documents (bench/RESULTS.md)."""
    plain, named, user_id = holding
    column = "d.audience_id" if indexed else "(d.audience_id + 0)"
    parts: list[str] = []
    params: list[Any] = []
    if plain:
        parts.append(f"{column} IN ({','.join(['%s'] * len(plain))})")
        params += plain
    if named and user_id is not None:
        parts.append(
            f"({column} IN ({','.join(['%s'] * len(named))}) AND EXISTS (SELECT 1 FROM "
            "search_searchparticipant p WHERE p.document_id = d.id AND p.user_id = %s))"
        )
        params += [*named, user_id]
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


MIN_STRICT = 10  # fewer documents than this match every group: add those matching any


def _relaxed(search_engine: Engine, query: ParsedQuery) -> ParsedQuery:
    """What to match when too few documents match every group: any of its terms. With
    ``LENHUB_SEARCH_RELAXED_POSTINGS`` = N > 0, any of the anchors instead: the terms of
    the rarest groups (and phrases) that together occur in at most N documents, always
    the rarest one; the engines rank the first documents again by every term
    (``Engine.rerank``). Any word of a long question matched most of a large index
    (170,000 of 200,000 documents: about a second to rank and count); the anchors bound
    that, and the words that say what a question is about are the rare ones
    (bench/RESULTS.md measures what the bound costs in relevance). Nothing changes while
    all the terms together occur in at most N documents."""
    budget = settings.LENHUB_SEARCH_RELAXED_POSTINGS
    if not budget:
        return query
    units = [group for group in query.groups if group] + [(p,) for p in query.phrases]
    terms_in_units = [t for unit in units for t in unit]
    if len(terms_in_units) * search_engine.document_frequencies([])[""][1] <= budget:
        return query  # even if every term were in every document (no counting needed)
    counts = search_engine.document_frequencies(terms_in_units)
    sizes = [sum(counts[t][1] for t in unit) for unit in units]
    kept: set[int] = set()
    postings = 0
    for index in sorted(range(len(units)), key=lambda i: (sizes[i], i)):
        if kept and postings + sizes[index] > budget:
            break
        kept.add(index)
        postings += sizes[index]
    terms = {t for i in kept for t in units[i]}
    return dataclasses.replace(query, anchors=tuple(t for t in query.terms if t in terms))


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
    require_all: bool = True,
    feedback: bool = True,
) -> SearchResult:
    """Search what ``viewer`` may read. ``filters`` by facet name (``type``, ``programme``,
    ``status``, ``trl``, ``year``, ``country``, ``topic``).

    A document must match every word typed (or one of its synonyms); when fewer than
    ``MIN_STRICT`` do, documents matching any word follow them (``relaxed``).

    A search is remembered (``REMEMBER`` of them, in this process) under everything its
    result depends on: the arguments, the audience sets the reader holds (``_holding``)
    and the index's change token, which every write to the index replaces in its own
    transaction. Another reader with the same holding gets the same result; any write
    (a new item, a changed audience, new participants) makes a new search."""
    holding = _holding(viewer)
    token = index_token()
    key = (engine().name, token, holding, text, repr(sorted((filters or {}).items())), limit,
           offset, facets, snippets, exclude, expand, require_all, feedback)  # fmt: skip
    if token is not None:
        with _REMEMBERING:
            remembered: SearchResult | None = engines._RESULTS.get(key)
            if remembered is not None:
                engines._RESULTS.move_to_end(key)
        if remembered is not None:
            return _copied(remembered)
    result = _search(holding, text, filters, limit, offset, facets, snippets, exclude, expand,
                     require_all, feedback)  # fmt: skip
    if token is not None:
        kept = _copied(result)
        with _REMEMBERING:
            engines._RESULTS[key] = kept
            while len(engines._RESULTS) > REMEMBER:
                engines._RESULTS.popitem(last=False)
    return result


def _copied(result: SearchResult) -> SearchResult:
    """A copy a caller may change without changing what is remembered: the hits and
    facet lists are new (their values, strings, numbers and tuples, cannot change, and
    the parsed query is frozen). A deep copy took a millisecond per call."""
    return dataclasses.replace(
        result,
        hits=[dataclasses.replace(hit) for hit in result.hits],
        facets={name: list(values) for name, values in result.facets.items()},
    )


REMEMBER = 500  # searches remembered per process (a few kilobytes each)
_REMEMBERING = threading.Lock()


def _search(
    holding: Holding,
    text: str,
    filters: dict[str, str | int | None] | None,
    limit: int,
    offset: int,
    facets: bool,
    snippets: bool,
    exclude: int | None,
    expand: bool,
    require_all: bool,
    feedback: bool,
) -> SearchResult:
    query = parse(text, expand=expand)
    access_sql, access_params = _access(holding, indexed=query.empty)
    if exclude is not None:
        access_sql += " AND d.id <> %s"
        access_params.append(exclude)
    filter_sql, filter_params = _filters(filters or {})
    where = f"{access_sql} AND {filter_sql}"
    params = [*access_params, *filter_params]
    if query.empty:
        return _browse(where, params, limit=limit, offset=offset, facets=facets, query=query)
    search_engine = engine()

    # at least MIN_STRICT: a relaxed search leaves out every strict match by id
    first = max(search_engine.rerank_pool(), offset + limit, MIN_STRICT)

    def matching(match: ParsedQuery, strict: bool, *, besides: Sequence[int] = ()) -> Matches:
        """One pass over the matching documents the reader may see (but ``besides``):
        the first ``first`` by rank, how many there are and their facet values."""
        extra_sql, extra_params = where, params
        if besides:
            marks = ",".join(["%s"] * len(besides))
            extra_sql, extra_params = f"{where} AND d.id NOT IN ({marks})", [*params, *besides]

        def statement(part: engines.Part) -> tuple[str, list[Any]]:
            sql, match_params = search_engine.matching(
                match, strict=strict, where=extra_sql, part=part
            )
            return sql, [*match_params, *extra_params]

        estimate = search_engine.estimate(match, strict=strict)
        return _matches(search_engine, statement, first=first, facets=facets,
                        large=estimate is None or estimate >= PARTS_FOR)  # fmt: skip

    found = matching(query, strict=require_all and query.can_relax)
    ranked_as = query  # the query whose match ranked ``found`` (a relaxed one may have anchors)
    # id -> (matches every group, among the first documents ranked again, rank), in the
    # order of ``_sort_key`` (each match comes ranked, the relaxed one after the strict)
    order: dict[int, tuple[int, int, float]] = {pk: (1, 0, rank) for pk, rank in found.first}
    relaxed = False
    if (
        require_all
        and query.can_relax
        and found.total < MIN_STRICT
        and not (
            filter_params
            and _strict_count(search_engine, query, access_sql, access_params) >= MIN_STRICT
        )
    ):  # a filter narrows what the reader chose from; it never widens the match
        relaxed = True
        ranked_as = _relaxed(search_engine, query)
        # every strict match is among ``first`` (fewer than MIN_STRICT): the relaxed
        # match counts the others, so totals and facet counts add up
        more = matching(ranked_as, strict=False, besides=list(order))
        for pk, rank in more.first:
            order[pk] = (0, 0, rank)
        found = Matches(found.first + more.first, found.total + more.total,
                        found.facets + more.facets)  # fmt: skip
    pool = _refine(search_engine, ranked_as, order, feedback=feedback)
    if offset + limit <= len(pool):
        # the pool is the first of ``order`` and was ranked again ahead of the rest
        ranked = sorted(pool, key=lambda pk: _sort_key(order, pk))[offset : offset + limit]
    else:
        ranked = heapq.nsmallest(offset + limit, order, key=lambda pk: _sort_key(order, pk))
        ranked = ranked[offset:]
    hits = _hits(ranked, {pk: order[pk][2] for pk in ranked}, (access_sql, access_params))
    result = SearchResult(hits=hits, total=found.total, query=query, relaxed=relaxed)
    if facets:
        result.facets = _count_facets(found.facets)
    if snippets and hits:
        allowed = [hit.id for hit in hits if handling(hit.tlp).search_snippets]
        made = search_engine.snippets(query, allowed)
        for hit in hits:
            if hit.id in made:
                hit.snippet = _marked(made[hit.id])
    return result


# Pseudo-relevance feedback: the best few documents say what else the reader's subject is
# called; the engine's first ``rerank_pool()`` documents are ranked again, adding its
# FEEDBACK_WEIGHT of their rank for the FEEDBACK_WORDS words that those FEEDBACK_TOP
# documents share most and that are rare in the whole index. Measured in
# bench/relevance.py (bench/RESULTS.md).
FEEDBACK_TOP = 5
FEEDBACK_WORDS = 8
FEEDBACK_CANDIDATES = 16
_FEEDBACK_WORD = re.compile(r"[a-z]{4,}")


def _strict_count(
    search_engine: Engine, query: ParsedQuery, access_sql: str, access_params: list[Any]
) -> int:
    """How many documents the reader may see match every group, before filters."""
    hits_sql, hits_params = search_engine.hits(query, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH h AS MATERIALIZED ({hits_sql}) SELECT count(*) "
            f"FROM h JOIN search_searchdocument d ON d.id = h.id WHERE {access_sql}",
            [*hits_params, *access_params],
        )
        return int(cursor.fetchone()[0])


def _sort_key(order: dict[int, tuple[int, int, float]], pk: int) -> tuple[int, int, float, int]:
    tier, pooled, rank = order[pk]
    return (-tier, -pooled, -rank, pk)


def _refine(
    search_engine: Engine,
    query: ParsedQuery,
    order: dict[int, tuple[int, int, float]],
    *,
    feedback: bool,
) -> list[int]:
    """Rank the engine's first ``rerank_pool()`` documents of ``order`` (which is in the
    order of ``_sort_key``) again, in place: with the engine's finer rank, then with
    feedback words. Returns those documents."""
    pool = list(itertools.islice(order, search_engine.rerank_pool()))
    finer = search_engine.rerank(query, pool)
    for pk in pool:
        tier, _, rank = order[pk]
        order[pk] = (tier, 1, rank if finer is None else finer.get(pk, 0.0))
    if not feedback or len(pool) <= FEEDBACK_TOP:
        return pool
    best = heapq.nsmallest(FEEDBACK_TOP, pool, key=lambda pk: _sort_key(order, pk))
    marks = ",".join(["%s"] * len(best))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT title, body FROM search_searchdocument WHERE id IN ({marks})", best)
        texts = cursor.fetchall()
    typed = set(query.terms)
    shared: Counter[str] = Counter()
    for title, body in texts:
        shared.update(
            {w for w in _FEEDBACK_WORD.findall(fold(f"{title} {body}"))
             if w not in STOP_WORDS and w not in typed}
        )  # fmt: skip
    # the words most of the best documents share (longer first: "decontamination"
    # says more than "area"), few enough that looking up how rare they are stays cheap
    candidates = sorted(
        (word for word, n in shared.items() if n >= 2), key=lambda w: (-shared[w], -len(w), w)
    )[:FEEDBACK_CANDIDATES]
    if not candidates:
        return pool
    frequencies = search_engine.document_frequencies(candidates)
    total = frequencies[""][1]
    words = sorted(
        candidates,
        key=lambda w: (-shared[w] * math.log(1 + total / (frequencies[w][1] + 1)), w),
    )[:FEEDBACK_WORDS]
    for pk, score in search_engine.feedback(words, pool).items():
        tier, pooled, rank = order[pk]
        order[pk] = (tier, pooled, rank + search_engine.FEEDBACK_WEIGHT * score)
    return pool


@dataclass
class Matches:
    """What a search reads of its matches: the first (id, rank), best first; how many
    there are; and each distinct combination of facet values (``engines.FACET_TEXT``)
    with its number of documents (empty when no facets are wanted)."""

    first: list[tuple[int, float]]
    total: int
    facets: list[tuple[str, int]]


# A match of a large index is read in ``LENHUB_SEARCH_PARTS`` parts at once, each a range
# of document ids on a database connection of its own (one in this thread, the others in
# helper threads): ranking and counting thousands of matches is the bulk of a search,
# and one statement uses one processor (bench/RESULTS.md). Below PARTS_FROM documents it
# is not worth a second statement; inside a transaction another connection would not
# see its writes, so it is read in one part; and a helper that is busy with another
# search is not waited for. Each part applies the reader's access condition itself.
PARTS_FROM = 20_000
# ... and when the engine expects this many matches or more (or cannot tell): a small
# match read in parts took longer than in one statement
PARTS_FOR = 2_000
_HELPERS: dict[int, tuple[ThreadPoolExecutor, threading.BoundedSemaphore]] = {}
_HELPERS_LOCK = threading.Lock()


def _helpers(n: int) -> tuple[ThreadPoolExecutor, threading.BoundedSemaphore]:
    """``n`` helper threads, and how many of them are free."""
    with _HELPERS_LOCK:
        if n not in _HELPERS:
            _HELPERS[n] = (
                ThreadPoolExecutor(n, thread_name_prefix="lenhub-search"),
                threading.BoundedSemaphore(n),
            )
        return _HELPERS[n]


def _in_parts(search_engine: Engine) -> list[engines.Part]:
    """The id ranges to read a match in (one, whole, when it is not worth parts)."""
    wanted = settings.LENHUB_SEARCH_PARTS
    if wanted < 2 or connection.in_atomic_block:
        return [(None, None)]
    if search_engine.document_frequencies([])[""][1] < PARTS_FROM:
        return [(None, None)]
    return search_engine.parts(wanted)


def _read_part(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """One part's rows, in a helper thread (on that thread's own connection, given
    back to the pool after, if there is one)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    finally:
        if connection.vendor != "sqlite":
            connection.close()


def _matches(
    search_engine: Engine,
    statement: Callable[[engines.Part], tuple[str, list[Any]]],
    *,
    first: int,
    facets: bool,
    large: bool = True,
) -> Matches:
    """One statement over the matches ``statement`` selects (``id``, ``rank``,
    ``facets``) per part of the index: the first ``first`` by rank, and the documents
    counted by facet combination (or only counted); a ``large`` match may be read in
    parts at once (``_in_parts``). The database counts and groups
    them: handing every match to Python to count took a third of the time of a search
    matching thousands of documents (bench/RESULTS.md)."""
    grouped = (
        "SELECT 1, count(*), NULL, m.facets FROM m GROUP BY m.facets"
        if facets
        else "SELECT 1, count(*), NULL, NULL FROM m"
    )

    def whole(part: engines.Part) -> tuple[str, list[Any]]:
        sql, params = statement(part)
        return (
            f"WITH m AS MATERIALIZED ({sql}) SELECT * FROM (SELECT 0, m.id, m.rank, NULL "
            f"FROM m ORDER BY m.rank DESC, m.id LIMIT %s) f UNION ALL {grouped}",
            [*params, first],
        )

    parts = _in_parts(search_engine) if large else [(None, None)]
    mine, helped = parts[:1], []
    if len(parts) > 1:
        pool, free = _helpers(len(parts) - 1)
        for part in parts[1:]:
            if free.acquire(blocking=False):
                helper = pool.submit(_read_part, *whole(part))
                helper.add_done_callback(lambda _: free.release())
                helped.append(helper)
            else:  # busy with another search: this thread reads it
                mine.append(part)
        if not helped:
            mine = [(None, None)]  # one statement, not several in a row
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for part in mine:
            cursor.execute(*whole(part))
            rows += cursor.fetchall()
    for helper in helped:
        rows += helper.result()
    ranked = heapq.nsmallest(
        first, ((row[1], float(row[2])) for row in rows if row[0] == 0),
        key=lambda item: (-item[1], item[0]),
    )  # fmt: skip
    combinations: Counter[str] = Counter()
    for row in rows:
        if row[0] == 1 and row[1]:
            combinations[row[3]] += row[1]
    total = sum(combinations.values())
    return Matches(ranked, total, list(combinations.items()) if facets else [])


def _count_facets(combinations: list[tuple[str, int]]) -> dict[str, list[tuple[str, int]]]:
    """Facet counts from ``combinations`` (``engines.FACET_TEXT`` and how many documents
    have it) of the documents the database has already limited to what the reader may
    see. Each distinct combination is split once (many documents share one)."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    singles = [counts[name] for name in SINGLE_FACETS]
    multis = [counts[name] for name in MULTI_FACETS]
    for combination, n in combinations:
        values = combination.split(FIELD_SEPARATOR, len(FACETS) - 1)
        for counter, value in zip(singles, values, strict=False):
            if value:
                counter[value] += n
        for counter, value in zip(multis, values[len(SINGLE_FACETS) :], strict=False):
            if value:
                for part in value.split(MULTI_SEPARATOR):
                    counter[part] += n
    return {name: _top(counts[name]) for name in FACETS}


def _top(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]


def _hits(
    ids: list[int], scores: dict[int, float], access: tuple[str, list[Any]] | None = None
) -> list[Hit]:
    """The page's documents; with ``access``, checked once more against the documents'
    own rows (an engine may have matched them on a copy of their audience)."""
    if not ids:
        return []
    marks = ",".join(["%s"] * len(ids))
    condition, condition_params = access or ("1 = 1", [])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.id, d.kind, d.object_id, d.title, d.url, d.source_id, d.tlp "
            f"FROM search_searchdocument d WHERE d.id IN ({marks}) AND {condition}",
            [*ids, *condition_params],
        )
        found = {row[0]: row for row in cursor.fetchall()}
    return [
        Hit(
            id=pk, kind=found[pk][1], object_id=found[pk][2], title=found[pk][3],
            url=found[pk][4], source_id=found[pk][5], tlp=found[pk][6],
            score=round(scores[pk], 4),
        )
        for pk in ids
        if pk in found
    ]  # fmt: skip


def _browse(
    where: str, params: list[Any], *, limit: int, offset: int, facets: bool, query: ParsedQuery
) -> SearchResult:
    """No words: the newest of what the reader may see, counted by the database."""

    def run(select: str, tail: str = "", extra: list[Any] | None = None, joins: str = "") -> Any:
        statement = f"SELECT {select} FROM search_searchdocument d {joins} WHERE {where} {tail}"
        with connection.cursor() as cursor:
            cursor.execute(statement, [*params, *(extra or [])])
            return cursor.fetchall()

    rows = run("d.id", "ORDER BY d.sort_date DESC, d.id DESC LIMIT %s OFFSET %s", [limit, offset])
    ids = [row[0] for row in rows]
    result = SearchResult(
        hits=_hits(ids, dict.fromkeys(ids, 0.0)), total=run("COUNT(*)")[0][0], query=query
    )
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
        require_all=False,
        feedback=False,
    )
