from django import template

from lenhub.needs.models import Need
from lenhub.needs.selectors_rounds import need_url as _need_url

register = template.Library()


@register.filter
def need_url(need: Need) -> str:
    """The need's page, or nothing where the needs pages are not installed."""
    return _need_url(need)
