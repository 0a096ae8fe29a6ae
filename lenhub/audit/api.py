"""API: the audit trail, for auditors (pseudonymous ids and actions, never content)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from lenhub.accounts.models import Role
from lenhub.accounts.selectors import user_has_role
from lenhub.api.auth import Principal, principal
from lenhub.api.errors import COMMON, documented
from lenhub.api.filters import instant
from lenhub.api.pagination import Page, PageParams, paginate
from lenhub.audit.models import AuditEntry
from lenhub.audit.services import audit_log, audit_verify

router = Router(tags=["audit"])


class EntryOut(Schema):
    seq: int
    created_at: datetime
    actor: str = Field(description="Pseudonymous person id, empty for the system.")
    action: str
    target: str
    data: dict[str, Any]
    hash: str


class EntryFilter(Schema):
    action: str | None = Field(None, max_length=80, description="Exact action name.")
    actor: str | None = Field(None, max_length=40, description="Pseudonymous person id.")
    since: datetime | None = Field(None, description="At or after this time.")


class VerifyOut(Schema):
    ok: bool
    entries: int
    checkpoints: int
    bad_seq: int | None
    reason: str


def _auditor(request: HttpRequest) -> Principal:
    caller = principal(request, "audit:read", account=True)
    if not caller.mfa or not user_has_role(user=caller.user, role=Role.AUDITOR):
        raise Http404  # the trail's existence is no secret, but its surface stays unlisted
    return caller


@router.get(
    "/entries",
    response={200: Page[EntryOut], **documented(*COMMON, 403, 404)},
    summary="Audit entries, newest first",
)
def entries(
    request: HttpRequest, page: Query[PageParams], filters: Query[EntryFilter]
) -> dict[str, object]:
    caller = _auditor(request)
    audit_log(action="audit.viewed", actor=caller.user, data={"via": "api"}, request=request)
    rows = AuditEntry.objects.order_by("-seq")
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.actor:
        rows = rows.filter(actor=filters.actor)
    if filters.since:
        rows = rows.filter(created_at__gte=instant(filters.since))
    return paginate(rows, page, EntryOut.model_validate)


@router.get(
    "/verify",
    response={200: VerifyOut, **documented(*COMMON, 403, 404)},
    summary="Verify the chain against its key and checkpoints",
)
def verify(request: HttpRequest) -> VerifyOut:
    caller = _auditor(request)
    result = audit_verify()
    audit_log(action="audit.verified", actor=caller.user, data={"ok": result.ok})
    return VerifyOut(
        ok=result.ok,
        entries=result.entries,
        checkpoints=result.checkpoints,
        bad_seq=result.bad_seq,
        reason=result.reason,
    )
