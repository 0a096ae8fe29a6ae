"""The production posture, checked the way an operator meets it: ``lenhub`` commands run
in a separate process with ``LENHUB_PRODUCTION=1`` and a fresh SQLite database.

- ``lenhub check --deploy`` is clean on a new installation and after the first operator
  is created, refuses demo accounts (lenhub.E002), and flags trial mode (lenhub.W001);
- ``lenhub demo`` refuses to run;
- over HTTPS (behind the proxy) responses carry HSTS and the session and CSRF cookies are
  ``Secure``, ``HttpOnly`` and ``__Host-`` prefixed; plain HTTP is redirected; unknown
  hosts are refused.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from lenhub.conftest import PASSWORD
from lenhub.core.tests.security import cache_control_problems, header_problems

LENHUB = str(Path(sys.executable).with_name("lenhub"))
HOST = "lenhub.example.org"


def production_env(data_dir: Path) -> dict[str, str]:
    """The test process's environment without its database, cache or lenhub settings,
    plus what a production installation must be given."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("LENHUB_") and name not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "lenhub.settings",
            "LENHUB_PRODUCTION": "1",
            "LENHUB_SECRET_KEY": secrets.token_urlsafe(50),
            "LENHUB_ALLOWED_HOSTS": HOST,
            "LENHUB_DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir}/db.sqlite3",
        }
    )
    return env


def _scratch_dir() -> tempfile.TemporaryDirectory[str]:
    """In memory where possible: SQLite's syncs on a busy disk would dominate the time."""
    shm = Path("/dev/shm")  # noqa: S108 (a private directory is created inside)
    base = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    return tempfile.TemporaryDirectory(prefix="lenhub-prod-", dir=base)


pytestmark = pytest.mark.own_installation


@pytest.fixture(scope="module")
def migrated_database() -> Iterator[Path]:
    """``lenhub migrate`` on an empty production database, done once for the module."""
    with _scratch_dir() as scratch:
        data_dir = Path(scratch)
        migrated = lenhub(production_env(data_dir), "migrate", "--no-input", "-v0")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        yield data_dir / "db.sqlite3"


@pytest.fixture
def installation(migrated_database: Path) -> Iterator[dict[str, str]]:
    """The environment of a fresh production installation with a migrated database."""
    with _scratch_dir() as scratch:
        shutil.copyfile(migrated_database, Path(scratch) / "db.sqlite3")
        yield production_env(Path(scratch))


def lenhub(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LENHUB, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_clean_deploy_check(env: dict[str, str]) -> None:
    result = lenhub(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_deploy_check_on_a_production_installation(installation: dict[str, str]) -> None:
    """A freshly migrated production database passes ``check --deploy`` at the strictest
    level, still does with its first operator, refuses the demo loader, and fails once a
    demo account exists."""
    env = installation
    assert_clean_deploy_check(env)

    weak = lenhub(
        env, "createoperator", "--email", "op@example.org", "--password-stdin", stdin="short\n"
    )
    assert weak.returncode != 0
    assert "too short" in weak.stderr, weak.stderr
    created = lenhub(
        env,
        "createoperator",
        "--email",
        "Op@Example.org",
        "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )
    assert created.returncode == 0, created.stderr
    assert "Operator op@example.org created" in created.stdout
    assert_clean_deploy_check(env)

    demo = lenhub(env, "demo")
    assert demo.returncode != 0
    assert "Refusing to load demo data with LENHUB_PRODUCTION set" in demo.stderr, demo.stderr
    assert "password for every demo account" not in demo.stdout
    assert_clean_deploy_check(env)  # the refused loader left nothing behind

    made = lenhub(
        env,
        "shell",
        "-c",
        "from lenhub.accounts.models import User\n"
        "User.objects.create_user('demo@example.org', None, is_demo=True)\n"
        "print('demo users:', User.objects.filter(is_demo=True).count())",
    )
    assert "demo users: 1" in made.stdout, made.stdout + made.stderr
    failed = lenhub(env, "check", "--deploy")
    assert failed.returncode != 0
    assert "lenhub.E002" in failed.stdout + failed.stderr
    assert "1 demo accounts exist" in failed.stdout + failed.stderr


def test_trial_mode_and_missing_secrets_are_reported(tmp_path: Path) -> None:
    """Without ``LENHUB_PRODUCTION`` the deploy check warns (lenhub.W001); with it, a
    missing secret key stops lenhub from starting at all."""
    trial = production_env(tmp_path)
    for name in ("LENHUB_PRODUCTION", "DATABASE_URL", "LENHUB_ALLOWED_HOSTS"):
        trial.pop(name)
    result = lenhub(trial, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "lenhub.W001" in result.stdout + result.stderr

    keyless = production_env(tmp_path)
    keyless.pop("LENHUB_SECRET_KEY")
    result = lenhub(keyless, "check")
    assert result.returncode != 0
    assert "LENHUB_SECRET_KEY must be set in production" in result.stderr


def test_a_database_pool_of_no_connections_is_refused(tmp_path: Path) -> None:
    """``LENHUB_DATABASE_POOL_SIZE`` below 1 stops lenhub from starting, with a message."""
    env = production_env(tmp_path)
    env["DATABASE_URL"] = "postgres://lenhub@127.0.0.1:5432/lenhub_unused"
    env["LENHUB_DATABASE_POOL_SIZE"] = "0"
    result = lenhub(env, "check")
    assert result.returncode != 0
    assert "LENHUB_DATABASE_POOL_SIZE must be 1 or more" in result.stderr


# Runs in the production process: a person signs in over HTTPS (as the TLS-terminating
# proxy reports it); prints what each response sent.
HTTP_SNIPPET = r"""
import json, sys
import django

django.setup()
from allauth.account.models import EmailAddress
from django.test import Client
from lenhub.accounts.models import User

password, host = sys.argv[1], sys.argv[2]
user = User.objects.create_user("person@example.org", password, display_name="Person")
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


def describe(response):
    cookies = {
        name: {
            "secure": bool(morsel["secure"]),
            "httponly": bool(morsel["httponly"]),
            "samesite": morsel["samesite"],
            "path": morsel["path"],
            "domain": morsel["domain"],
            "deleted": morsel["max-age"] == 0 or not morsel.value,
        }
        for name, morsel in response.cookies.items()
    }
    return {"status": response.status_code, "headers": dict(response.headers), "cookies": cookies}


plain = Client(HTTP_HOST=host)
browser = Client(HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
result = {
    "plain": describe(plain.get("/accounts/login/?next=/news/")),
    "other_host": describe(Client(HTTP_HOST="evil.example").get("/", secure=True)),
    "home": describe(browser.get("/")),
    "login_page": describe(browser.get("/accounts/login/")),
    "sign_in": describe(
        browser.post("/accounts/login/", {"login": user.email, "password": password})
    ),
    "dashboard": describe(browser.get("/dashboard/")),
}
print(json.dumps(result))
"""


def _assert_host_cookie(cookies: dict[str, dict[str, object]], name: str) -> None:
    assert name in cookies, f"{name} not set; cookies: {sorted(cookies)}"
    cookie = cookies[name]
    assert cookie["secure"] is True, cookie
    assert cookie["httponly"] is True, cookie
    assert cookie["path"] == "/", cookie  # required by the __Host- prefix
    assert cookie["domain"] == "", cookie  # required by the __Host- prefix
    assert str(cookie["samesite"]).lower() in {"lax", "strict"}, cookie


def test_production_http_posture(installation: dict[str, str]) -> None:
    """HSTS for a year with subdomains; ``__Host-`` session and CSRF cookies, every cookie
    Secure and HttpOnly; plain HTTP is sent to HTTPS; other hosts get 400."""
    env = installation
    done = lenhub(env, "collectstatic", "--no-input", "-v0")
    assert done.returncode == 0, done.stderr
    run = subprocess.run(
        [sys.executable, "-c", HTTP_SNIPPET, PASSWORD, HOST],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])

    assert seen["plain"]["status"] == 301
    assert seen["plain"]["headers"]["Location"] == f"https://{HOST}/accounts/login/?next=/news/"
    assert seen["plain"]["cookies"] == {}
    assert seen["other_host"]["status"] == 400

    for name in ("home", "login_page", "sign_in", "dashboard"):
        response = seen[name]
        hsts = dict(
            [*part.strip().split("="), ""][:2]
            for part in response["headers"]["Strict-Transport-Security"].split(";")
        )
        assert int(hsts["max-age"]) >= 31536000, (name, hsts)
        assert "includeSubDomains" in hsts, (name, hsts)
        assert header_problems(response["headers"]) == [], (name, response["headers"])
        for cookie in response["cookies"].values():
            if cookie["deleted"]:
                continue
            assert cookie["secure"] is True, (name, response["cookies"])
            assert cookie["httponly"] is True, (name, response["cookies"])
    assert seen["home"]["status"] == 200
    assert seen["login_page"]["status"] == 200
    _assert_host_cookie(seen["login_page"]["cookies"], "__Host-lenhub_csrf")
    assert seen["sign_in"]["status"] == 302
    assert seen["sign_in"]["headers"]["Location"] == "/dashboard/"
    _assert_host_cookie(seen["sign_in"]["cookies"], "__Host-lenhub_session")
    _assert_host_cookie(seen["sign_in"]["cookies"], "__Host-lenhub_csrf")  # rotated
    assert seen["dashboard"]["status"] == 200
    assert cache_control_problems(seen["dashboard"]["headers"]) == []
