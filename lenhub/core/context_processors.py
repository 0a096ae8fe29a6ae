from typing import Any

from django.http import HttpRequest

from lenhub.access.policy import viewer_for_request
from lenhub.accounts.models import Role, RoleAssignment


def lenhub(request: HttpRequest) -> dict[str, Any]:
    viewer = viewer_for_request(request)
    roles: set[str] = set()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        roles = set(RoleAssignment.objects.filter(user_id=user.pk).values_list("role", flat=True))
    return {
        "viewer": viewer,
        "nav_is_auditor": Role.AUDITOR in roles,
        "nav_may_vet": bool(roles & {Role.SECRETARIAT, Role.NATIONAL_CONTACT}),
    }
