"""The one search: ranking on the real CORDIS sample, access inside the engine (results,
totals, facets and snippets), the API and "more like this". Runs on the embedded engine
(SQLite FTS5) and, in the PostgreSQL run, on PostgreSQL full-text search."""

from __future__ import annotations

import dataclasses
import io
import itertools
import secrets
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from lenhub.access.policy import ANONYMOUS, viewer_for_user
from lenhub.access.services import restricted_set_audience
from lenhub.conftest import World
from lenhub.knowledge.models import Participation, Project, ResearchOrganisation
from lenhub.knowledge.tests.conftest import shared_data
from lenhub.search import engines, services
from lenhub.search.engines import FIELD_SEPARATOR, engine
from lenhub.search.models import SearchDocument
from lenhub.search.services import MIN_STRICT, more_like_this, search

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cordis() -> None:
    directory = shared_data() / "security-research"
    if not (directory / "fp7-security-projects.csv").exists():
        pytest.skip(f"the real CORDIS sample is not at {directory} (../shared/data absent)")
    args: list[str] = []
    for flag, name in (
        ("--projects", "fp7-security-projects.csv"),
        ("--projects", "h2020-secure-societies-projects.csv"),
        ("--participations", "fp7-security-participations.csv"),
        ("--participations", "h2020-secure-societies-participations.csv"),
    ):
        args += [flag, str(Path(directory) / name)]
    call_command("import_cordis", *args, stdout=io.StringIO())


def _top(text: str, n: int) -> list[str]:
    hits = search(ANONYMOUS, text, limit=n, facets=False, snippets=False).hits
    return [hit.title.split(":", 1)[0] for hit in hits]


# Projects that answer each question, named from what they are about (not from runs).
ANSWERS = {
    "detecting explosives": (5, 4, {"PREVAIL", "EMPHASIS", "EXPEDIA", "HOMER", "LOTUS",
                                    "COMMONSENSE", "BONAS", "HYPERION", "AIRS", "OPTIX",
                                    "SENEX", "ACES", "I-MUST", "ENCOUNTER"}),
    "protecting crowded public spaces": (10, 4, {"LETS-CROWD", "S4AllCities", "ADABTS",
                                                 "IMPETUS", "SAFECITI", "EVACUATE"}),
    "cross-border exchange of electronic evidence": (10, 3, {"EVIDENCE", "LOCARD",
                                                             "INSPECTr", "EXFILES"}),
    "counter drone systems": (5, 3, {"ALADDIN", "AEROCEPTOR", "SafeShore", "DAPS", "KNOX",
                                     "COURAGEOUS", "JEY-CUAS"}),
    # INSIKT's title is about violent online radicalisation; TENSOR's text is about
    # recognising terrorist radicalisation and recruitment online
    "radicalisation online": (5, 3, {"SAFIRE", "MINDb4ACT", "TRIVALENT", "VOX-Pol",
                                     "PROPHETS", "Pericles", "RED-Alert", "PRIME", "INSIKT",
                                     "TENSOR"}),
    "maritime surveillance of small boats": (10, 6, {"PERSEUS", "SEABILLA", "I2C", "RANGER",
                                                     "MARISA", "SafeShore", "TRITON", "AMASS",
                                                     "CLOSEYE", "WIMAAS", "COMPASS2020", "SUNNY",
                                                     "SECTRONIC"}),
}  # fmt: skip


def test_the_real_sample(cordis: None) -> None:
    """One import of the real sample (it takes a while), then every check on it."""
    _practitioner_questions_find_the_projects_that_answer_them()
    _an_acronym_finds_its_project_first()
    _the_api_answers_anonymous_callers_with_public_projects()
    _facets_count_what_the_filters_leave()
    _more_like_this()


def _practitioner_questions_find_the_projects_that_answer_them() -> None:
    for question, (n, wanted, answers) in ANSWERS.items():
        found = _top(question, n)
        assert len(set(found) & answers) >= wanted, (engine().name, question, found)


def _an_acronym_finds_its_project_first() -> None:
    assert _top("ILEAnet", 3)[0] == "ILEAnet"
    assert _top("i-LEAD", 3)[0].casefold() == "i-lead"


def _the_api_answers_anonymous_callers_with_public_projects() -> None:
    response = Client().get("/api/v1/search?q=detecting+explosives&type=project&limit=5")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] > 5 and len(body["results"]) == 5
    first = body["results"][0]
    assert set(first) >= {"type", "id", "title", "score", "source_id"}
    assert first["type"] == "project"
    project = Project.objects.get(pk=first["id"])
    assert first["source_id"] == project.source_id and project.source == "cordis"
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)
    assert "<mark>" in first["snippet"]
    assert {f["value"] for f in body["facets"]["type"]} == {"project"}
    detail = Client().get(f"/api/v1/projects/{first['id']}").json()
    assert detail["acronym"] == project.acronym and detail["participants"]


def _facets_count_what_the_filters_leave() -> None:
    everything = search(ANONYMOUS, "border surveillance", limit=1)
    fp7 = dict(everything.facets["programme"])["FP7"]
    only_fp7 = search(ANONYMOUS, "border surveillance", filters={"programme": "FP7"}, limit=1)
    assert only_fp7.total == fp7
    greek = dict(only_fp7.facets["country"])["GR"]
    filters: dict[str, str | int | None] = {"programme": "FP7", "country": "GR"}
    both = search(ANONYMOUS, "border surveillance", filters=filters, limit=100)
    assert both.total == greek
    assert all(
        Participation.objects.filter(project_id=h.object_id, organisation__country_code="GR")
        .exists()
        for h in both.hits
    )  # fmt: skip


def _more_like_this() -> None:
    prevail = Project.objects.get(acronym="PREVAIL")
    document = SearchDocument.objects.get(kind="project", object_id=prevail.pk)
    similar = [h.title.split(":", 1)[0] for h in more_like_this(ANONYMOUS, document).hits]
    assert "PREVAIL" not in similar
    assert {"EXPEDIA", "HOMER", "EMPHASIS"} & set(similar), similar


# --- access inside the engine -------------------------------------------------------------


def _restricted_project(world: World, audience: list[str], tlp: str) -> tuple[Project, str]:
    canary = f"canary{secrets.token_hex(5)}"
    project = Project.objects.create(
        acronym=canary.upper(),
        title=f"Confidential pilot {canary}",
        summary=f"Findings about {canary} and its deployment.",
        topics=f"TOPIC-{canary}",
    )
    organisation = ResearchOrganisation.objects.create(name=f"Org {canary}", country_code="IS")
    Participation.objects.create(project=project, organisation=organisation, role="participant")
    restricted_set_audience(item=project, audience=audience, tlp=tlp, actor=None)
    if "participants" in audience:
        project.participants.add(world.people["lea_de"])
    return project, canary


def _sees(viewer: Any, canary: str) -> dict[str, Any]:
    found = search(viewer, canary, limit=10)
    everything = search(viewer, "", limit=1)
    return {
        "total": found.total,
        "titles": [h.title for h in found.hits],
        "snippets": [h.snippet for h in found.hits],
        "topic_facet": dict(everything.facets["topic"]).get(f"TOPIC-{canary}", 0),
        "iceland": dict(everything.facets["country"]).get("IS", 0),
    }


@pytest.fixture(params=[1, 2], ids=["one-part", "two-parts"])
def parts(request: pytest.FixtureRequest, settings: Any, monkeypatch: pytest.MonkeyPatch) -> int:
    """A match read in one statement, or in two parts at once (``LENHUB_SEARCH_PARTS``),
    whatever the size of the index; returns the number of parts."""
    settings.LENHUB_SEARCH_PARTS = request.param
    monkeypatch.setattr(services, "PARTS_FROM", 0)
    return int(request.param)


def test_restricted_items_are_invisible_in_results_totals_facets_and_snippets(
    world: World, parts: int
) -> None:
    enlets, canary = _restricted_project(world, [f"network:{world.enlets.pk}"], "AMBER")
    red, red_canary = _restricted_project(world, ["participants"], "RED")
    member = viewer_for_user(world.people["lea_pl"], mfa_verified=True)
    outsider = viewer_for_user(world.people["lea_fr_aquapol"], mfa_verified=True)
    participant = viewer_for_user(world.people["lea_de"], mfa_verified=True)

    for viewer in (ANONYMOUS, outsider):
        seen = _sees(viewer, canary)
        assert seen == {"total": 0, "titles": [], "snippets": [], "topic_facet": 0, "iceland": 0}
    seen = _sees(member, canary)
    assert seen["total"] == 1 and canary in seen["titles"][0]
    assert canary in seen["snippets"][0] and seen["topic_facet"] == 1 and seen["iceland"] == 1
    # TLP:RED: found by the named participant only, and never with a snippet
    assert _sees(member, red_canary)["total"] == 0
    seen = _sees(participant, red_canary)
    assert seen["total"] == 1 and seen["snippets"] == [""]
    # narrowing the audience takes the item out of an earlier reader's results at once
    restricted_set_audience(item=enlets, audience=["participants"], tlp="RED", actor=None)
    assert _sees(member, canary)["total"] == 0
    enlets.delete()
    red.delete()
    assert not SearchDocument.objects.filter(object_id__in=[enlets.pk, red.pk]).exists()


def test_a_match_read_in_parts_at_once_is_the_match_read_whole(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above ``PARTS_FROM`` documents a match is read in id ranges, one of them in a
    helper thread on its connection: the same results, scores, totals and facets as in
    one statement; inside a transaction (another connection would not see its writes)
    and when the helper is busy, in one statement."""
    for n in range(30):
        project = Project.objects.create(
            acronym=f"PARTS{n}", title=f"kestrine border {'kestrine ' * (n % 5)}{n}",
            summary="radar" if n % 3 else "", topics="maritime" if n % 2 else "",
        )  # fmt: skip
        restricted_set_audience(item=project, audience=["public"], tlp="CLEAR", actor=None)
    helped: list[str] = []
    reading = services._read_part

    def read_part(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        helped.append(threading.current_thread().name)
        return reading(sql, params)

    monkeypatch.setattr(services, "_read_part", read_part)
    monkeypatch.setattr(services, "PARTS_FROM", 0)

    def found(**kwargs: Any) -> list[Any]:
        engines._RESULTS.clear()
        result = search(ANONYMOUS, "kestrine radar", limit=7, offset=2, **kwargs)
        return [[(h.id, h.score) for h in result.hits], result.total, result.facets]

    edges = engine().parts(3)  # every id in one range: unbounded at both ends
    assert len(edges) == 3 and edges[0][0] is None and edges[-1][1] is None
    assert all(a[1] == b[0] and a[1] is not None for a, b in itertools.pairwise(edges))
    settings.LENHUB_SEARCH_PARTS = 1
    whole = found()
    assert whole[1] == 20 and not helped
    for n in (2, 3):
        settings.LENHUB_SEARCH_PARTS = n
        assert found() == whole
        assert len(helped) == n - 1 and all(h.startswith("lenhub-search") for h in helped)
        helped.clear()
    with transaction.atomic():
        assert found() == whole and not helped
    _pool, free = services._helpers(2)
    for _ in range(2):
        assert free.acquire(blocking=False)  # both helpers busy
    try:
        assert found() == whole and not helped
    finally:
        free.release()
        free.release()


def test_reindex_rebuilds_the_index(world: World) -> None:
    _project, canary = _restricted_project(world, ["public"], "CLEAR")
    SearchDocument.objects.all().delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")
    assert search(ANONYMOUS, canary).total == 0
    out = io.StringIO()
    call_command("search", "reindex", "project", stdout=out)
    assert f"project: 1 indexed ({engine().name} engine)" in out.getvalue()
    assert search(ANONYMOUS, canary).total == 1


def test_flush_leaves_nothing_of_the_old_documents_in_the_index(world: World) -> None:
    """``flush`` empties the tables Django knows of, not SQLite's full-text table: what it
    held for the old documents would otherwise weigh every later ranking (and the
    transactional tests before the real sample's made it miss answers)."""
    _restricted_project(world, ["public"], "CLEAR")
    _project, canary = _restricted_project(world, ["public"], "CLEAR")
    assert search(ANONYMOUS, canary).total == 1

    def entries() -> int:
        if connection.vendor != "sqlite":
            return SearchDocument.objects.count()  # the vector lives on the row
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_fts")
            return int(cursor.fetchone()[0])

    assert entries() == 2
    call_command("flush", interactive=False, verbosity=0)
    assert entries() == 0
    assert search(ANONYMOUS, canary).total == 0


def test_sqlite_keeps_its_narrow_copy_of_access_and_facets_in_step(world: World) -> None:
    """SQLite searches decide access on ``search_narrow``: every write, audience change,
    deletion and flush must leave it equal to the documents' own columns."""
    if connection.vendor != "sqlite":
        pytest.skip("search_narrow is the embedded engine's")
    from lenhub.search.engines import FACET_TEXT

    columns = "id, audience_id, kind, programme, status, trl, year, countries, topics"

    def copies() -> tuple[list[Any], list[Any]]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns}, {FACET_TEXT} FROM search_searchdocument d ORDER BY id"  # noqa: S608
            )
            documents = cursor.fetchall()
            cursor.execute(f"SELECT {columns}, facets FROM search_narrow ORDER BY id")  # noqa: S608
            return documents, cursor.fetchall()

    project, canary = _restricted_project(world, ["public"], "CLEAR")
    other, _ = _restricted_project(world, ["public"], "CLEAR")
    documents, narrow = copies()
    assert len(documents) >= 2 and narrow == documents
    assert all(row[-1].count(FIELD_SEPARATOR) == 6 for row in narrow)
    restricted_set_audience(
        item=project, audience=[f"network:{world.enlets.pk}"], tlp="AMBER", actor=None
    )
    documents, narrow = copies()
    assert narrow == documents
    assert search(ANONYMOUS, canary).total == 0  # the copy says what the document says
    other.delete()
    documents, narrow = copies()
    assert narrow == documents and other.pk not in {row[0] for row in narrow}
    call_command("flush", "--no-input", verbosity=0)
    assert copies() == ([], [])


def test_a_query_of_only_stop_words_lists_everything_visible(world: World) -> None:
    _restricted_project(world, ["public"], "CLEAR")
    _restricted_project(world, ["members"], "GREEN")
    assert search(ANONYMOUS, "how can we").total == 1
    assert search(ANONYMOUS, "").total == 1


def test_every_word_is_required_unless_too_few_items_match_them_all(world: World) -> None:
    def public(title: str) -> Project:
        project = Project.objects.create(acronym=title.split()[0].upper(), title=title)
        restricted_set_audience(item=project, audience=["public"], tlp="CLEAR", actor=None)
        return project

    both = public("zorblat quenth patrol")
    for n in range(3):
        public(f"zorblat logistics {n}")
    public("quenth sensors")
    found = search(ANONYMOUS, "zorblat quenth", limit=20)
    # one item has both words: too few, so the items with one of them follow it
    assert found.relaxed and found.total == 5
    assert found.hits[0].object_id == both.pk
    # the strict match and the relaxed one are counted once each, facets as the total
    assert found.facets["type"] == [("project", 5)]
    many = [public(f"zorblat quenth study {n}") for n in range(MIN_STRICT)]
    found = search(ANONYMOUS, "zorblat quenth", limit=20)
    assert not found.relaxed and found.total == len(many) + 1
    assert {hit.object_id for hit in found.hits} == {both.pk, *(p.pk for p in many)}
    # a filter narrows what the reader chose from: no item with one word comes back
    filtered = search(ANONYMOUS, "zorblat quenth", filters={"type": "project"}, limit=20)
    assert not filtered.relaxed and filtered.total == len(many) + 1


def test_pages_past_the_documents_ranked_again_follow_the_engines_rank(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the first documents are ranked again (``rerank_pool``); a page past them
    takes the engine's own rank, and every page agrees with one long list."""
    for n in range(9):
        project = Project.objects.create(
            acronym=f"VELD{n}", title=f"veldspar harbour patrol {'veldspar ' * (n % 4)}"
        )
        restricted_set_audience(item=project, audience=["public"], tlp="CLEAR", actor=None)
    monkeypatch.setattr(engines.Engine, "RERANK_POOL", 2)
    monkeypatch.setattr(engines.PostgresEngine, "RERANK_POOL", 2)
    whole = search(ANONYMOUS, "veldspar patrol", limit=9)
    assert whole.total == 9 and len(whole.hits) == 9
    pages = [search(ANONYMOUS, "veldspar patrol", limit=3, offset=k) for k in (0, 3, 6)]
    assert [h.id for page in pages for h in page.hits] == [h.id for h in whole.hits]
    for page in pages:
        assert page.total == 9 and page.facets == whole.facets
    scores = [h.score for h in whole.hits[2:]]  # past the pool: the engine's rank, best first
    assert scores == sorted(scores, reverse=True)


def test_a_relaxed_search_on_a_large_index_requires_one_of_the_rarest_words(
    world: World, settings: Any
) -> None:
    """With ``LENHUB_SEARCH_RELAXED_POSTINGS`` = N, a relaxed question matches documents
    with one of its rarest words, as many as together occur in at most N documents (any
    word of a long question matched most of a large index); its other words still rank.
    0 keeps every word; a small index never reaches the default."""

    def public(title: str) -> Project:
        project = Project.objects.create(acronym=title.split()[0].upper(), title=title)
        restricted_set_audience(item=project, audience=["public"], tlp="CLEAR", actor=None)
        return project

    for n in range(6):
        public(f"unrelated study {n}")
    common = [public(f"plomber survey {n}") for n in range(2)]  # 3 say "plomber"
    rare = public("quixdal tracker")  # 2 say "quixdal"
    both = public("quixdal plomber tracker")  # with this one
    vantic = public("vantic report")  # 1 says "vantic"
    question = "plomber quixdal vantic"  # no document has all three words

    def found(budget: int) -> Any:
        settings.LENHUB_SEARCH_RELAXED_POSTINGS = budget
        engines._RESULTS.clear()  # remembered under the same index: forget other budgets
        return search(ANONYMOUS, question, limit=20)

    for budget in (0, 8000, 6):  # 0, the default, or enough for all 6: every word
        result = found(budget)
        assert result.relaxed and result.total == 5
    result = found(3)  # "vantic" (1) and "quixdal" (2) fit, "plomber" (3) not
    assert result.relaxed and result.total == 3
    ids = [hit.object_id for hit in result.hits]
    assert set(ids) == {vantic.pk, rare.pk, both.pk}
    assert not set(ids) & {p.pk for p in common}
    assert ids.index(both.pk) < ids.index(rare.pk)  # "plomber" still counts in the rank
    result = found(1)  # always the rarest
    assert result.total == 1 and result.hits[0].object_id == vantic.pk


def test_postgresql_takes_how_rare_a_word_is_from_the_planner_statistics(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above ``STATISTICS_FROM`` documents, PostgreSQL estimates a word's document count
    from ``ANALYZE``'s most common lexemes instead of counting it."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    from lenhub.search import engines

    for n in range(40):
        words = "harbour patrol" if n < 30 else "airport screening"
        project = Project.objects.create(acronym=f"P{n}", title=f"{words} study {n}")
        restricted_set_audience(item=project, audience=["public"], tlp="CLEAR", actor=None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchdocument")
    monkeypatch.setattr(engines.PostgresEngine, "STATISTICS_FROM", 1)
    monkeypatch.setattr(engines, "_STATISTICS", [])
    counted = engine().document_frequencies(["harbour", "airport", "zorblatquenth"])
    assert engines._STATISTICS[1] is not None  # the statistics were used, not counts
    assert counted[""][1] == 40
    assert counted["harbour"] == ("'harbour'", 30)
    assert counted["airport"] == ("'airport'", 10)
    assert counted["zorblatquenth"][1] <= 1  # not among the common: rarer than all
    found = search(ANONYMOUS, "harbour patrol", limit=5)
    assert found.total == 30 and all("harbour" in hit.title for hit in found.hits)


def test_postgresql_counts_every_word_of_a_small_index_at_once(world: World) -> None:
    """Below ``LEXEME_COUNTS_UNTIL`` documents, PostgreSQL reads every lexeme's number of
    documents in one pass (``ts_stat``) and counts phrases one by one: the same figures
    as counting each term, and a write in this process counts again."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's counts")
    from lenhub.search import engines
    from lenhub.search.engines import Engine, PostgresEngine

    for n in range(12):
        words = "harbour patrol boats" if n < 8 else "airport screening of bags"
        summary = "the patrol's border control" * (n % 2)
        project = Project.objects.create(acronym=f"P{n}", title=f"{words} {n}", summary=summary)
        restricted_set_audience(item=project, audience=["public"], tlp="CLEAR", actor=None)
    terms = ["harbour", "patrol", "airport", "border control", "control border", "the",
             "zorblatquenth", "patrol's", "screening of bags"]  # fmt: skip
    search_engine = PostgresEngine()
    counted = search_engine.document_frequencies(terms)
    assert engines._LEXEME_COUNTS[1] is not None  # read at once, not counted one by one
    engines._DF_CACHE.clear()
    each = Engine.document_frequencies(search_engine, terms)
    assert float(counted[""][0]) == pytest.approx(float(each[""][0])), (counted, each)
    assert {t: counted[t] for t in terms} == {t: each[t] for t in terms}  # as each counted
    assert counted["harbour"][1] == 8 and counted["border control"][1] == 6
    assert counted["control border"][1] == 0 and counted["zorblatquenth"][1] == 0
    project = Project.objects.create(acronym="PX", title="harbour cranes")
    restricted_set_audience(item=project, audience=["public"], tlp="CLEAR", actor=None)
    assert search_engine.document_frequencies(["harbour"])["harbour"][1] == 9


def test_a_remembered_search_is_reused_only_under_the_same_index_and_holding(
    world: World,
) -> None:
    """Searches are remembered per process under the index's change token and the
    audience sets the reader holds; a write anywhere (here: another process, simulated
    by changing the rows and the token behind this process's back) makes a new search."""
    from lenhub.search import engines
    from lenhub.search.models import AudienceSet
    from lenhub.search.services import _holding

    project, canary = _restricted_project(world, [f"network:{world.enlets.pk}"], "AMBER")
    member = viewer_for_user(world.people["lea_pl"], mfa_verified=True)
    colleague = viewer_for_user(world.people["lea_de"], mfa_verified=True)  # also ENLETS
    outsider = viewer_for_user(world.people["lea_fr_aquapol"], mfa_verified=True)
    token = engines.index_token()
    assert token is not None
    first = search(member, canary)
    assert first.total == 1 and len(engines._RESULTS) == 1
    assert search(member, canary) == first  # remembered, equal
    changed = search(member, canary)  # a caller changing its copy changes nothing kept
    changed.hits[0].title = "changed"
    changed.hits.append(changed.hits[0])
    changed.facets["type"].clear()
    assert search(member, canary) == first
    assert _holding(colleague) == _holding(member)
    assert search(colleague, canary) == first and len(engines._RESULTS) == 1
    assert _holding(outsider) != _holding(member)
    assert search(outsider, canary).total == 0 and len(engines._RESULTS) == 2

    # a write through the index replaces the token and forgets what was remembered
    project.title = f"Renamed pilot {canary}"
    project.save()
    assert engines.index_token() != token and not engines._RESULTS
    assert search(member, canary).hits[0].title.endswith(f"Renamed pilot {canary}")

    # another process narrows the audience: its token reaches this process by the database
    remembered = len(engines._RESULTS)
    red = AudienceSet.objects.get_or_create(keys="participants", defaults={"named": True})[0]
    SearchDocument.objects.filter(kind="project", object_id=project.pk).update(audience=red)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # as the other process's ``SqliteEngine.write``
            cursor.execute(
                "UPDATE search_narrow SET audience_id = %s WHERE id = (SELECT id FROM "
                "search_searchdocument WHERE kind = 'project' AND object_id = %s)",
                [red.pk, project.pk],
            )
        cursor.execute("UPDATE search_searchindexstate SET token = 'elsewhere' WHERE id = 1")
    assert len(engines._RESULTS) == remembered  # this process was not told
    assert search(member, canary).total == 0
    assert search(outsider, canary).total == 0


def test_without_an_index_token_nothing_is_remembered(world: World) -> None:
    from lenhub.search import engines
    from lenhub.search.models import SearchIndexState

    _project, canary = _restricted_project(world, ["public"], "CLEAR")
    SearchIndexState.objects.all().delete()
    assert engines.index_token() is None
    assert search(ANONYMOUS, canary).total == 1
    assert not engines._RESULTS


def test_sqlite_ranks_an_anchored_match_again_as_fts5_would_rank_every_term(
    cordis: None,
) -> None:
    """A relaxed match with anchors is ranked by the anchors; its first documents are
    ranked again by every term in Python, from the scratch index's term offsets and the
    whole index's figures. On an index small enough for exact counts, that is FTS5's own
    bm25 over the whole index, to rounding."""
    if connection.vendor != "sqlite":
        pytest.skip("the embedded engine's rerank")
    from lenhub.search.engines import SqliteEngine
    from lenhub.search.query import fts5_match, parse

    for text in ("detecting explosives at airports", "law enforcement drone detection"):
        query = parse(text)
        everything = fts5_match(query)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, -bm25(search_fts, 8.0, 3.0, 1.0) FROM search_fts "
                "WHERE search_fts MATCH %s ORDER BY 2 DESC LIMIT 40",
                [everything],
            )
            expected = dict(cursor.fetchall())
        anchored = dataclasses.replace(query, anchors=query.terms[:1])
        got = SqliteEngine().rerank(anchored, list(expected))
        assert got is not None and len(expected) == 40
        for pk, score in expected.items():
            assert got[pk] == pytest.approx(score, rel=1e-6), (text, pk)
    assert SqliteEngine().rerank(query, list(expected)) is None  # no anchors: FTS5's rank


def test_postgresql_finds_a_match_by_its_words_not_by_the_audience_index(world: World) -> None:
    """The access condition of a full-text match is written so that the planner cannot
    read the audience index for it (ANDing a bitmap of every document the reader holds
    with the words' cost 9-10 ms at 200,000 documents); browsing still may."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner")
    for n in range(3):
        project = Project.objects.create(acronym=f"QUORV{n}", title=f"quorvex patrol {n}")
        restricted_set_audience(item=project, audience=["public"], tlp="CLEAR", actor=None)
    statements: list[tuple[str, Any]] = []

    def kept(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(kept):
        assert search(ANONYMOUS, "quorvex").total == 3
        assert search(ANONYMOUS, "").total >= 3
    matching = [s for s in statements if s[0].startswith("WITH m AS MATERIALIZED")]
    browsing = [s for s in statements if s[0].startswith("SELECT COUNT(*) FROM")]
    assert matching and browsing
    with connection.cursor() as cursor:
        # as if the audience index cost nothing to read, and every row had to be fetched
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL cpu_index_tuple_cost = 0")
        cursor.execute("SET LOCAL random_page_cost = 0.01")
        for (sql, params), indexed in ((matching[0], False), (browsing[0], True)):
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert ("search_searchdocument_audience" in plan) is indexed, plan


def test_postgresql_keeps_vectors_in_the_row_and_ranks_every_match(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL keeps each document's vector in its row (migration ``search.0007``:
    in the TOAST table, ranking a match fetched it from there), so every match is ranked
    by ``ts_rank`` in the scan that finds it: title above text, and a change of title is
    ranked at once."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's storage")
    from lenhub.search.engines import PostgresEngine

    def public(title: str, summary: str = "") -> Project:
        project = Project.objects.create(acronym=title.split()[0].upper(), title=title,
                                         summary=summary)  # fmt: skip
        restricted_set_audience(item=project, audience=["public"], tlp="CLEAR", actor=None)
        return project

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = "
            "'search_searchdocument'::regclass AND attname IN ('vector', 'head') "
            "AND NOT attisdropped"
        )
        assert dict(cursor.fetchall()) == {"vector": "m"}  # main: in the row, no head
    in_text = [public(f"survey {n}", "zentrik zentrik zentrik in the text " * 3) for n in range(3)]
    titled = [public(f"zentrik pilot {n}") for n in range(2)]
    # the engine's own rank alone (BM25 of the first documents and feedback off)
    monkeypatch.setattr(PostgresEngine, "rerank", lambda self, query, ids: None)
    found = search(ANONYMOUS, "zentrik", limit=10, feedback=False)
    assert found.total == 5 and all(hit.score > 0 for hit in found.hits)
    ids = [hit.object_id for hit in found.hits]
    assert set(ids[:2]) == {p.pk for p in titled}  # the title weighs most
    assert set(ids[2:]) == {p.pk for p in in_text}
    titled[0].title, titled[0].acronym = "renamed pilot", "RENAMED"
    titled[0].save()
    found = search(ANONYMOUS, "zentrik", limit=10, feedback=False)
    assert found.total == 4 and found.hits[0].object_id == titled[1].pk  # kept in step


def test_postgresql_bm25_in_python_equals_bm25_over_the_vectors_lexemes_in_sql(
    cordis: None,
) -> None:
    """PostgreSQL re-ranks the first documents by BM25 in Python, from their vectors read
    as text once per search; the same BM25 in SQL over ``unnest(vector)`` (a row per
    lexeme and position weight) gives the same scores on the real sample."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's BM25")
    import math

    from lenhub.search.engines import _LEXEME, PostgresEngine
    from lenhub.search.query import parse

    for text in ("detecting explosives at airports", "maritime surveillance of small boats"):
        query = parse(text)
        search_engine = PostgresEngine()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM search_searchdocument ORDER BY ts_rank(vector, "
                "to_tsquery('english', %s)) DESC, id LIMIT 60",
                [" | ".join(query.words)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        got = search_engine.rerank(query, ids)
        counts = search_engine.document_frequencies(query.terms)
        average, total = counts[""]
        weights: dict[str, float] = {}
        for term in query.terms:
            normal, found = counts[term]
            idf = math.log(1 + (total - found + 0.5) / (found + 0.5))
            scale = 1.0 if term in set(query.words) else search_engine.SYNONYM_WEIGHT
            for lexeme in _LEXEME.findall(normal):
                weights[lexeme] = max(weights.get(lexeme, 0.0), idf * scale)
        values = ", ".join(["(%s, %s::float8)"] * len(weights))
        params: list[Any] = [float(average)]
        for lexeme, weight in weights.items():
            params += [lexeme.replace("''", "'"), weight]
        bm25 = (
            "SELECT d.id, sum(q.weight * t.tf * 2.2 / (t.tf + 1.2 * (1 - 0.75 + 0.75 * "  # noqa: S608
            "length(d.vector) / %s))) FROM search_searchdocument d CROSS JOIN LATERAL "
            "unnest(d.vector) u JOIN (VALUES " + values + ") q(lexeme, weight) "
            "ON q.lexeme = u.lexeme CROSS JOIN LATERAL (SELECT sum(CASE w WHEN 'A' THEN 8 "
            "WHEN 'B' THEN 3 ELSE 1 END) AS tf FROM unnest(u.weights) w) t "
            "WHERE d.id = ANY(%s) GROUP BY d.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(bm25, [*params, ids])
            expected = dict(cursor.fetchall())
        assert got is not None and len(expected) >= 40, text
        assert set(got) == set(expected), text
        for pk, score in expected.items():
            assert got[pk] == pytest.approx(score, rel=1e-9), (text, pk)
        # the feedback words are scored from the same vectors, read once
        assert search_engine.feedback(["detection", "vessels"], ids)
