"""One JSON error shape for the whole API, with stable codes.

    {"error": {"code": "not_found", "message": "...", "fields": [...]}}

Codes: ``not_authenticated`` (401), ``token_invalid``, ``token_revoked``,
``token_expired``, ``token_inactive`` (401), ``csrf_failed`` (403),
``permission_denied`` (403), ``insufficient_scope`` (403), ``not_found`` (404),
``method_not_allowed`` (405), ``conflict`` (409), ``invalid_request`` (422),
``rate_limited`` (429), ``server_error`` (500).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import Schema

STATUS = {
    "not_authenticated": 401,
    "token_invalid": 401,
    "token_revoked": 401,
    "token_expired": 401,
    "token_inactive": 401,
    "csrf_failed": 403,
    "permission_denied": 403,
    "insufficient_scope": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "invalid_request": 422,
    "rate_limited": 429,
    "server_error": 500,
}


class ApiError(Exception):
    def __init__(self, code: str, message: str, fields: list[dict[str, Any]] | None = None):
        super().__init__(message)
        assert code in STATUS, code
        self.code = code
        self.message = message
        self.fields = fields or []

    @property
    def status(self) -> int:
        return STATUS[self.code]


class FieldError(Schema):
    field: str
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    fields: list[FieldError] = []


class ErrorOut(Schema):
    error: ErrorBody


def error_response(
    code: str, message: str, fields: list[dict[str, Any]] | None = None
) -> JsonResponse:
    response = JsonResponse(
        {"error": {"code": code, "message": message, "fields": fields or []}},
        status=STATUS[code],
    )
    if STATUS[code] == 401:
        response["WWW-Authenticate"] = 'Bearer realm="lenhub"'
    return response


@csrf_exempt  # it changes nothing; otherwise a POST got Django's HTML CSRF page instead
def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Unknown paths under /api/v1/ answer in the API's error shape, not an HTML page."""
    return error_response("not_found", _("No such API endpoint."))


def documented(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Error responses to declare on an operation (for the OpenAPI schema)."""
    return dict.fromkeys(statuses, ErrorOut)


COMMON = (401, 422)  # every operation may see a bad token or bad parameters


def service_call(call: Any, refused: str = "invalid_request") -> Any:
    """Run a service call, turning its refusals into API errors: permission to 403,
    an audience out of reach to 422, and what the service validates to ``refused``
    (``conflict`` where that is only the object's state)."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from lenhub.access.policy import AudienceError

    try:
        return call()
    except PermissionDenied as error:
        raise ApiError("permission_denied", str(error) or _("You may not do this.")) from None
    except AudienceError as error:
        raise ApiError("invalid_request", str(error)) from None
    except ValidationError as error:
        raise ApiError(refused, " ".join(error.messages)) from None
