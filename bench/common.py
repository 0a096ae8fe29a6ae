"""What the benchmarks share: the real data, a fresh database, the import."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("LENHUB_SHARED_DATA", ROOT.parent / "shared" / "data"))
LENHUB = str(ROOT / ".venv" / "bin" / "lenhub")
CORDIS = DATA / "security-research"
CORDIS_FILES = (
    ("--projects", "fp7-security-projects.csv"),
    ("--projects", "h2020-secure-societies-projects.csv"),
    ("--participations", "fp7-security-participations.csv"),
    ("--participations", "h2020-secure-societies-participations.csv"),
)


def have_cordis() -> bool:
    return (CORDIS / "fp7-security-projects.csv").exists()


def embedded_env(data_dir: str) -> dict[str, str]:
    """Environment for lenhub on the embedded defaults in ``data_dir``, quiet logs."""
    env = {**os.environ, "LENHUB_DATA_DIR": data_dir, "LENHUB_LOG_LEVEL": "WARNING",
           "LENHUB_ACCESS_LOG_LEVEL": "WARNING"}  # fmt: skip
    env.pop("DATABASE_URL", None)
    return env


def fresh_postgres(url: str, env: dict[str, str]) -> dict[str, str]:
    """Drop and create the scratch database ``url`` names; the environment to use it."""
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin, "-qc", sql], check=True)
    return {**env, "DATABASE_URL": url}


def import_cordis(env: dict[str, str]) -> None:
    """Migrate the database ``env`` names and import the four real CORDIS files."""
    subprocess.run([LENHUB, "migrate", "-v0"], env=env, check=True)
    args = []
    for flag, name in CORDIS_FILES:
        args += [flag, str(CORDIS / name)]
    subprocess.run([LENHUB, "import_cordis", *args], env=env, check=True, capture_output=True)
