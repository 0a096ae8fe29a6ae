"""Personal access tokens: created on the profile page and by `lenhub token`, acting with
the owner's current rights, limited to their scopes, and stopping when they should."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from lenhub.accounts.models import AccessToken
from lenhub.accounts.services import (
    user_change_organisation,
    user_sign_out_everywhere,
    vetting_revoke,
)
from lenhub.accounts.tokens import token_create, token_revoke
from lenhub.audit.models import AuditEntry
from lenhub.conftest import World, client_sign_in
from lenhub.dissemination.services import news_publish

pytestmark = pytest.mark.django_db


def _get(path: str, token: str) -> Any:
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


def _code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def test_command_prints_a_token_that_acts_as_its_owner(world: World) -> None:
    out = io.StringIO()
    call_command(
        "token", "create", "--email", "officer@policja.pl.test", "--scopes", "profile:read",
        stdout=out,
    )  # fmt: skip
    secret = out.getvalue().strip()
    assert re.fullmatch(r"lh_[0-9a-f]{12}_[\w-]{40,}", secret)

    response = _get("/api/v1/me", secret)

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "officer@policja.pl.test"
    assert body["is_lea"] is True
    assert body["scopes"] == ["profile:read"]
    token = AccessToken.objects.get(key_id=body["via_token"])
    assert secret.split("_", 2)[2] not in token.secret_hash  # only a hash is stored
    assert AuditEntry.objects.filter(action="token.created", target=f"token:{token.key_id}")


def test_command_refuses_unknown_scopes_and_people_who_may_not_hold_tokens(
    world: World,
) -> None:
    with pytest.raises(CommandError, match="Unknown scopes: everything"):
        call_command("token", "create", "--email", "officer@policja.pl.test",
                     "--scopes", "everything")  # fmt: skip
    with pytest.raises(CommandError, match="vetted members"):
        call_command("token", "create", "--email", "newcomer@policja.pl.test",
                     "--scopes", "news:read")  # fmt: skip
    with pytest.raises(CommandError, match="No account"):
        call_command("token", "create", "--email", "nobody@x.test", "--scopes", "news:read")


def test_a_token_is_limited_to_its_scopes(world: World) -> None:
    secret = token_create(user=world.people["lea_pl"], name="t", scopes="news:read").secret

    assert _get("/api/v1/news", secret).status_code == 200
    response = _get("/api/v1/me", secret)

    assert response.status_code == 403
    assert _code(response) == "insufficient_scope"


def test_a_token_reads_what_its_owner_may_read_now(world: World) -> None:
    officer = world.people["lea_pl"]
    amber = news_publish(
        title="ENLETS only AMBERTOKENCANARY",
        summary="",
        body="x",
        audience=[f"network:{world.enlets.pk}"],
        tlp="AMBER",
        author=world.people["secretariat"],
    )
    secret = token_create(user=officer, name="t", scopes="news:read").secret

    listed = _get("/api/v1/news", secret).json()
    assert [r["id"] for r in listed["results"]] == [amber.pk]
    assert listed["results"][0]["tlp"] == "TLP:AMBER"
    detail = _get(f"/api/v1/news/{amber.pk}", secret)
    assert detail.status_code == 200
    assert "no-store" in detail["Cache-Control"]
    assert AuditEntry.objects.filter(action="content.read", target__endswith=f":{amber.pk}")
    # Anonymous callers see neither the item nor that it exists.
    anonymous = Client().get(f"/api/v1/news/{amber.pk}")
    assert anonymous.status_code == 404
    assert "AMBERTOKENCANARY" not in anonymous.content.decode()
    assert Client().get("/api/v1/news").json()["total"] == 0


@pytest.mark.parametrize(
    "lapse, code",
    [
        ("revoked", "token_revoked"),
        ("expired", "token_expired"),
        ("signed_out_everywhere", "token_inactive"),
        ("vetting_revoked", "token_inactive"),
        ("organisation_changed", "token_inactive"),
        ("deactivated", "token_inactive"),
    ],
)
def test_a_token_stops_when_its_owner_loses_standing(world: World, lapse: str, code: str) -> None:
    officer = world.people["lea_pl"]
    new = token_create(user=officer, name="t", scopes="news:read")
    assert _get("/api/v1/news", new.secret).status_code == 200

    if lapse == "revoked":
        token_revoke(token=new.token, actor=officer)
    elif lapse == "expired":
        AccessToken.objects.filter(pk=new.token.pk).update(expires_at=timezone.now())
    elif lapse == "signed_out_everywhere":
        user_sign_out_everywhere(user=officer)
    elif lapse == "vetting_revoked":
        vetting_revoke(subject=officer, actor=None, reason="left the police")
    elif lapse == "organisation_changed":
        user_change_organisation(user=officer, organisation=world.police_de, actor=officer)
    elif lapse == "deactivated":
        officer.is_active = False
        officer.save(update_fields=["is_active"])

    response = _get("/api/v1/news", new.secret)
    assert response.status_code == 401
    assert _code(response) == code
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer lh_nothing", "Bearer lh_0123456789ab_wrongsecret", "Basic Zm9vOmJhcg==", "Bearer "],
)
def test_a_bad_token_is_refused_not_served_as_anonymous(world: World, header: str) -> None:
    response = Client().get("/api/v1/countries", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert _code(response) == "token_invalid"


def test_a_wrong_secret_for_a_real_key_id_is_refused(world: World) -> None:
    new = token_create(user=world.people["lea_pl"], name="t", scopes="news:read")
    forged = f"lh_{new.token.key_id}_{'A' * 43}"

    assert _code(_get("/api/v1/news", forged)) == "token_invalid"


def test_lifetime_is_bounded(world: World, settings: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        token_create(user=world.people["lea_pl"], name="t", scopes="news:read", days=366)
    token = token_create(user=world.people["lea_pl"], name="t", scopes="news:read").token
    assert token.expires_at - token.created_at <= timedelta(days=settings.TOKEN_MAX_DAYS)


def test_tokens_page_shows_the_secret_once_and_revokes(world: World) -> None:
    client = Client()
    client_sign_in(client, "officer@policja.pl.test", world.secrets["lea_pl"])

    response = client.post(
        "/profile/tokens/", {"name": "reporting", "scopes": ["news:read"], "days": "30"}
    )

    assert response.status_code == 200
    secret = re.search(r"lh_[0-9a-f]{12}_[\w-]+", response.content.decode())
    assert secret, "the new token is not shown"
    assert _get("/api/v1/news", secret.group(0)).status_code == 200
    listing = client.get("/profile/tokens/").content.decode()
    assert "reporting" in listing
    assert secret.group(0) not in listing  # shown once only
    key_id = secret.group(0).split("_")[1]
    client.post(f"/profile/tokens/{key_id}/revoke/")
    assert _code(_get("/api/v1/news", secret.group(0))) == "token_revoked"


def test_tokens_page_needs_standing_and_a_second_factor(world: World) -> None:
    newcomer = Client()
    client_sign_in(newcomer, "newcomer@policja.pl.test", world.secrets["unvetted_mfa"])
    no_mfa = Client()
    client_sign_in(no_mfa, "nomfa@policja.pl.test", None)

    for client in (newcomer, no_mfa):
        client.post("/profile/tokens/", {"name": "x", "scopes": ["news:read"], "days": "30"})

    assert not AccessToken.objects.exists()


def test_someone_elses_token_cannot_be_revoked(world: World) -> None:
    theirs = token_create(user=world.people["lea_de"], name="t", scopes="news:read")
    client = Client()
    client_sign_in(client, "officer@policja.pl.test", world.secrets["lea_pl"])

    page = client.post(f"/profile/tokens/{theirs.token.key_id}/revoke/")
    api = client.delete(f"/api/v1/tokens/{theirs.token.key_id}")

    assert page.status_code == 404
    assert api.status_code in (403, 404)  # 403 only for the missing CSRF token
    theirs.token.refresh_from_db()
    assert theirs.token.revoked_at is None
