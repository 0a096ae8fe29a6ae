"""Latency of the search API at 1,000 and 200,000 records, on both engines.

    .venv/bin/python bench/latency.py [--sizes 1000,200000] [--requests 200]
                                      [--postgres postgres://postgres@127.0.0.1:5432/x]

Scales the real CORDIS sample up: each generated project takes a real project's
acronym, title and programme and mixes sentences from three real objectives, so words and
their frequencies stay those of real security research. Audiences are mixed (70% public,
15% members, 10% a network, 5% a group). The reader is a vetted police officer, member of
two networks and two groups, signed in with a second factor; every call asks for facets
and snippets. Calls go through Django's test client to ``/api/v1/search`` (the whole
request path except the socket). Prints p50 and p95 per engine and size.
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


def run(env: dict[str, str], size: int, requests: int) -> dict[str, object]:
    import_cordis(env)
    generated = max(0, size - 712)
    done = subprocess.run(
        [LENHUB, "shell", "-c", WORKER.read_text(encoding="utf-8")],
        env=env,
        input=json.dumps([generated, requests, QUERIES]),
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
    options = parser.parse_args()
    if not have_cordis():
        print(f"skipped: the CORDIS sample is not at {CORDIS}")
        return 0
    for size in (int(s) for s in options.sizes.split(",")):
        with tempfile.TemporaryDirectory() as data_dir:
            env = embedded_env(data_dir)
            print(json.dumps(run(env, size, options.requests)), flush=True)
            if options.postgres:
                pg_env = fresh_postgres(options.postgres, env)
                print(json.dumps(run(pg_env, size, options.requests)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
