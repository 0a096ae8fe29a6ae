from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from lenhub.access.models import Restricted
from lenhub.access.policy import effective_tlp, tlp_label

register = template.Library()


@register.simple_tag
def tlp(item: Restricted) -> SafeString:
    """The item's effective TLP label as a badge: ``TLP:AMBER``."""
    label = effective_tlp(item)
    css = label.lower().replace("+", "-")
    return format_html('<span class="tlp tlp-{}">{}</span>', css, tlp_label(label))
