"""The two full-text engines behind one search function.

- ``sqlite``: SQLite's FTS5 (porter stemming, accents folded), ranked by BM25 with the
  title weighted above keywords above the text; the matches are joined to
  ``search_narrow``, a copy of each document's access and facet columns. The embedded
  default: no server.
- ``postgres``: PostgreSQL full-text search (English stemming, a weighted ``tsvector``
  kept in each document's row, with a GIN index), ranked by ``ts_rank``; the first
  documents are ranked again by BM25. The production engine.

Each engine produces the matches with a rank and their facet values (``matching``),
snippets and the finer ranks; the reader's access condition and the filters are SQL
from ``lenhub.search.services``, the same for both, applied inside the engine's query,
so a reader's view is decided in one place, in the database.
"""

from __future__ import annotations

import itertools
import math
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection

from lenhub.search.query import ParsedQuery, fts5_match, fts5_term

MARK_START, MARK_END = "\x02", "\x03"
T = TypeVar("T")

# A document's facet values in one text, which ``matching`` reads for every match (one
# value instead of seven; ``lenhub.search.services._count_facets`` splits each distinct
# combination once): the single-valued ones, then the multi-valued ones, "|"-joined.
FIELD_SEPARATOR = "\x1f"
MULTI_SEPARATOR = "|"
FACET_TEXT = f" || '{FIELD_SEPARATOR}' || ".join(
    [
        "d.kind",
        "d.programme",
        "d.status",
        "coalesce(CAST(d.trl AS TEXT), '')",
        "coalesce(CAST(d.year AS TEXT), '')",
        "d.countries",
        "d.topics",
    ]
)

# (engine, term) -> (normal form, documents containing it, expiry); the term "" holds
# the number of documents
_DF_CACHE: dict[tuple[str, str], tuple[str, int, float]] = {}
# PostgreSQL: [expiry, (documents, average lexemes, common lexemes' shares, the others')]
_STATISTICS: list[Any] = []
_NORMAL_FORMS: dict[str, str] = {}  # PostgreSQL: a term's tsquery text
# PostgreSQL, small indexes: [expiry, (documents, average lexemes, lexeme -> documents)]
_LEXEME_COUNTS: list[Any] = []
# SQLite: [expiry, (last id of the sample, documents per sampled document)]
_SAMPLE: list[Any] = []
# parts -> [expiry, the ids between them] (``Engine.parts``)
_PARTS: dict[int, list[Any]] = {}
Part = tuple[int | None, int | None]  # ids from (inclusive), to (exclusive); None: no bound
_LEXEME = re.compile(r"'((?:[^']|'')+)'")  # the lexemes in a tsquery's text
# searches remembered by ``lenhub.search.services``, under the index's change token
_RESULTS: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def _kept(kept: list[Any], compute: Callable[[], T], seconds: float) -> T:
    """``compute()``, kept in ``kept`` (as [expiry, value]) for ``seconds``."""
    now = time.monotonic()
    entry = kept[:]  # one read: a write in another thread may empty ``kept`` meanwhile
    if not entry or entry[0] <= now:
        entry = [now + seconds, compute()]
        kept[:] = entry
    value: T = entry[1]
    return value


def index_token() -> str | None:
    """The index's change token (None when there is none: then nothing is reused)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM search_searchindexstate WHERE id = 1")
        row = cursor.fetchone()
    return str(row[0]) if row else None


def index_changed() -> None:
    """Every write to the index calls this inside its transaction: a new random token
    (other processes see it when the write commits) and this process's caches dropped."""
    _DF_CACHE.clear()
    _RESULTS.clear()
    _SAMPLE.clear()
    _LEXEME_COUNTS.clear()
    _PARTS.clear()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO search_searchindexstate (id, token) VALUES (1, %s) "
            "ON CONFLICT (id) DO UPDATE SET token = excluded.token",
            [secrets.token_hex(16)],
        )


class Engine:
    name = ""

    def hits(self, query: ParsedQuery, *, strict: bool = False) -> tuple[str, list[Any]]:
        """SQL selecting ``id`` and ``rank`` (higher is better) of matching documents:
        with ``strict``, those matching every group of the query, else any term."""
        raise NotImplementedError

    def matching(
        self, query: ParsedQuery, *, strict: bool, where: str, part: Part = (None, None)
    ) -> tuple[str, list[Any]]:
        """SQL selecting ``id``, ``rank`` and the facet values (``FACET_TEXT``, as
        ``facets``) of the matching documents ``d`` for which ``where`` holds (its
        parameters follow the ones returned), in no particular order; ``d`` has the
        documents' access and facet columns. ``lenhub.search.services`` takes the first
        of them, the total and the facet counts from it in one statement. ``part``: only
        documents with ``low <= id < high`` (None: no bound), found by the engine's
        index, not filtered after it."""
        raise NotImplementedError

    def estimate(self, query: ParsedQuery, *, strict: bool) -> int | None:
        """About how many documents ``matching`` finds, if the engine can tell cheaply;
        None when it cannot."""
        return None

    def parts(self, n: int) -> list[Part]:
        """``n`` ranges of document ids that together hold every id (the first has no
        lower bound, the last no upper one, so documents added since are in the last),
        of equal width between the first id and the last: ids are given in order, so
        about as many documents fall in each (two index lookups; counting to the middle
        document took 30-50 ms at 200,000). Kept ``DF_SECONDS``."""

        def bounds() -> list[int]:
            with connection.cursor() as cursor:
                cursor.execute("SELECT min(id), max(id) FROM search_searchdocument")
                low, high = cursor.fetchone()
            if low is None:
                return []
            return sorted({low + (high - low + 1) * k // n for k in range(1, n)} - {low})

        if n < 2:
            return [(None, None)]
        kept = _kept(_PARTS.setdefault(n, []), bounds, self.DF_SECONDS)
        edges: list[int | None] = [None, *kept, None]
        return list(itertools.pairwise(edges))

    def snippets(self, query: ParsedQuery, ids: Sequence[int]) -> dict[int, str]:
        raise NotImplementedError

    def feedback(self, words: Sequence[str], ids: Sequence[int]) -> dict[int, float]:
        """The rank of each of ``ids`` for ``words`` alone (0 when none occurs)."""
        raise NotImplementedError

    def rerank(self, query: ParsedQuery, ids: Sequence[int]) -> dict[int, float] | None:
        """A finer rank for the first documents of ``hits``, or None to keep theirs."""
        return None

    # how much the feedback words' rank adds (each engine's feedback rank has its scale)
    FEEDBACK_WEIGHT = 0.3
    # how many of the first documents ``rerank`` and feedback rank again
    RERANK_POOL = 100

    def rerank_pool(self) -> int:
        return self.RERANK_POOL

    DF_SECONDS = 300.0

    def _count_sql(self, term: str) -> tuple[str, list[Any]]:
        """SQL: the term's normal form and how many documents contain it."""
        raise NotImplementedError

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, tuple[str, int]]:
        """Each term's normal form and how many documents contain it, with the number of
        documents under ``""``. Counting takes an index scan per term, so the figures
        are kept for a while: they only weigh the ranking, and a few minutes' lag in
        them changes nothing a reader would notice. Writes in this process drop them."""
        now = time.monotonic()
        if _DF_CACHE.get((self.name, ""), ("", 0, 0.0))[2] <= now:
            _DF_CACHE.clear()
        wanted = [t for t in dict.fromkeys(["", *terms]) if (self.name, t) not in _DF_CACHE]
        if wanted:
            selects, params = [], []
            for term in wanted:
                sql, values = self._count_sql(term)
                selects.append(f"SELECT %s, {sql}")
                params += [term, *values]
            with connection.cursor() as cursor:
                cursor.execute(" UNION ALL ".join(selects), params)
                expires = now + self.DF_SECONDS
                for term, normal, found in cursor.fetchall():
                    _DF_CACHE[(self.name, term)] = (normal, found, expires)
        return {t: _DF_CACHE[(self.name, t)][:2] for t in ["", *terms]}

    def prune(self) -> int:
        """Drop what the full-text index holds for documents that are gone, and every
        cached figure: ``flush`` (which ends each transactional test) empties the
        documents table but not a full-text table it does not know of. Returns how many
        entries went."""
        _DF_CACHE.clear()
        _RESULTS.clear()
        _SAMPLE.clear()
        _STATISTICS.clear()
        _LEXEME_COUNTS.clear()
        _PARTS.clear()
        return 0

    def write(self, ids: Sequence[int]) -> None:
        """Bring the full-text index in line with ``search_searchdocument`` for ``ids``
        (in the caller's transaction, which also changed those rows; ``index_changed``)."""
        raise NotImplementedError

    def delete(self, ids: Sequence[int]) -> None:
        raise NotImplementedError


def _varints(blob: bytes) -> list[int]:
    """SQLite's variable-length integers, one after the other (FTS5's sizes and totals)."""
    values, value, index = [], 0, 0
    while index < len(blob):
        byte = blob[index]
        index += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            values.append(value)
            value = 0
    return values


def _bounded(column: str, part: Part) -> tuple[str, list[Any]]:
    """SQL (starting with AND, or empty) keeping ``column`` within ``part``."""
    sql, params = "", []
    if part[0] is not None:
        sql, params = f" AND {column} >= %s", [part[0]]
    if part[1] is not None:
        sql, params = f"{sql} AND {column} < %s", [*params, part[1]]
    return sql, params


def _in(ids: Iterable[Any]) -> tuple[str, list[Any]]:
    values = list(ids)
    return ",".join(["%s"] * len(values)) or "NULL", values


class SqliteEngine(Engine):
    name = "sqlite"
    # bm25 weights of the columns title, keywords, body
    WEIGHTS = (8.0, 3.0, 1.0)
    # feedback ranks within the first documents only, where words are less rare
    FEEDBACK_WEIGHT = 0.8

    def hits(
        self, query: ParsedQuery, *, strict: bool = False, part: Part = (None, None)
    ) -> tuple[str, list[Any]]:
        weights = ", ".join(str(w) for w in self.WEIGHTS)
        bound, bound_params = _bounded("rowid", part)  # FTS5 seeks to a rowid range
        return (
            f"SELECT rowid AS id, -bm25(search_fts, {weights}) AS rank "
            f"FROM search_fts WHERE search_fts MATCH %s{bound}",
            [fts5_match(query, strict=strict), *bound_params],
        )

    # the access and facet columns of each document, in a table of their own (migration
    # ``search.0005``): a document's row has its text before them, on overflow pages;
    # last, ``facets``: ``FACET_TEXT``, computed once (migration ``search.0007``; joining
    # the seven values again for every match took a sixth of its time)
    NARROW_COLUMNS = (
        "d.id, d.audience_id, d.kind, d.programme, d.status, d.trl, d.year, d.countries, "
        f"d.topics, {FACET_TEXT}"
    )

    def matching(
        self, query: ParsedQuery, *, strict: bool, where: str, part: Part = (None, None)
    ) -> tuple[str, list[Any]]:
        """The matches joined to ``search_narrow`` as ``d`` (it has every column a
        search filters or counts on): half the cost of joining the documents' rows."""
        hits_sql, hits_params = self.hits(query, strict=strict, part=part)
        return (
            f"WITH h AS MATERIALIZED ({hits_sql}) SELECT d.id, h.rank, d.facets "
            f"FROM h JOIN search_narrow d ON d.id = h.id WHERE {where}",
            hits_params,
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

    # Above this many documents, how many contain a word is counted among the first
    # this many (by id) and scaled: counting a common word in all of 200,000 documents
    # took 5-10 ms, and 16 feedback words are looked up for a question asked first.
    # (SQLite's rank is FTS5's bm25, which counts for itself; these figures only choose
    # the feedback words.)
    SAMPLE = 20_000

    def _count_sql(self, term: str) -> tuple[str, list[Any]]:
        if not term:
            # not search_fts: counting its rows reads every document
            return "'', (SELECT count(*) FROM search_searchdocument)", []
        bound, scale = self._sample()
        if bound is None:
            return (
                "%s, (SELECT count(*) FROM search_fts WHERE search_fts MATCH %s)",
                [term, fts5_term(term)],
            )
        return (
            "%s, (SELECT CAST(round(count(*) * %s) AS INTEGER) FROM search_fts "
            "WHERE search_fts MATCH %s AND rowid <= %s)",
            [term, scale, fts5_term(term), bound],
        )

    def _sample(self) -> tuple[int | None, float]:
        """The last id of the first ``SAMPLE`` documents, and how many documents there
        are per document of those (None, 1 when there are not more)."""

        def sample() -> tuple[int | None, float]:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*), (SELECT id FROM search_searchdocument ORDER BY id "
                    "LIMIT 1 OFFSET %s) FROM search_searchdocument",
                    [self.SAMPLE - 1],
                )
                total, bound = cursor.fetchone()
            if bound is None or total <= self.SAMPLE:
                return None, 1.0
            return bound, total / self.SAMPLE

        return _kept(_SAMPLE, sample, self.DF_SECONDS)

    TOKENIZE = "porter unicode61 remove_diacritics 2"  # as search_fts (migration 0002)
    _scratched: list[int] | None = None  # the ids in the scratch index, once filled
    K1, B = 1.2, 0.75  # FTS5's bm25

    def _scratch(self, ids: Sequence[int]) -> None:
        """Fill a scratch index (a connection's temporary table) with ``ids`` alone: in
        the whole index, long document lists made scoring a few words cost hundreds of
        milliseconds at 200,000 documents. Filled once per search engine object."""
        if self._scratched == list(ids):
            return
        marks, values = _in(ids)
        with connection.cursor() as cursor:
            # contentless: emptied at once ("delete-all"), where deleting rows of a table
            # keeping its text tokenised each again (half of the feedback's time)
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_feedback USING fts5(title, "
                f"keywords, body, content = '', tokenize = '{self.TOKENIZE}')"
            )
            cursor.execute(
                "INSERT INTO temp.search_feedback(search_feedback) VALUES ('delete-all')"
            )
            cursor.execute(
                "INSERT INTO temp.search_feedback(rowid, title, keywords, body) SELECT id, "
                f"title, keywords, body FROM search_searchdocument WHERE id IN ({marks})",
                values,
            )
        self._scratched = list(ids)

    def feedback(self, words: Sequence[str], ids: Sequence[int]) -> dict[int, float]:
        """Scored in the scratch index of ``ids``, where the words are less rare (hence
        ``FEEDBACK_WEIGHT``)."""
        if not words or not ids:
            return {}
        weights = ", ".join(str(w) for w in self.WEIGHTS)
        self._scratch(ids)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, -bm25(search_feedback, {weights}) FROM temp.search_feedback "
                "WHERE search_feedback MATCH %s",
                [" OR ".join(map(fts5_term, words))],
            )
            return {row[0]: float(row[1]) for row in cursor.fetchall()}

    def rerank(self, query: ParsedQuery, ids: Sequence[int]) -> dict[int, float] | None:
        """A relaxed match with anchors was ranked by the anchors alone: rank its first
        documents by every term, with FTS5's bm25 and the whole index's figures (how
        many documents have each term, their average length), counted in the scratch
        index of those documents. Otherwise FTS5's rank stands."""
        if not ids or not query.anchors or set(query.anchors) >= set(query.terms):
            return None
        self._scratch(ids)
        stems = self._stems(query.terms)
        wanted = sorted({stem for parts in stems.values() for stem in parts})
        # (document, column) -> stem -> offsets
        found: dict[tuple[int, int], dict[str, set[int]]] = {}
        sizes: dict[int, int] = {}
        marks, values = _in(wanted)
        id_marks, id_values = _in(ids)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_feedback_instances "
                "USING fts5vocab(temp, search_feedback, instance)"
            )
            cursor.execute(
                'SELECT doc, col, term, "offset" FROM temp.search_feedback_instances '
                f"WHERE term IN ({marks})",
                values,
            )
            columns = {"title": 0, "keywords": 1, "body": 2}
            for doc, column, stem, offset in cursor.fetchall():
                key = (doc, columns[column])
                found.setdefault(key, {}).setdefault(stem, set()).add(offset)
            cursor.execute(
                f"SELECT id, sz FROM temp.search_feedback_docsize WHERE id IN ({id_marks})",
                id_values,
            )
            for doc, blob in cursor.fetchall():
                sizes[doc] = sum(_varints(blob))
            cursor.execute("SELECT block FROM search_fts_data WHERE id = 1")
            row = cursor.fetchone()
        averages = _varints(row[0]) if row else [0]
        documents, tokens = averages[0], sum(averages[1:])
        average = tokens / documents if documents else 1.0
        counts = self.document_frequencies(list(query.terms))
        total = counts[""][1] or documents
        scores: dict[int, float] = dict.fromkeys(ids, 0.0)
        for term, parts in stems.items():
            if not parts:
                continue
            n = counts[term][1]
            idf = max(math.log((total - n + 0.5) / (n + 0.5)), 1e-6)
            frequency: dict[int, float] = {}
            for (doc, column), at in found.items():
                starts = at.get(parts[0], set())
                hits = sum(1 for o in starts if all(o + i in at.get(p, ()) for i, p in
                                                    enumerate(parts[1:], start=1)))  # fmt: skip
                if hits:
                    frequency[doc] = frequency.get(doc, 0.0) + hits * self.WEIGHTS[column]
            for doc, f in frequency.items():
                length = sizes.get(doc, average)
                scores[doc] += (
                    idf
                    * f
                    * (self.K1 + 1)
                    / (f + self.K1 * (1 - self.B + self.B * length / average))
                )
        return scores

    def _stems(self, terms: Sequence[str]) -> dict[str, list[str]]:
        """Each term's tokens as the index holds them (stemmed, folded)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_terms USING fts5(term, "
                f"tokenize = '{self.TOKENIZE}')"
            )
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_terms_instances "
                "USING fts5vocab(temp, search_terms, instance)"
            )
            cursor.execute("DELETE FROM temp.search_terms")
            cursor.executemany(
                "INSERT INTO temp.search_terms(rowid, term) VALUES (%s, %s)",
                list(enumerate(terms, start=1)),
            )
            cursor.execute(
                'SELECT doc, term FROM temp.search_terms_instances ORDER BY doc, "offset"'
            )
            stems: dict[str, list[str]] = {term: [] for term in terms}
            for doc, stem in cursor.fetchall():
                stems[terms[doc - 1]].append(stem)
        return stems

    def prune(self) -> int:
        super().prune()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('search_fts', 'search_narrow')"
            )
            if cursor.fetchone()[0] < 2:  # migrated only part of the way
                return 0
            cursor.execute(
                "DELETE FROM search_fts WHERE rowid NOT IN (SELECT id FROM search_searchdocument)"
            )
            pruned = max(cursor.rowcount, 0)
            cursor.execute(
                "DELETE FROM search_narrow WHERE id NOT IN (SELECT id FROM search_searchdocument)"
            )
            return pruned

    def write(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        self.delete(ids)
        index_changed()
        marks, values = _in(ids)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO search_fts(rowid, title, keywords, body) "
                "SELECT id, title, keywords, body FROM search_searchdocument "
                f"WHERE id IN ({marks})",
                values,
            )
            cursor.execute(
                f"INSERT INTO search_narrow SELECT {self.NARROW_COLUMNS} "
                f"FROM search_searchdocument d WHERE d.id IN ({marks})",
                values,
            )

    def delete(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        index_changed()
        marks, values = _in(ids)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", values)
            cursor.execute(f"DELETE FROM search_narrow WHERE id IN ({marks})", values)


class PostgresEngine(Engine):
    name = "postgres"
    CONFIG = "english"
    # ts_rank weights for D, C, B, A: A title, B keywords, D text
    WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"

    # Above this many documents, how rare a word is comes from the planner's statistics
    # (``ANALYZE`` keeps the most common lexemes of ``vector`` with their frequencies)
    # rather than from counting: a count of a common word took 0.7 s at 200,000.
    STATISTICS_FROM = 20_000
    RERANK_POOL = 200  # the first rank is coarse (no inverse document frequency)

    def rerank_pool(self) -> int:
        """200 documents on the real sample (712: 1.105x the baseline, 100 gave 1.095x);
        100 from ``STATISTICS_FROM`` documents on, where BM25 of 200 took twice as long
        and 100 ranked the first ten as well (bench/RESULTS.md, at 200,000)."""
        return self.RERANK_POOL if self._statistics() is None else 100

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, tuple[str, int]]:
        stats = self._statistics()
        if stats is None:
            return self._counted_frequencies(terms)
        total, average, frequencies, floor = stats
        normals = self._normal_forms(terms)
        found: dict[str, tuple[str, int]] = {"": (str(average), total)}
        for term in terms:
            lexemes = _LEXEME.findall(normals[term])
            share = min((frequencies.get(lexeme, floor) for lexeme in lexemes), default=0.0)
            found[term] = (normals[term], round(share * total))
        return found

    # Up to this many documents, how many documents have each lexeme is read for all of
    # them at once (``ts_stat``: 22 ms at 1,000 documents, 250 at 20,000) and kept
    # ``DF_SECONDS``, as counts are: counting each word in a scan of its own took 3 ms a
    # word at 1,000 documents, and a question with its feedback words looks up 20 or more
    # (bench/RESULTS.md). Phrases are still counted one by one.
    LEXEME_COUNTS_UNTIL = 5_000

    def _counted_frequencies(self, terms: Sequence[str]) -> dict[str, tuple[str, int]]:
        """Exact counts, below ``STATISTICS_FROM`` documents."""
        counted = self._lexeme_counts()
        if counted is None:
            return super().document_frequencies(terms)
        total, average, counts = counted
        normals = self._normal_forms(terms)
        found: dict[str, tuple[str, int]] = {"": (str(average), total)}
        phrases = []
        for term in terms:
            lexemes = _LEXEME.findall(normals[term])
            if len(lexemes) > 1:
                phrases.append(term)
            else:  # tsquery text doubles a quote; ts_stat's words do not
                count = counts.get(lexemes[0].replace("''", "'"), 0) if lexemes else 0
                found[term] = (normals[term], count)
        if phrases:
            found.update((t, v) for t, v in super().document_frequencies(phrases).items() if t)
        return found

    def _lexeme_counts(self) -> tuple[int, float, dict[str, int]] | None:
        """Documents, their average number of lexemes and each lexeme's number of
        documents; None above ``LEXEME_COUNTS_UNTIL`` documents."""

        def counts() -> tuple[int, float, dict[str, int]] | None:
            result = None
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*), coalesce(avg(length(vector)), 1) FROM search_searchdocument"
                )
                total, average = cursor.fetchone()
                if total <= self.LEXEME_COUNTS_UNTIL:
                    cursor.execute(
                        "SELECT word, ndoc FROM ts_stat('SELECT vector FROM search_searchdocument')"
                    )
                    result = (total, float(average), dict(cursor.fetchall()))
            return result

        return _kept(_LEXEME_COUNTS, counts, self.DF_SECONDS)

    def _statistics(self) -> tuple[int, float, dict[str, float], float] | None:
        """Documents, their average number of lexemes, and each common lexeme's share
        of documents (the rarest share / 2 for the others, as the planner assumes);
        None below ``STATISTICS_FROM`` documents or before the first ``ANALYZE``."""

        def statistics() -> tuple[int, float, dict[str, float], float] | None:
            result = None
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT c.reltuples::bigint, s.most_common_elems::text::text[], "
                    "s.most_common_elem_freqs FROM pg_class c JOIN pg_stats s ON "
                    "s.schemaname = current_schema() AND s.tablename = c.relname "
                    "AND s.attname = 'vector' WHERE c.relname = 'search_searchdocument' "
                    "AND c.relnamespace = current_schema()::regnamespace"
                )
                row = cursor.fetchone()
                if row and row[0] >= self.STATISTICS_FROM and row[1]:
                    total, elements, shares = row
                    # the same sample in every process (REPEATABLE): otherwise two
                    # processes scored the same search a little differently
                    cursor.execute(
                        "SELECT avg(length(vector)) FROM search_searchdocument "
                        "TABLESAMPLE SYSTEM (%s) REPEATABLE (0)",
                        [min(100.0, 100.0 * 5000 / total)],
                    )
                    average = float(cursor.fetchone()[0] or 1.0)
                    common = dict(zip(elements, shares, strict=False))
                    result = (total, average, common, shares[len(elements)] / 2)
            return result

        return _kept(_STATISTICS, statistics, self.DF_SECONDS)

    def _normal_forms(self, terms: Sequence[str]) -> dict[str, str]:
        wanted = [t for t in dict.fromkeys(terms) if t not in _NORMAL_FORMS]
        if wanted:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT t, phraseto_tsquery(%s::regconfig, t)::text FROM unnest(%s::text[]) t",
                    [self.CONFIG, wanted],
                )
                if len(_NORMAL_FORMS) > 50_000:
                    _NORMAL_FORMS.clear()
                _NORMAL_FORMS.update(cursor.fetchall())
        return {t: _NORMAL_FORMS[t] for t in terms}

    def estimate(self, query: ParsedQuery, *, strict: bool) -> int | None:
        """From the planner's statistics (kept, no statement), as ``_tsquery`` matches:
        any of the terms (or anchors), or every group (the rarest bounds it) or a
        phrase. None below ``STATISTICS_FROM`` documents."""
        if self._statistics() is None:
            return None
        counts = self.document_frequencies(list(query.terms))
        if not strict and query.anchors:
            return sum(counts[t][1] for t in query.anchors)
        if not strict or not query.can_relax:
            return sum(counts[t][1] for t in query.terms)
        groups = [sum(counts[t][1] for t in group) for group in query.groups if group]
        return min(groups, default=0) + sum(counts[t][1] for t in query.phrases)

    def _any(self, terms: Sequence[str]) -> tuple[str, list[Any]]:
        sql = " || ".join(["phraseto_tsquery(%s::regconfig, %s)"] * len(terms))
        params: list[Any] = []
        for term in terms:
            params += [self.CONFIG, term]
        return f"({sql})", params

    def _tsquery(self, query: ParsedQuery, *, strict: bool = False) -> tuple[str, list[Any]]:
        if not strict and query.anchors:  # the rank of the first documents counts the rest
            return self._any(query.anchors)
        if not strict or not query.can_relax:
            return self._any(query.terms)
        parts, params = [], []
        for group in query.groups:
            sql, values = self._any(group)
            parts.append(sql)
            params += values
        sql = "(" + " && ".join(parts) + ")"
        if query.phrases:
            phrases, values = self._any(query.phrases)
            sql = f"({sql} || {phrases})"
            params += values
        return sql, params

    SYNONYM_WEIGHT = 0.4  # a synonym counts less than a word the reader typed

    K1, B = 1.2, 0.75

    def rerank(self, query: ParsedQuery, ids: Sequence[int]) -> dict[int, float] | None:
        """BM25 over the lexemes of the weighted ``tsvector`` (ts_rank knows neither
        inverse document frequency nor BM25's saturation), for the first documents."""
        return self._bm25(query.terms, set(query.words), ids)

    def feedback(self, words: Sequence[str], ids: Sequence[int]) -> dict[int, float]:
        return self._bm25(words, set(words), ids)

    def _bm25(self, terms: Sequence[str], full: set[str], ids: Sequence[int]) -> dict[int, float]:
        """BM25 of ``ids`` for ``terms``; terms not in ``full`` (synonyms) count less."""
        if not ids or not terms:
            return {}
        frequencies = self.document_frequencies(terms)
        average, total = frequencies[""]
        weights: dict[str, float] = {}
        for term in terms:
            normal, found = frequencies[term]
            idf = math.log(1 + (total - found + 0.5) / (found + 0.5))
            scale = 1.0 if term in full else self.SYNONYM_WEIGHT
            for lexeme in _LEXEME.findall(normal):
                weights[lexeme] = max(weights.get(lexeme, 0.0), idf * scale)
        if not weights:
            return {}
        mean = float(average or 1)  # lexemes per document
        scores: dict[int, float] = {}
        for pk, (length, text) in self._vectors(ids).items():
            norm = self.K1 * (1 - self.B + self.B * length / mean)
            score = 0.0
            for lexeme, weight in weights.items():
                tf = self._frequency(text, lexeme)
                if tf:
                    score += weight * tf * (self.K1 + 1) / (tf + norm)
            if score:
                scores[pk] = score
        return scores

    # term frequency by field, as SQLite's bm25 weighs its columns: title (A), keywords
    # (B), text (D)
    FIELD_TF = {"A": 8, "B": 3}

    def _frequency(self, text: str, lexeme: str) -> int:
        """How often ``lexeme`` (as a tsquery's text quotes it) occurs in the vector
        ``text`` (a space, then ``tsvector`` output: ``'word':1A,5,9B 'other':3``),
        each occurrence counting ``FIELD_TF`` of its field."""
        start = text.find(f" '{lexeme}':")
        if start < 0:
            return 0
        start += len(lexeme) + 4
        end = text.find(" ", start)
        positions = text[start:] if end < 0 else text[start:end]
        return sum(self.FIELD_TF.get(p[-1], 1) for p in positions.split(","))

    _pool: tuple[list[int], dict[int, tuple[int, str]]] | None = None

    def _vectors(self, ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        """Each document's number of lexemes and vector as text, read once for the
        re-rank and the feedback of one search: BM25 in SQL (a row per lexeme of each
        document, joined to the query's) took twice as long, twice."""
        wanted = list(ids)
        if self._pool is None or self._pool[0] != wanted:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id, length(vector), ' ' || vector::text "
                    "FROM search_searchdocument WHERE id = ANY(%s)",
                    [wanted],
                )
                self._pool = (wanted, {row[0]: (row[1], row[2]) for row in cursor.fetchall()})
        return self._pool[1]

    def _count_sql(self, term: str) -> tuple[str, list[Any]]:
        if not term:  # the average number of lexemes, and of documents
            return (
                "coalesce(avg(length(vector)), 1)::text, count(*) FROM search_searchdocument",
                [],
            )
        return (
            "phraseto_tsquery(%s::regconfig, %s)::text, (SELECT count(*) FROM "
            "search_searchdocument WHERE vector @@ phraseto_tsquery(%s::regconfig, %s))",
            [self.CONFIG, term, self.CONFIG, term],
        )

    def hits(self, query: ParsedQuery, *, strict: bool = False) -> tuple[str, list[Any]]:
        """A first, cheap rank (``ts_rank``: title above keywords above text, without
        how rare each word is); ``rerank`` ranks the first documents by BM25."""
        tsquery, params = self._tsquery(query, strict=strict)
        return (
            "SELECT d.id, ts_rank(%s::float4[], d.vector, q.query, 1) AS rank "
            f"FROM search_searchdocument d, (SELECT {tsquery} AS query) q "
            "WHERE d.vector @@ q.query",
            [self.WEIGHTS, *params],
        )

    def matching(
        self, query: ParsedQuery, *, strict: bool, where: str, part: Part = (None, None)
    ) -> tuple[str, list[Any]]:
        """One scan: ``where`` and the facet values read with the match (joining the matches
        to the documents again read every matching row twice). The vector is kept in
        the row (migration ``search.0007``), so ranking every match costs little more
        than matching it. A ``part`` is read from the primary key's index, ANDed with
        the words' (a filter would read every matching row in every part)."""
        tsquery, params = self._tsquery(query, strict=strict)
        bound, bound_params = _bounded("d.id", part)
        return (
            "SELECT d.id, ts_rank(%s::float4[], d.vector, q.query, 1) AS rank, "
            f"{FACET_TEXT} AS facets FROM search_searchdocument d, "
            f"(SELECT {tsquery} AS query) q WHERE d.vector @@ q.query{bound} AND {where}",
            [self.WEIGHTS, *params, *bound_params],
        )

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
        index_changed()

    def delete(self, ids: Sequence[int]) -> None:
        if ids:
            index_changed()  # the vector goes with the row


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
