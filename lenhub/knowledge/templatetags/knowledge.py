from django import template

from lenhub.knowledge.views import country_name

register = template.Library()


@register.filter
def country(code: str) -> str:
    """A country's English name from its ISO code (``PL`` → Poland)."""
    return country_name(code) if code else ""
