"""The two full-text engines behind one search function.

- ``sqlite``: SQLite's FTS5 (porter stemming, accents folded), ranked by BM25 with the
  title weighted above keywords above the text. The embedded default: no server.
- ``postgres``: PostgreSQL full-text search (English stemming, weighted ``tsvector`` with
  a GIN index), ranked by ``ts_rank_cd``. The production engine.

Each engine only produces the matching ids with a rank (``hits``) and snippets; the
access filter, the other filters, totals and facets are the same SQL for both, so a
reader's view is decided in one place inside the database query.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection

from lenhub.search.query import ParsedQuery, fts5_match

MARK_START, MARK_END = "\x02", "\x03"


class Engine:
    name = ""

    def hits(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        """SQL selecting ``id`` and ``rank`` (higher is better) of matching documents."""
        raise NotImplementedError

    def match(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        """A condition on ``d`` true for matching documents (counts and facets need no
        rank)."""
        raise NotImplementedError

    def snippets(self, query: ParsedQuery, ids: Sequence[int]) -> dict[int, str]:
        raise NotImplementedError

    def write(self, ids: Sequence[int]) -> None:
        """Bring the full-text index in line with ``search_searchdocument`` for ``ids``."""
        raise NotImplementedError

    def delete(self, ids: Sequence[int]) -> None:
        raise NotImplementedError


def _in(ids: Iterable[int]) -> tuple[str, list[int]]:
    values = list(ids)
    return ",".join(["%s"] * len(values)) or "NULL", values


class SqliteEngine(Engine):
    name = "sqlite"
    # bm25 weights of the columns title, keywords, body
    WEIGHTS = (8.0, 3.0, 1.0)

    def hits(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        weights = ", ".join(str(w) for w in self.WEIGHTS)
        return (
            f"SELECT rowid AS id, -bm25(search_fts, {weights}) AS rank "
            "FROM search_fts WHERE search_fts MATCH %s",
            [fts5_match(query)],
        )

    def match(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        return (
            "d.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)",
            [fts5_match(query)],
        )

    def snippets(self, query: ParsedQuery, ids: Sequence[int]) -> dict[int, str]:
        if not ids:
            return {}
        marks, values = _in(ids)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, snippet(search_fts, -1, %s, %s, '…', 24) FROM search_fts "
                f"WHERE search_fts MATCH %s AND rowid IN ({marks})",
                [MARK_START, MARK_END, fts5_match(query), *values],
            )
            return {row[0]: row[1] for row in cursor.fetchall()}

    def write(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        self.delete(ids)
        marks, values = _in(ids)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO search_fts(rowid, title, keywords, body) "
                "SELECT id, title, keywords, body FROM search_searchdocument "
                f"WHERE id IN ({marks})",
                values,
            )

    def delete(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        marks, values = _in(ids)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", values)


class PostgresEngine(Engine):
    name = "postgres"
    CONFIG = "english"
    # ts_rank_cd weights for D, C, B, A: A title, B keywords, D text
    WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"

    def _tsquery(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        parts = " || ".join(["phraseto_tsquery(%s::regconfig, %s)"] * len(query.terms))
        params: list[Any] = []
        for term in query.terms:
            params += [self.CONFIG, term]
        return parts, params

    SYNONYM_WEIGHT = 0.4  # a synonym counts less than a word the reader typed

    def _weighted_terms(self, query: ParsedQuery) -> list[tuple[str, float]]:
        """Each distinct term (after stemming) with BM25's inverse document frequency,
        which ts_rank lacks ("detection" would otherwise outweigh "explosives"), scaled
        down for synonyms."""
        chosen: list[tuple[str, float]] = []
        seen: set[str] = set()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_searchdocument")
            total = cursor.fetchone()[0]
            for term in query.terms:
                cursor.execute(
                    "SELECT phraseto_tsquery(%s::regconfig, %s)::text, count(d.id) "
                    "FROM (SELECT 1) one LEFT JOIN search_searchdocument d "
                    "ON d.vector @@ phraseto_tsquery(%s::regconfig, %s)",
                    [self.CONFIG, term, self.CONFIG, term],
                )
                normal, found = cursor.fetchone()
                if not normal or normal in seen:
                    continue
                seen.add(normal)
                idf = math.log(1 + (total - found + 0.5) / (found + 0.5))
                scale = 1.0 if term in query.words else self.SYNONYM_WEIGHT
                chosen.append((term, idf * scale))
        return chosen

    def hits(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        tsquery, params = self._tsquery(query)
        weighted = self._weighted_terms(query) or [(query.terms[0], 1.0)]
        ranks = " + ".join(
            ["%s * ts_rank(%s::float4[], d.vector, phraseto_tsquery(%s::regconfig, %s), 1)"]
            * len(weighted)
        )
        rank_params: list[Any] = []
        for term, weight in weighted:
            rank_params += [weight, self.WEIGHTS, self.CONFIG, term]
        return (
            f"SELECT d.id, ({ranks}) AS rank "
            f"FROM search_searchdocument d, (SELECT {tsquery} AS query) q "
            "WHERE d.vector @@ q.query",
            [*rank_params, *params],
        )

    def match(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        tsquery, params = self._tsquery(query)
        return f"d.vector @@ ({tsquery})", params

    def snippets(self, query: ParsedQuery, ids: Sequence[int]) -> dict[int, str]:
        if not ids:
            return {}
        tsquery, params = self._tsquery(query)
        marks, values = _in(ids)
        options = (
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxFragments=2, MaxWords=24, "
            'MinWords=10, FragmentDelimiter=" … "'
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.id, ts_headline(%s::regconfig, d.body, q.query, %s) "
                f"FROM search_searchdocument d, (SELECT {tsquery} AS query) q "
                f"WHERE d.id IN ({marks})",
                [self.CONFIG, options, *params, *values],
            )
            return {row[0]: row[1] for row in cursor.fetchall()}

    def write(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        marks, values = _in(ids)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE search_searchdocument SET vector = "
                "setweight(to_tsvector(%s::regconfig, title), 'A') || "
                "setweight(to_tsvector(%s::regconfig, keywords), 'B') || "
                "setweight(to_tsvector(%s::regconfig, body), 'D') "
                f"WHERE id IN ({marks})",
                [self.CONFIG, self.CONFIG, self.CONFIG, *values],
            )

    def delete(self, ids: Sequence[int]) -> None:
        return None  # the vector goes with the row


def engine() -> Engine:
    """The engine for this database: ``LENHUB_SEARCH_ENGINE`` (``auto`` by default picks
    PostgreSQL full-text search on PostgreSQL and FTS5 on SQLite)."""
    wanted = getattr(settings, "LENHUB_SEARCH_ENGINE", "auto")
    vendor = connection.vendor
    if wanted == "auto":
        wanted = "postgres" if vendor == "postgresql" else "sqlite"
    if wanted == "postgres" and vendor == "postgresql":
        return PostgresEngine()
    if wanted == "sqlite" and vendor == "sqlite":
        return SqliteEngine()
    raise RuntimeError(f"LENHUB_SEARCH_ENGINE={wanted!r} does not work with a {vendor} database")
