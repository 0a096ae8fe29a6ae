"""Operations: liveness and readiness probes, request ids and structured JSON logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

SNIPPET = """
import json, os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "lenhub.settings"
django.setup()
from django.core.management import call_command
if os.environ.get("MIGRATE") == "1":
    call_command("migrate", verbosity=0)
from django.test import Client
path, headers = sys.argv[1], json.loads(sys.argv[2])
response = Client().get(path, **headers)
print(json.dumps({"status": response.status_code, "body": response.content.decode(),
                  "request_id": response.get("X-Request-ID", "")}))
"""


def _run(tmp_path: Path, path: str, *, headers: dict[str, str] | None = None,
         **env: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:  # fmt: skip
    """Request ``path`` in a fresh lenhub process; return the response and its log lines."""
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    environ.update(LENHUB_DATA_DIR=str(tmp_path / "data"), LENHUB_LOG_FORMAT="json", MIGRATE="1")
    environ.update(env)
    done = subprocess.run(
        [sys.executable, "-c", SNIPPET, path, json.dumps(headers or {})],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    response = json.loads(done.stdout.strip().splitlines()[-1])
    logs = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    return response, logs


def test_healthz_answers(db: Any) -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_readyz_checks_every_part(db: Any) -> None:
    response = Client().get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "queue", "channels"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.own_installation
def test_readyz_names_an_unreachable_database(tmp_path: Path) -> None:
    response, _logs = _run(
        tmp_path, "/readyz", DATABASE_URL="postgres://postgres@127.0.0.1:1/nothing", MIGRATE="0"
    )

    assert response["status"] == 503
    body = json.loads(response["body"])
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError",
                                          "ms": body["checks"]["database"]["ms"]}  # fmt: skip
    assert body["checks"]["cache"]["ok"] is True


@pytest.mark.own_installation
def test_readyz_names_an_unreachable_redis(tmp_path: Path) -> None:
    response, _logs = _run(tmp_path, "/readyz", REDIS_URL="redis://127.0.0.1:1/0")

    assert response["status"] == 503
    checks = json.loads(response["body"])["checks"]
    assert checks["database"]["ok"] is True
    assert checks["cache"]["ok"] is False
    assert checks["channels"]["ok"] is False
    assert "127.0.0.1" not in response["body"]  # no error text, no addresses


@pytest.mark.own_installation
def test_logs_are_json_lines_carrying_the_request_id(tmp_path: Path) -> None:
    response, logs = _run(tmp_path, "/healthz?q=secret-search-words")

    access = [line for line in logs if line.get("logger") == "lenhub.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == response["request_id"] != ""
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert {"time", "level", "duration_ms"} <= set(line)
    assert "secret-search-words" not in json.dumps(logs)  # query strings are not logged


@pytest.mark.own_installation
def test_a_sane_incoming_request_id_is_kept_and_a_bad_one_replaced(tmp_path: Path) -> None:
    kept, _ = _run(tmp_path, "/healthz", headers={"HTTP_X_REQUEST_ID": "proxy-1234abcd"})
    replaced, _ = _run(tmp_path, "/healthz", headers={"HTTP_X_REQUEST_ID": "bad id\nforged"})

    assert kept["request_id"] == "proxy-1234abcd"
    assert len(replaced["request_id"]) == 32


@pytest.mark.own_installation
def test_a_server_error_is_logged_with_its_request_id(tmp_path: Path) -> None:
    """Without its tables the API fails; the failure is logged with the request id and
    answered in the API's error shape, without internals."""
    response, logs = _run(tmp_path, "/api/v1/news", MIGRATE="0")

    assert response["status"] == 500
    assert json.loads(response["body"])["error"]["code"] == "server_error"
    assert "no such table" not in response["body"]
    errors = [line for line in logs if line.get("level") == "ERROR"]
    assert errors
    assert errors[0]["request_id"] == response["request_id"]
    assert "exc_info" in errors[0]


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_need_no_session(db: Any, path: str) -> None:
    response = Client().get(path)

    assert "lenhub_session" not in response.cookies
