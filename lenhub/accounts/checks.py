"""Deployment checks: ``lenhub check --deploy`` fails where demo accounts exist or an MFA
bypass is configured."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.db import DatabaseError


@checks.register(checks.Tags.security)
def check_no_mfa_bypass(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if getattr(settings, "MFA_TOTP_INSECURE_BYPASS_CODE", None):
        return [checks.Error("MFA_TOTP_INSECURE_BYPASS_CODE must never be set.", id="lenhub.E001")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_no_demo_accounts(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    from lenhub.accounts.models import User

    try:
        count = User.objects.filter(is_demo=True).count()
    except DatabaseError:
        return []
    if count:
        return [
            checks.Error(
                f"{count} demo accounts exist. A production installation must not have them.",
                hint="Start production from an empty database; create the first operator with "
                "`lenhub createoperator`.",
                id="lenhub.E002",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_production_mode(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if not settings.PRODUCTION:
        return [
            checks.Warning(
                "LENHUB_PRODUCTION is not set: embedded defaults are for trial use only.",
                id="lenhub.W001",
            )
        ]
    return []
