from collections.abc import Iterable

from django import template

from lenhub.needs import selectors
from lenhub.needs.models import Need
from lenhub.needs.selectors_rounds import need_url as _need_url

register = template.Library()


@register.filter
def need_url(need: Need) -> str:
    """The need's page."""
    return _need_url(need)


@register.filter
def country_name(code: str) -> str:
    """A country's name in the reader's language, from its ISO code."""
    return selectors.country_name(code)


@register.filter
def country_names(codes: Iterable[str]) -> str:
    """Country names, comma-separated, in alphabetical order."""
    return selectors.country_names(codes)
