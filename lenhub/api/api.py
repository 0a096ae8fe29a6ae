"""The REST API, version 1, mounted at /api/v1/ with its schema at /api/v1/openapi.json.

Each module contributes a router (``lenhub.<module>.api``); this file only assembles
them and turns every failure into the one error shape of ``lenhub.api.errors``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from lenhub.api.auth import ApiAuth
from lenhub.api.errors import STATUS, ApiError, error_response

logger = logging.getLogger("lenhub.api")

DESCRIPTION = """\
lenhub's REST API. Every response contains only what the caller may see under the
access policy; "not found" and "not allowed" look the same.

**Authentication.** Send a personal access token as `Authorization: Bearer lh_…`
(create one on your profile page or with `lenhub token create`). A token acts with its
owner's rights at the time of each request, limited to its scopes. Without a token the
API answers as the signed-in browser session (CSRF token needed on unsafe methods) or as
an anonymous visitor, who sees public items only.

**Errors** have one shape: `{"error": {"code": "...", "message": "...", "fields": []}}`
with stable codes (`not_authenticated`, `token_invalid`, `token_revoked`,
`token_expired`, `token_inactive`, `csrf_failed`, `permission_denied`,
`insufficient_scope`, `not_found`, `conflict`, `invalid_request`, `rate_limited`,
`server_error`).

**Lists** take `limit` (1-100, default 20) and `offset`, and answer
`{"results": [...], "total": N, "limit": L, "offset": O}`. Filters are query
parameters named after the field they filter (`tlp`, `since`, `q`, …).
"""

api = NinjaAPI(
    title="lenhub API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api_v1",
    docs_url=None,  # the interactive page would need inline scripts; the schema is enough
    openapi_url="/openapi.json",
    auth=ApiAuth(),
)


def _fields(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("query", "body")]
        out.append({"field": ".".join(location), "message": str(error.get("msg", ""))})
    return out


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc.code, exc.message, exc.fields)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response("invalid_request", _("The request is not valid."), _fields(exc.errors))


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return error_response("invalid_request", " ".join(str(message) for message in exc.messages))


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response("not_authenticated", _("Sign in or send an access token."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response("not_found", _("Not found."))


@api.exception_handler(ObjectDoesNotExist)
def _does_not_exist(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return error_response("not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response("permission_denied", str(exc) or _("You may not do this."))


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return error_response("rate_limited", _("Too many requests; try again later."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    by_status = {status: code for code, status in reversed(STATUS.items())}
    return error_response(by_status.get(exc.status_code, "invalid_request"), str(exc))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return error_response("server_error", _("Something went wrong on our side."))


def _mount() -> None:
    from lenhub.accounts.api import router as accounts
    from lenhub.audit.api import router as audit
    from lenhub.dissemination.api import router as dissemination
    from lenhub.dissemination.api_guidance import router as guidance
    from lenhub.knowledge.api import router as knowledge_items
    from lenhub.knowledge.api_funding import router as knowledge_funding
    from lenhub.monitoring.api import router as monitoring
    from lenhub.needs.api import router as needs
    from lenhub.needs.api_roadmap import router as roadmaps
    from lenhub.needs.api_rounds import router as rounds
    from lenhub.networks.api import router as networks
    from lenhub.search.api import router as knowledge

    api.add_router("/", accounts)
    api.add_router("/news", dissemination)
    api.add_router("/guidance", guidance)
    api.add_router("/audit", audit)
    api.add_router("/", networks)
    api.add_router("/", knowledge)
    api.add_router("/knowledge", knowledge_funding)
    api.add_router("/", knowledge_items)
    api.add_router("/monitoring", monitoring)
    api.add_router("/rounds", rounds)
    api.add_router("/", needs)
    api.add_router("/", roadmaps)


_mount()
