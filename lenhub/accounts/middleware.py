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
SESSION_RENEWED_AT = "lenhub_renewed_at"


class SessionGuardMiddleware:
    """Ends a session when the person signed out everywhere (their epoch moved on) or
    when the session is older than ``LENHUB_SESSION_MAX_HOURS``.

    Idle expiry is the session's age (``SESSION_COOKIE_AGE``), renewed by a signed-in
    person's request at most every ``SESSION_RENEW_SECONDS`` (half the age if that is
    shorter): a session then ends between ``LENHUB_SESSION_IDLE_MINUTES`` less that
    interval and ``LENHUB_SESSION_IDLE_MINUTES`` after its last request, never later, and
    a request does not write the session store only to renew it (saving it on every
    request cost 1-2 ms per request, a write lock on SQLite)."""

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
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:  # still signed in after the view
            every = min(settings.SESSION_RENEW_SECONDS, settings.SESSION_COOKIE_AGE / 2)
            now = time.time()
            if now - float(request.session.get(SESSION_RENEWED_AT, 0)) >= every:
                request.session[SESSION_RENEWED_AT] = now  # saved, with a new expiry
        return response
