"""API: the caller's own account and tokens, and the country list."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from lenhub.accounts.models import AccessToken, Country
from lenhub.accounts.selectors import user_has_mfa, user_roles, vetting_current
from lenhub.accounts.tokens import SCOPES, token_revoke
from lenhub.api.auth import OPTIONAL_AUTH, principal
from lenhub.api.errors import COMMON, documented
from lenhub.api.pagination import Page, PageParams, paginate

router = Router(tags=["accounts"])


class RoleOut(Schema):
    role: str
    network: str | None
    group: str | None
    country: str | None
    is_deputy: bool


class MeOut(Schema):
    id: str = Field(description="Your stable pseudonymous id.")
    email: str
    display_name: str
    organisation: str | None
    organisation_country: str | None
    is_lea: bool
    vetted_until: datetime | None
    has_mfa: bool
    roles: list[RoleOut]
    via_token: str | None = Field(description="The token's key id, if a token was used.")
    scopes: list[str]


class TokenOut(Schema):
    key_id: str
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    active: bool


class ScopeOut(Schema):
    name: str
    description: str


class CountryOut(Schema):
    code: str
    name: str
    is_eu_member: bool
    is_partner: bool


class CountryFilter(Schema):
    q: str | None = Field(None, max_length=80, description="Part of the name or the code.")
    eu: bool | None = Field(None, description="Only EU member states (true) or others.")


@router.get("/me", response={200: MeOut, **documented(*COMMON, 403)}, summary="Your account")
def me(request: HttpRequest) -> MeOut:
    caller = principal(request, "profile:read", account=True)
    user = caller.user
    assert user is not None
    vetting = vetting_current(user=user)
    org = user.organisation
    return MeOut(
        id=user.audit_pid,
        email=user.email,
        display_name=user.display_name,
        organisation=org.name if org else None,
        organisation_country=org.country_id if org else None,
        is_lea=bool(vetting and vetting.organisation.is_lea),
        vetted_until=vetting.expires_at if vetting else None,
        has_mfa=user_has_mfa(user=user),
        roles=[
            RoleOut(
                role=r.role,
                network=r.network.acronym if r.network else None,
                group=r.group.name if r.group else None,
                country=r.country_id,
                is_deputy=r.is_deputy,
            )
            for r in user_roles(user=user)
        ],
        via_token=caller.token.key_id if caller.token else None,
        scopes=list(caller.token.scopes) if caller.token else sorted(SCOPES),
    )


def _token_out(token: AccessToken) -> TokenOut:
    return TokenOut(
        key_id=token.key_id,
        name=token.name,
        scopes=list(token.scopes),
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
        active=token.is_active,
    )


@router.get(
    "/tokens",
    response={200: Page[TokenOut], **documented(*COMMON, 403)},
    summary="Your access tokens",
)
def tokens_list(request: HttpRequest, page: Query[PageParams]) -> dict[str, object]:
    caller = principal(request, "profile:read", account=True)
    tokens = AccessToken.objects.filter(user=caller.user).order_by("-created_at", "pk")
    return paginate(tokens, page, _token_out)


@router.delete(
    "/tokens/{key_id}",
    response={200: TokenOut, **documented(*COMMON, 403, 404)},
    summary="Revoke one of your tokens",
)
def tokens_revoke(request: HttpRequest, key_id: str) -> TokenOut:
    caller = principal(request, "tokens:write", account=True)
    token = AccessToken.objects.get(user=caller.user, key_id=key_id)
    token_revoke(token=token, actor=caller.user)
    token.refresh_from_db()
    return _token_out(token)


@router.get(
    "/scopes",
    response={200: list[ScopeOut], **documented(*COMMON)},
    summary="Token scopes",
    openapi_extra=OPTIONAL_AUTH,
)
def scopes(request: HttpRequest) -> list[ScopeOut]:
    return [ScopeOut(name=name, description=str(text)) for name, text in sorted(SCOPES.items())]


@router.get(
    "/countries",
    response={200: Page[CountryOut], **documented(*COMMON)},
    summary="Countries (EU members and partner countries)",
    openapi_extra=OPTIONAL_AUTH,
)
def countries(
    request: HttpRequest, page: Query[PageParams], filters: Query[CountryFilter]
) -> dict[str, object]:
    rows = Country.objects.order_by("name", "code")
    if filters.q:
        rows = rows.filter(Q(name__icontains=filters.q) | Q(code__iexact=filters.q))
    if filters.eu is not None:
        rows = rows.filter(is_eu_member=filters.eu)
    return paginate(rows, page, CountryOut.model_validate)
