"""Who is calling: a bearer token, a signed-in browser session, or nobody.

Every operation runs with a ``Principal`` in ``request.auth``. A request that presents a
token but a bad one is refused (never quietly served as anonymous). Session callers must
send the CSRF token on unsafe methods; token callers carry no ambient authority.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from lenhub.access.policy import (
    ANONYMOUS,
    Viewer,
    session_is_mfa_verified,
    viewer_for_request,
    viewer_for_user,
)
from lenhub.accounts.models import AccessToken, User
from lenhub.accounts.selectors import user_has_mfa
from lenhub.accounts.tokens import TokenError, token_authenticate
from lenhub.api.errors import ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# For operations that also answer anonymous callers (with public items only).
OPTIONAL_AUTH: dict[str, Any] = {"security": [{"ApiAuth": []}, {}]}


@dataclass(frozen=True)
class Principal:
    user: User | None
    viewer: Viewer
    token: AccessToken | None = None
    mfa: bool = False  # signed in with a second factor (session) or owner has one (token)

    def __bool__(self) -> bool:  # ninja treats a falsy result as "not authenticated"
        return True


_ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


@functools.cache
def _query_parameters_by_operation() -> dict[tuple[str, str], frozenset[str]]:
    """Query parameter names of every operation, read from the OpenAPI schema."""
    from lenhub.api.api import api

    found = {}
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            names = {
                parameter["name"]
                for parameter in operation.get("parameters", [])
                if parameter.get("in") == "query"
            }
            found[(method.upper(), path)] = frozenset(names)
    return found


def _query_parameters(request: HttpRequest) -> frozenset[str] | None:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return None
    path = "/" + _ROUTE_PARAMETER.sub(r"{\1}", match.route)
    return _query_parameters_by_operation().get((request.method or "GET", path))


class ApiAuth(HttpBearer):
    """Bearer token (``Authorization: Bearer lh_…``) or session; anonymous otherwise."""

    def __call__(self, request: HttpRequest) -> Principal:
        # Every query parameter of the API takes one value: a repeated one is a mistake
        # (or a probe) to refuse, not to resolve silently by taking the last value.
        repeated = sorted(key for key, values in request.GET.lists() if len(values) > 1)
        if repeated:
            raise ApiError(
                "invalid_request",
                _("Give each query parameter once."),
                [{"field": key, "message": _("repeated")} for key in repeated],
            )
        # Likewise a parameter the operation does not know (a typo such as ``limt``).
        allowed = _query_parameters(request)
        unknown = sorted(key for key in request.GET if allowed is not None and key not in allowed)
        if unknown:
            raise ApiError(
                "invalid_request",
                _("Unknown query parameters."),
                [{"field": key, "message": _("unknown")} for key in unknown],
            )
        header = request.headers.get("Authorization", "")
        if header:
            request._lenhub_nonpublic = True  # type: ignore[attr-defined]  # never cached
            scheme, _sep, raw = header.partition(" ")
            if scheme.lower() != "bearer" or not raw.strip():
                raise ApiError(
                    "token_invalid", _("Send the token as 'Authorization: Bearer lh_…'.")
                )
            return self.authenticate(request, raw.strip())
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if request.method not in SAFE_METHODS and check_csrf(request) is not None:
                raise ApiError("csrf_failed", _("The CSRF token is missing or wrong."))
            return Principal(
                user=user,
                viewer=viewer_for_request(request),
                mfa=session_is_mfa_verified(request),
            )
        return Principal(user=None, viewer=ANONYMOUS)

    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        try:
            access_token = token_authenticate(token)
        except TokenError as error:
            raise ApiError(error.code, error.message) from None
        user = access_token.user
        return Principal(
            user=user,
            viewer=viewer_for_user(user, mfa_verified=True),
            token=access_token,
            mfa=user_has_mfa(user=user),
        )


def principal(request: HttpRequest, scope: str, *, account: bool = False) -> Principal:
    """The caller, checked for the scope an operation needs (tokens only; a session holds
    every scope) and, with ``account``, for being signed in at all."""
    found: Any = getattr(request, "auth", None)
    if not isinstance(found, Principal):
        raise ApiError("not_authenticated", _("Sign in or send an access token."))
    if account and found.user is None:
        raise ApiError("not_authenticated", _("Sign in or send an access token."))
    if found.token is not None and scope not in found.token.scopes:
        raise ApiError(
            "insufficient_scope", _("This token lacks the '%(scope)s' scope.") % {"scope": scope}
        )
    return found
