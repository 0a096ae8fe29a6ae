"""The conventions every API endpoint follows: the schema, one error shape, paging,
filters, CSRF for session callers, and the audit endpoints for auditors only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lenhub.accounts.tokens import token_create
from lenhub.api.errors import STATUS
from lenhub.conftest import World, client_sign_in
from lenhub.dissemination.services import news_publish

pytestmark = pytest.mark.django_db


def _error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] in STATUS
    assert STATUS[body["error"]["code"]] == response.status_code
    return dict(body["error"])


def test_schema_is_openapi_3_and_lists_every_operation() -> None:
    schema = Client().get("/api/v1/openapi.json").json()

    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/me", "/api/v1/news", "/api/v1/news/{news_id}", "/api/v1/tokens",
            "/api/v1/countries", "/api/v1/audit/entries"} <= set(schema["paths"])  # fmt: skip
    assert schema["components"]["securitySchemes"]["ApiAuth"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "422" in operation["responses"], f"{method} {path} lacks its error shape"


@pytest.mark.parametrize(
    "path, code",
    [
        ("/api/v1/no-such-thing", "not_found"),
        ("/api/v1/news/999999", "not_found"),
        ("/api/v1/news?limit=0", "invalid_request"),
        ("/api/v1/news?limit=101", "invalid_request"),
        ("/api/v1/news?offset=-1", "invalid_request"),
        ("/api/v1/news?tlp=PURPLE", "invalid_request"),
        ("/api/v1/news?since=yesterday", "invalid_request"),
        ("/api/v1/me", "not_authenticated"),
    ],
)
def test_one_error_shape(db: Any, path: str, code: str) -> None:
    error = _error(Client().get(path))

    assert error["code"] == code
    assert error["message"]


def test_validation_errors_name_the_field(db: Any) -> None:
    error = _error(Client().get("/api/v1/news?limit=500"))

    assert error["fields"][0]["field"] == "limit"


def test_paging_and_filters(world: World) -> None:
    for n in range(5):
        news_publish(
            title=f"Public item {n}",
            summary="",
            body="drones" if n % 2 else "boats",
            audience=["public"],
            tlp="CLEAR",
            author=world.people["secretariat"],
        )
    client = Client()

    first = client.get("/api/v1/news?limit=2").json()
    second = client.get("/api/v1/news?limit=2&offset=2").json()
    drones = client.get("/api/v1/news?q=drones").json()

    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert len(first["results"]) == 2
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    assert drones["total"] == 2
    assert client.get("/api/v1/countries?eu=true").json()["total"] == 27
    assert client.get("/api/v1/countries?q=PL").json()["results"][0]["name"] == "Poland"


def test_session_callers_need_the_csrf_token_for_unsafe_methods(world: World) -> None:
    new = token_create(user=world.people["lea_pl"], name="t", scopes="news:read")
    client = Client(enforce_csrf_checks=True)
    client_sign_in_csrf(client, world)

    response = client.delete(f"/api/v1/tokens/{new.token.key_id}")

    assert _error(response)["code"] == "csrf_failed"
    new.token.refresh_from_db()
    assert new.token.revoked_at is None


def client_sign_in_csrf(client: Client, world: World) -> None:
    """Sign in with CSRF checks on: take the token from the form like a browser."""
    import re

    from lenhub.conftest import PASSWORD, totp_code

    def token(path: str) -> str:
        page = client.get(path).content.decode()
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert found
        return found.group(1)

    client.post(
        "/accounts/login/",
        {"login": "officer@policja.pl.test", "password": PASSWORD,
         "csrfmiddlewaretoken": token("/accounts/login/")},
    )  # fmt: skip
    response = client.post(
        "/accounts/2fa/authenticate/",
        {"code": totp_code(world.secrets["lea_pl"] or ""),
         "csrfmiddlewaretoken": token("/accounts/2fa/authenticate/")},
    )  # fmt: skip
    assert response.status_code == 302


def test_session_callers_revoke_with_the_csrf_token(world: World) -> None:
    new = token_create(user=world.people["lea_pl"], name="t", scopes="news:read")
    client = Client()
    client_sign_in(client, "officer@policja.pl.test", world.secrets["lea_pl"])

    response = client.delete(f"/api/v1/tokens/{new.token.key_id}")

    assert response.status_code == 200
    assert response.json()["active"] is False


@pytest.mark.parametrize("persona", ["auditor", "operator", "lea_pl", "secretariat"])
def test_audit_endpoints_are_for_auditors(world: World, persona: str) -> None:
    secret = token_create(user=world.people[persona], name="t", scopes="audit:read").secret
    headers = {"Authorization": f"Bearer {secret}"}

    entries = Client().get("/api/v1/audit/entries", headers=headers)
    verify = Client().get("/api/v1/audit/verify", headers=headers)

    if persona == "auditor":
        assert entries.status_code == 200
        assert entries.json()["total"] > 0
        assert all("@" not in row["actor"] for row in entries.json()["results"])
        assert verify.json()["ok"] is True
    else:
        assert _error(entries)["code"] == "not_found"
        assert _error(verify)["code"] == "not_found"


@pytest.mark.parametrize(
    "since", ["0204-07-24T12:17:08+19:20", "0001-01-01T00:00:00+05:00", "9999-12-31T23:00-05:00"]
)
def test_time_filters_take_any_iso_offset(db: Any, since: str) -> None:
    """ISO 8601 allows offsets PostgreSQL cannot store and times that leave the calendar
    once in UTC; the filters answer them instead of failing."""
    from urllib.parse import quote

    response = Client().get(f"/api/v1/news?since={quote(since)}")

    assert response.status_code == 200, response.content


def test_a_repeated_query_parameter_is_refused(db: Any) -> None:
    error = _error(Client().get("/api/v1/news?q=a&q=b"))

    assert error["code"] == "invalid_request"
    assert error["fields"] == [{"field": "q", "message": "repeated"}]


@pytest.mark.parametrize("query", ["limt=5", "=null", "tlp=GREEN&colour=red"])
def test_an_unknown_query_parameter_is_refused(db: Any, query: str) -> None:
    error = _error(Client().get(f"/api/v1/news?{query}"))

    assert error["code"] == "invalid_request"
    assert error["fields"][0]["message"] == "unknown"


def test_known_query_parameters_pass(db: Any) -> None:
    response = Client().get("/api/v1/news?limit=5&offset=0&q=x&tlp=GREEN")

    assert response.status_code == 200
