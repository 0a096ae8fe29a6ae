"""Run inside ``lenhub shell`` by ``bench/latency.py``: generate records, time the API.

Reads ``[generated, requests, queries, new, state, warm]`` as JSON on stdin; prints one
JSON line. ``state``, when given, is a file naming the reader of a database built before
(then nothing is built again), or where to name it after building. With ``warm``, the
database's files are read into the operating system's cache before each timed series.
"""

import json
import math
import random
import re
import statistics
import sys
import time
from pathlib import Path

from django.db import connection, transaction
from django.test import Client

from lenhub.access.models import AudienceKey
from lenhub.access.policy import ANONYMOUS
from lenhub.conftest import build_world, client_sign_in, join
from lenhub.knowledge.models import Participation, Project
from lenhub.search import engines
from lenhub.search.engines import engine
from lenhub.search.indexing import audience_set
from lenhub.search.models import SearchDocument, SearchFacetValue
from lenhub.search.services import search

size, requests, queries, new, state_file, warm = json.load(sys.stdin)
state = Path(state_file) if state_file else None
rng = random.Random(20261128)
reused = state is not None and state.exists()
if reused:
    saved = json.loads(state.read_text())
else:
    saved = None
    world = build_world()
built = 0.0
if saved is None:
    real = list(Project.objects.filter(source="cordis").order_by("pk"))
    sentences = [re.split(r"(?<=[.!?])\s+", p.summary) for p in real]
    by_project: dict[int, set[str]] = {}
    for project_id, code in Participation.objects.filter(project__source="cordis").values_list(
        "project_id", "organisation__country_code"
    ):
        by_project.setdefault(project_id, set()).add(code)
    countries = [sorted(by_project.get(p.pk, set())) for p in real]
    audiences = [(["public"], "CLEAR")] * 14 + [(["members"], "GREEN")] * 3
    audiences += [
        ([f"network:{world.enlets.pk}"], "AMBER"),
        ([f"network:{world.aquapol.pk}"], "AMBER"),
        ([f"group:{world.core_group.pk}"], "AMBER"),
    ]
    sets = {tuple(a): audience_set(a) for a, _ in audiences}
    keys = {k: AudienceKey.objects.get_or_create(key=k)[0] for a, _ in audiences for k in a}
    Through = Project.audience_keys.through

    def body() -> str:
        return " ".join(rng.choice(sentences[rng.randrange(len(real))]) for _ in range(4))

    start = time.perf_counter()
    made = 0
    while made < size:
        n = min(5000, size - made)
        picks = [rng.randrange(len(real)) for _ in range(n)]
        chosen = [rng.choice(audiences) for _ in range(n)]
        with transaction.atomic():
            projects = Project.objects.bulk_create(
                [
                    Project(
                        source="bench",
                        source_id=f"b{made + i}",
                        acronym=f"{real[k].acronym}-{made + i}",
                        title=real[k].title,
                        framework=real[k].framework,
                        programme=real[k].programme,
                        topics=real[k].topics,
                        start_date=real[k].start_date,
                        end_date=real[k].end_date,
                        status=real[k].status,
                        tlp=chosen[i][1],
                        summary=body(),
                    )
                    for i, k in enumerate(picks)
                ]
            )
            Through.objects.bulk_create(
                [
                    Through(project_id=p.pk, audiencekey_id=keys[key].pk)
                    for p, (audience, _) in zip(projects, chosen, strict=True)
                    for key in audience
                ]
            )
            documents = SearchDocument.objects.bulk_create(
                [
                    SearchDocument(
                        kind="project",
                        object_id=p.pk,
                        title=f"{p.acronym}: {p.title}",
                        keywords=f"{p.acronym} {p.topics}",
                        body=p.summary,
                        url=f"/knowledge/projects/{p.pk}/",
                        source_id=p.source_id,
                        audience=sets[tuple(audience)],
                        tlp=tlp,
                        programme=p.framework,
                        status=p.status,
                        year=p.start_date.year if p.start_date else None,
                        sort_date=p.start_date,
                        countries="|".join(countries[k]),
                    )
                    for p, (audience, tlp), k in zip(projects, chosen, picks, strict=True)
                ]
            )
            SearchFacetValue.objects.bulk_create(
                [
                    SearchFacetValue(document=d, facet="country", value=c)
                    for d, k in zip(documents, picks, strict=True)
                    for c in countries[k]
                ]
            )
            engine().write([d.pk for d in documents])
        made += n
    built = time.perf_counter() - start
    with connection.cursor() as cursor:
        # as autovacuum would soon after: each document was inserted, then given its vector
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
if saved is None:
    officer = world.people["group_leader"]  # vetted police, member of ENLETS and its core group
    join(officer, world.aquapol)
    saved = {"email": officer.email, "secret": world.secrets["group_leader"], "built_s": built}
    if state is not None:
        state.write_text(json.dumps(saved))


def warmed() -> float:
    """Read the index's files into the operating system's cache (as on a server whose
    index is in use): this machine pages out file pages unused for a minute. Returns
    the seconds it took."""
    if not warm:
        return 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            with open(connection.settings_dict["NAME"], "rb") as database:
                while database.read(1 << 24):
                    pass
        else:  # every table and index of the search, with their TOAST tables
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            cursor.execute(
                "WITH t AS (SELECT oid, reltoastrelid FROM pg_class WHERE relname LIKE %s "
                "AND relkind IN ('r', 'i')) SELECT sum(pg_prewarm(oid, 'read')) FROM "
                "(SELECT oid FROM t UNION SELECT reltoastrelid FROM t WHERE reltoastrelid <> 0 "
                "UNION SELECT indexrelid FROM pg_index WHERE indrelid IN (SELECT reltoastrelid "
                "FROM t)) r",
                ["search%"],
            )
    return time.perf_counter() - started


client = Client()
client_sign_in(client, saved["email"], saved["secret"])
warm_s = warmed()
timings, totals, first = [], [], []
asked: set[str] = set()
for i in range(requests + 10):
    started = time.perf_counter()
    response = client.get("/api/v1/search", {"q": queries[i % len(queries)], "limit": 20})
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.content[:300]
    if i >= 10:  # the first ten warm the caches
        timings.append(elapsed)
        totals.append(response.json()["total"])
        if queries[i % len(queries)] not in asked:  # words never looked up before
            first.append(round(elapsed, 1))
    asked.add(queries[i % len(queries)])
timings.sort()


def p95(sorted_ms: list[float]) -> float:
    """The nearest-rank 95th percentile of sorted figures."""
    return sorted_ms[math.ceil(0.95 * len(sorted_ms)) - 1]


warm_s += warmed()
fresh: list[float] = []
for question in new:  # each asked once: never remembered
    started = time.perf_counter()
    response = client.get("/api/v1/search", {"q": question["text"], "limit": 20})
    fresh.append((time.perf_counter() - started) * 1000)
    assert response.status_code == 200, response.content[:300]
fresh.sort()

# the first ten results, each graded as the project whose title it has
projects = dict(Project.objects.filter(source="cordis").values_list("acronym", "source_id"))


def judged(title: str) -> str | None:
    acronym = title.split(":", 1)[0]
    return projects.get(acronym) or projects.get(acronym.rsplit("-", 1)[0])


gains = []
warm_s += warmed()
for question in new:
    engines._RESULTS.clear()
    found = search(ANONYMOUS, question["text"], limit=10, facets=False, snippets=False)
    grades = question["grades"]
    dcg = sum(
        (2 ** grades.get(judged(hit.title) or "", 0) - 1) / math.log2(i + 2)
        for i, hit in enumerate(found.hits)
    )
    best = max(grades.values(), default=0)
    ideal = sum((2**best - 1) / math.log2(i + 2) for i in range(10))
    gains.append(dcg / ideal if ideal else 0.0)
print(
    json.dumps(
        {
            "engine": engine().name,
            "records": SearchDocument.objects.count(),
            "built_s": round(saved["built_s"], 1),
            "reused": reused,
            "warmed_s": round(warm_s, 1) if warm else None,
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(p95(timings), 1),
            "mean_total": round(statistics.mean(totals)),
            "first_asked_ms": sorted(first),
            "new_p50_ms": round(statistics.median(fresh), 1),
            "new_p95_ms": round(p95(fresh), 1),
            "new_max_ms": round(fresh[-1], 1),
            "top10_ndcg": round(statistics.mean(gains), 3),
        }
    )
)
