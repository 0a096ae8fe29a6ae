"""Personal access tokens: creation, revocation and authentication.

A token reads ``lh_<key id>_<secret>``. Only a SHA-256 hash of the secret is kept (the
secret has 256 bits of entropy, so a slow hash adds nothing). A token acts with its
owner's rights as they are at each request, limited to its scopes, and stops working
when it expires or is revoked, when its owner signs out everywhere, is deactivated, or
loses the vetting (or platform role) that allowed it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenhub.accounts.models import AccessToken, Role, User
from lenhub.accounts.selectors import user_has_role, vetting_current
from lenhub.audit.services import audit_log

PREFIX = "lh_"

# Scopes other modules extend with ``scope_register`` in their AppConfig.ready().
SCOPES: dict[str, Any] = {
    "profile:read": _("Read your own profile, roles and tokens"),
    "tokens:write": _("Revoke your own tokens"),
    "news:read": _("Read news you may see"),
    "audit:read": _("Read and verify the audit trail (auditors and operators)"),
}


def scope_register(name: str, description: Any) -> None:
    SCOPES.setdefault(name, description)


class TokenError(Exception):
    """Authentication with a token failed; ``code`` is the API's stable error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_may_be_held(*, user: User) -> bool:
    """Tokens are for vetted members and for the platform's operators and auditors."""
    if not user.is_active:
        return False
    if vetting_current(user=user) is not None:
        return True
    return user_has_role(user=user, role=Role.OPERATOR) or user_has_role(
        user=user, role=Role.AUDITOR
    )


def scopes_parse(raw: str | list[str]) -> list[str]:
    names = raw.split(",") if isinstance(raw, str) else list(raw)
    scopes = sorted({name.strip() for name in names if name.strip()})
    if not scopes:
        raise ValidationError(_("Choose at least one scope."))
    unknown = [name for name in scopes if name not in SCOPES]
    if unknown:
        raise ValidationError(
            _("Unknown scopes: %(unknown)s. Known scopes: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(SCOPES))}
        )
    return scopes


@dataclass(frozen=True)
class NewToken:
    token: AccessToken
    secret: str  # shown once, never stored


@transaction.atomic
def token_create(
    *,
    user: User,
    name: str,
    scopes: str | list[str],
    days: int | None = None,
    via: str = "web",
) -> NewToken:
    """Create a token for ``user`` (on their own page, or ``via="command"`` by whoever
    runs the installation)."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the token a name."))
    chosen = scopes_parse(scopes)
    longest = int(settings.TOKEN_MAX_DAYS)
    days = longest if days is None else days
    if not 1 <= days <= longest:
        raise ValidationError(_("A token lives between 1 and %(days)d days.") % {"days": longest})
    if not token_may_be_held(user=user):
        raise PermissionDenied(_("Only vetted members, operators and auditors hold tokens."))
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user,
        name=name[:80],
        key_id=key_id,
        secret_hash=_hash(secret),
        scopes=chosen,
        auth_epoch=user.auth_epoch,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_log(
        action="token.created",
        actor=user if via == "web" else None,
        target=f"token:{key_id}",
        data={"scopes": chosen, "days": days, "via": via, "owner": user.audit_pid},
    )
    return NewToken(token=token, secret=f"{PREFIX}{key_id}_{secret}")


@transaction.atomic
def token_revoke(*, token: AccessToken, actor: User | None) -> bool:
    if token.revoked_at is not None:
        return False
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_log(action="token.revoked", actor=actor, target=f"token:{token.key_id}")
    return True


def token_authenticate(raw: str) -> AccessToken:
    """The token a request presents, if it may act now; otherwise ``TokenError``."""
    invalid = TokenError("token_invalid", str(_("The access token is not valid.")))
    if not raw.startswith(PREFIX) or raw.count("_") < 2:
        raise invalid
    key_id, _sep, secret = raw[len(PREFIX) :].partition("_")
    token = AccessToken.objects.select_related("user").filter(key_id=key_id).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        raise invalid
    if token.revoked_at is not None:
        raise TokenError("token_revoked", str(_("The access token was revoked.")))
    if token.expires_at <= timezone.now():
        raise TokenError("token_expired", str(_("The access token has expired.")))
    user = token.user
    if token.auth_epoch != user.auth_epoch or not token_may_be_held(user=user):
        raise TokenError(
            "token_inactive",
            str(_("The access token no longer acts: its owner's access has changed.")),
        )
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
