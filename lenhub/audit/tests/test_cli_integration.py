"""End to end: a fresh embedded installation (SQLite in a data directory) built with the
installed `lenhub` command, verified, then tampered with directly in the database file."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.own_installation]

# Variables that would point the installation somewhere other than the temporary data
# directory, or at another database, cache or key.
FOREIGN_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "LENHUB_SECRETS_DIR",
    "LENHUB_AUDIT_KEY",
    "LENHUB_AUDIT_KEY_FILE",
    "LENHUB_AUDIT_CHECKPOINT_FILE",
    "LENHUB_PRODUCTION",
    "LENHUB_TASKS_BACKEND",
)


def _lenhub_script() -> str:
    beside_python = Path(sys.executable).parent / "lenhub"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("lenhub")
    if found is None:
        pytest.fail("the `lenhub` command is not installed next to the interpreter or on PATH")
    return found


def test_cli_verify_passes_on_a_demo_installation_and_names_a_row_edited_in_sqlite(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    env = {name: value for name, value in os.environ.items() if name not in FOREIGN_ENV}
    env["LENHUB_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "lenhub.settings"
    lenhub = _lenhub_script()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [lenhub, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    migrated = run("migrate", "--no-input", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    demo = run("demo", "--quiet")
    assert demo.returncode == 0, demo.stderr

    intact = run("audit", "verify")
    assert intact.returncode == 0, intact.stderr
    assert "intact" in intact.stdout

    database = data_dir / "lenhub.sqlite3"
    assert database.exists()
    with sqlite3.connect(database) as db:
        seqs = [row[0] for row in db.execute("SELECT seq FROM audit_auditentry ORDER BY seq")]
        assert len(seqs) >= 3, "the demo should leave several audit entries"
        victim = seqs[len(seqs) // 2]
        db.execute("UPDATE audit_auditentry SET action = 'demo.nothing' WHERE seq = ?", [victim])
    db.close()

    broken = run("audit", "verify")
    assert broken.returncode != 0
    assert "intact" not in broken.stdout
    assert f"entry #{victim}:" in broken.stderr, broken.stderr
