from decimal import Decimal

from django import template

from lenhub.knowledge.funding import euros as _euros

register = template.Library()


@register.filter
def euros(amount: Decimal | None) -> str:
    """``€1,234,567`` in the reader's language (whole euros)."""
    return _euros(amount)
