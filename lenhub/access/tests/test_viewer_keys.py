"""Which audience keys each kind of person holds (DESIGN §1-2)."""

from typing import Any

from django.test import Client

from lenhub.access.policy import viewer_for_request, viewer_for_user
from lenhub.conftest import World, client_sign_in


def _keys_after_sign_in(world: World, key: str) -> frozenset[str]:
    client = Client()
    client_sign_in(client, world.people[key].email, world.secrets[key])
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return frozenset(response.wsgi_request._lenhub_viewer.keys)  # type: ignore[attr-defined]


def test_lea_member_holds_lea_network_and_country_keys(world: World) -> None:
    """A vetted police officer signed in with TOTP holds members, lea, their network,
    country and organisation."""
    keys = _keys_after_sign_in(world, "lea_pl")
    assert {"public", "members", "lea", f"network:{world.enlets.pk}", "country:PL"} <= keys
    assert f"org:{world.police_pl.pk}" in keys
    assert f"network:{world.aquapol.pk}" not in keys


def test_no_role_implies_lea(world: World) -> None:
    """A secretariat run by a research organisation is vetted but not LEA."""
    keys = _keys_after_sign_in(world, "secretariat")
    assert "members" in keys and "lea" not in keys


def test_group_keys_need_current_network_membership(world: World) -> None:
    keys = _keys_after_sign_in(world, "core_de")
    assert f"group:{world.core_group.pk}" in keys
    leaver = viewer_for_user(world.people["leaver"], mfa_verified=True)
    assert f"group:{world.core_group.pk}" not in leaver.keys
    assert f"network:{world.enlets.pk}" not in leaver.keys


def test_public_only_without_vetting_mfa_or_after_expiry(world: World) -> None:
    for key in ("unvetted_mfa", "expired", "operator", "auditor"):
        assert _keys_after_sign_in(world, key) == {"public"}, key
    assert viewer_for_user(world.people["vetted_no_mfa"], mfa_verified=True).keys == {"public"}


def test_session_without_second_factor_sees_public_only(world: World, client: Client) -> None:
    """force_login skips the TOTP step: the session is not MFA-verified."""
    client.force_login(world.people["lea_pl"])
    response = client.get("/dashboard/")
    assert viewer_for_request(response.wsgi_request).keys == {"public"}


def test_superuser_gets_no_keys(world: World, settings: Any) -> None:
    operator = world.people["operator"]
    assert operator.is_superuser
    assert viewer_for_user(operator, mfa_verified=True).keys == {"public"}
