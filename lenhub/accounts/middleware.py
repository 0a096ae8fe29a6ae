from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

SESSION_EPOCH = "lenhub_epoch"
SESSION_SIGNED_IN_AT = "lenhub_signed_in_at"


class SessionGuardMiddleware:
    """Ends a session when the person signed out everywhere (their epoch moved on) or
    when the session is older than ``LENHUB_SESSION_MAX_HOURS``. Idle expiry is the
    session cookie's age, renewed on every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            epoch = request.session.get(SESSION_EPOCH)
            signed_in_at = request.session.get(SESSION_SIGNED_IN_AT, 0)
            too_old = time.time() - float(signed_in_at) > settings.SESSION_MAX_HOURS * 3600
            if epoch != user.auth_epoch or too_old:
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
        return self.get_response(request)
