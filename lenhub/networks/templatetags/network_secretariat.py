"""``{% may_manage_network network as can_manage %}``: whether the reader may use the
secretariat tools of ``network`` (the same check the tools make)."""

from __future__ import annotations

from typing import Any

from django import template

from lenhub.access.policy import session_is_mfa_verified
from lenhub.networks import secretariat
from lenhub.networks.models import Network

register = template.Library()


@register.simple_tag(takes_context=True)
def may_manage_network(context: dict[str, Any], network: Network) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return False
    return secretariat.may_manage_network(
        user=user, network=network, mfa=session_is_mfa_verified(request)
    )
