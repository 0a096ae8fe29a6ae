from __future__ import annotations

from typing import Any

from django import template

from lenhub.access.policy import viewer_for_request
from lenhub.dissemination.selectors import guidance_to_acknowledge

register = template.Library()


@register.simple_tag(takes_context=True)
def guidance_to_acknowledge_count(context: Any) -> int:
    """How much guidance the reader still has to acknowledge (0 for visitors)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return 0
    return guidance_to_acknowledge(viewer=viewer_for_request(request), user=user).count()
