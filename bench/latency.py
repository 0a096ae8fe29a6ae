"""Latency of the search API at 1,000 and 200,000 records, on both engines.

    .venv/bin/python bench/latency.py [--sizes 1000,200000] [--requests 200]
                                      [--postgres postgres://postgres@127.0.0.1:5432/x]
                                      [--keep DIR]

Scales the real CORDIS sample up: each generated project takes a real project's
acronym, title and programme and mixes sentences from three real objectives, so words and
their frequencies stay those of real security research. Audiences are mixed (70% public,
15% members, 10% a network, 5% a group). The reader is a vetted police officer, member of
two networks and two groups, signed in with a second factor; every call asks for facets
and snippets. Calls go through Django's test client to ``/api/v1/search`` (the whole
request path except the socket). Prints p50 and p95 per engine and size, twice:

- ``mixed``: the 20 short questions below, each asked five times (after ten warm-up
  calls), so most calls are questions asked before, as on a busy day;
- ``new``: the 71 practitioner questions of ``bench/queries/cordis_relevance.json``, each
  asked once after the mixed series: every call is a question nobody asked since the
  index last changed, so none is answered from remembered searches.

Also prints ``top10_ndcg``: how well the first ten results answer those 71 questions on
this index, as an anonymous reader. Generated records take a real project's title, so
each result counts with the grade judged for the project whose title it has (the ideal
is ten results of the best grade). It compares settings that change what a large index
returns (``LENHUB_SEARCH_RELAXED_POSTINGS=0`` in the environment, for instance).

Before each series the database's files are read into the operating system's cache, as
on a server whose index is in use: this machine pages out file pages nobody read for a
minute (DAMON), and a question's rarer words would otherwise be read from disk.
``--cold`` leaves the cache as it finds it.

``--keep DIR`` keeps the built databases (SQLite in ``DIR/<size>``, PostgreSQL in the
``--postgres`` database suffixed ``_<size>``) and times them again on the next run with
the same ``DIR`` instead of building them again (a 200,000-record build takes minutes).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import CORDIS, LENHUB, embedded_env, fresh_postgres, have_cordis, import_cordis

QUERIES = [
    "detecting explosives", "protecting crowded public spaces", "drone detection",
    "cross-border exchange of electronic evidence", "border control biometrics",
    "maritime surveillance", "cybercrime investigation", "radicalisation online",
    "CBRN first responders", "human trafficking victims", "critical infrastructure water",
    "money laundering cryptocurrency", "forensic DNA", "interoperable radio communication",
    "railway station security", "fake documents", "crisis management training",
    "supply chain container screening", "firearms trafficking", "video analytics privacy",
]  # fmt: skip

WORKER = Path(__file__).with_name("latency_worker.py")
NEW = [
    {"text": q["text"], "grades": {k: v["grade"] for k, v in q["relevant"].items()}}
    for q in json.loads(
        Path(__file__).with_name("queries").joinpath("cordis_relevance.json").read_text("utf-8")
    )["queries"]
]


def run(
    env: dict[str, str], size: int, requests: int, state: Path | None = None, warm: bool = True
) -> dict[str, object]:
    """Build (unless ``state`` says the database is built) and time one database."""
    if state is None or not state.exists():
        import_cordis(env)
    else:  # built before: only bring the schema up to date
        subprocess.run([LENHUB, "migrate", "-v0"], env=env, check=True)
    generated = max(0, size - 712)
    done = subprocess.run(
        [LENHUB, "shell", "-c", WORKER.read_text(encoding="utf-8")],
        env=env,
        input=json.dumps([generated, requests, QUERIES, NEW, str(state) if state else None, warm]),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,200000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", help="a PostgreSQL URL for a scratch database")
    parser.add_argument("--keep", type=Path, help="keep built databases here and reuse them")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="time one engine")
    parser.add_argument(
        "--cold", action="store_true", help="do not read the database into the cache first"
    )
    options = parser.parse_args()
    if not have_cordis():
        print(f"skipped: the CORDIS sample is not at {CORDIS}")
        return 0
    for size in (int(s) for s in options.sizes.split(",")):
        with tempfile.TemporaryDirectory() as scratch:
            data_dir = Path(scratch)
            if options.keep:
                data_dir = options.keep / str(size)
                data_dir.mkdir(parents=True, exist_ok=True)
            env = embedded_env(str(data_dir))
            keep = data_dir if options.keep else None
            if options.only != "postgres":
                state = keep / "sqlite.json" if keep else None
                print(
                    json.dumps(run(env, size, options.requests, state, not options.cold)),
                    flush=True,
                )
            if options.postgres and options.only != "sqlite":
                url = options.postgres
                state = keep / "postgres.json" if keep else None
                if keep:
                    url = f"{url}_{size}"
                if state is not None and state.exists():
                    pg_env = {**env, "DATABASE_URL": url}
                else:
                    pg_env = fresh_postgres(url, env)
                print(
                    json.dumps(run(pg_env, size, options.requests, state, not options.cold)),
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
