"""Relevance of lenhub's search on the real CORDIS sample, against a plain BM25 baseline.

    .venv/bin/python bench/relevance.py [--queries bench/queries/cordis_relevance.json]
                                        [--postgres postgres://postgres@127.0.0.1:5432/x]

Imports the four CORDIS files from ``../shared/data/security-research`` into a fresh
embedded database (and, with ``--postgres``, into a fresh PostgreSQL database), runs every
judged question through lenhub's search as an anonymous reader, and through a plain BM25
(``rank_bm25.BM25Okapi`` over lower-cased title and text words: no stemming, no field
weights, no synonyms) built from the same records. Prints nDCG@10 and Recall@20 for each,
side by side, and the ratio of lenhub's nDCG@10 to the baseline's.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import (
    CORDIS,
    CORDIS_FILES,
    LENHUB,
    ROOT,
    embedded_env,
    fresh_postgres,
    have_cordis,
    import_cordis,
)


def ndcg(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    gains = [(2 ** grades.get(doc, 0) - 1) / math.log2(i + 2) for i, doc in enumerate(ranked[:k])]
    ideal_order = sorted(grades.values(), reverse=True)[:k]
    ideal = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal_order))
    return sum(gains) / ideal if ideal else 0.0


def recall(ranked: list[str], grades: dict[str, int], k: int = 20) -> float:
    relevant = {doc for doc, grade in grades.items() if grade > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def _run_lenhub(env: dict[str, str], queries: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Import into the database ``env`` names and run the queries; CORDIS ids, ranked."""
    import_cordis(env)
    script = (
        "import json,sys\n"
        "from lenhub.access.policy import ANONYMOUS\n"
        "from lenhub.search.services import search\n"
        "out={}\n"
        "for q in json.load(sys.stdin):\n"
        "    hits=search(ANONYMOUS,q['text'],limit=20,facets=False,snippets=False).hits\n"
        "    out[q['id']]=[h.source_id for h in hits]\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [LENHUB, "shell", "-c", script],
        env=env,
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run_bm25(queries: list[dict[str, Any]]) -> dict[str, list[str]]:
    import csv

    from rank_bm25 import BM25Okapi

    ids, documents = [], []
    for _flag, name in CORDIS_FILES[:2]:
        with (CORDIS / name).open(encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                ids.append(row["id"])
                text = f"{row['acronym']} {row['title']} {row['objective']}".lower()
                documents.append(re.findall(r"[a-z0-9]+", text))
    bm25 = BM25Okapi(documents)
    ranked = {}
    for query in queries:
        scores = bm25.get_scores(re.findall(r"[a-z0-9]+", query["text"].lower()))
        order = sorted(range(len(ids)), key=lambda i: -scores[i])[:20]
        ranked[query["id"]] = [ids[i] for i in order if scores[i] > 0]
    return ranked


def _score(ranked: dict[str, list[str]], queries: list[dict[str, Any]]) -> tuple[float, float]:
    n = [ndcg(ranked.get(q["id"], []), {k: v["grade"] for k, v in q["relevant"].items()})
         for q in queries]  # fmt: skip
    r = [recall(ranked.get(q["id"], []), {k: v["grade"] for k, v in q["relevant"].items()})
         for q in queries]  # fmt: skip
    return sum(n) / len(n), sum(r) / len(r)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", default=str(ROOT / "bench/queries/cordis_relevance.json"))
    parser.add_argument("--postgres", help="a PostgreSQL URL for a scratch database")
    options = parser.parse_args()
    if not have_cordis():
        print(f"skipped: the CORDIS sample is not at {CORDIS}")
        return 0
    queries = json.loads(Path(options.queries).read_text(encoding="utf-8"))["queries"]
    rows = []
    with tempfile.TemporaryDirectory() as data_dir:
        env = embedded_env(data_dir)
        rows.append(("lenhub, embedded (SQLite FTS5)", *_score(_run_lenhub(env, queries), queries)))
        if options.postgres:
            pg_env = fresh_postgres(options.postgres, env)
            rows.append(("lenhub, PostgreSQL", *_score(_run_lenhub(pg_env, queries), queries)))
    baseline = _score(_run_bm25(queries), queries)
    rows.append(("plain BM25 baseline (rank_bm25)", *baseline))
    print(f"{len(queries)} judged questions")
    print(f"{'engine':<36} {'nDCG@10':>8} {'Recall@20':>10} {'nDCG ratio':>11}")
    for name, n, r in rows:
        print(f"{name:<36} {n:8.3f} {r:10.3f} {n / baseline[0]:10.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
