"""Stamp new sessions and write security-relevant account events to the audit trail."""

from __future__ import annotations

import time
from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver
from django.http import HttpRequest

from lenhub.accounts.middleware import SESSION_EPOCH, SESSION_SIGNED_IN_AT
from lenhub.audit.services import audit_log


@receiver(auth_signals.user_logged_in)
def on_signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_EPOCH] = user.auth_epoch
        request.session[SESSION_SIGNED_IN_AT] = time.time()
    audit_log(action="auth.signed_in", actor=user, request=request)


@receiver(auth_signals.user_login_failed)
def on_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    from lenhub.accounts.models import User

    email = str(credentials.get("email") or credentials.get("username") or "").lower()
    user = User.objects.filter(email=email).first() if email else None
    audit_log(action="auth.sign_in_failed", actor=user, request=request)


@receiver(auth_signals.user_logged_out)
def on_signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_log(action="auth.signed_out", actor=user, request=request)


@receiver(account_signals.user_signed_up)
def on_signed_up(request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_log(action="account.registered", actor=user, request=request)


@receiver(account_signals.email_confirmed)
def on_email_confirmed(request: HttpRequest, email_address: Any, **kwargs: Any) -> None:
    audit_log(action="account.email_verified", actor=email_address.user, request=request)


@receiver(account_signals.password_changed)
@receiver(account_signals.password_set)
@receiver(account_signals.password_reset)
def on_password_changed(request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_log(action="account.password_changed", actor=user, request=request)


@receiver(mfa_signals.authenticator_added)
def on_mfa_added(request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit_log(action="mfa.added", actor=user, data={"type": authenticator.type}, request=request)


@receiver(mfa_signals.authenticator_removed)
def on_mfa_removed(request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit_log(action="mfa.removed", actor=user, data={"type": authenticator.type}, request=request)


@receiver(mfa_signals.authenticator_reset)
def on_mfa_reset(request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit_log(action="mfa.reset", actor=user, data={"type": authenticator.type}, request=request)


@receiver(mfa_signals.authentication_failed)
def on_mfa_failed(sender: Any, request: HttpRequest, user: Any = None, **kwargs: Any) -> None:
    audit_log(action="mfa.failed", actor=user, request=request)
