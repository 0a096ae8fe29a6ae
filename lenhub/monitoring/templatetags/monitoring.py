from __future__ import annotations

from typing import Any

from django import template

from lenhub.access.policy import viewer_for_request
from lenhub.monitoring.selectors import unread_count
from lenhub.monitoring.services import follow_find

register = template.Library()


@register.inclusion_tag("monitoring/_follow_button.html", takes_context=True)
def follow_button(context: Any, project: Any) -> dict[str, Any]:
    """A Follow / Unfollow button for a project (signed-in people only)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    show = bool(user is not None and user.is_authenticated)
    return {
        "show": show,
        "follow": follow_find(user=user, project=project) if show else None,
        "kind": "project",
        "target_id": project.pk,
        "name": project.acronym,
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def monitoring_unread(context: Any) -> int:
    """How many unread notifications the reader may see (0 for visitors)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return 0
    return unread_count(viewer=viewer_for_request(request))
