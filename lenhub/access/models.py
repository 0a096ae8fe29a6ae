"""Storage for audiences: every restricted item links to the audience keys it requires.

An item's audience is a conjunction of keys (``lea``, ``network:3``, ``country:PL`` ...).
A reader holds a set of keys; the reader may view the item when the item requires no key
the reader lacks. Keys are rows, so the same rule runs as SQL (``filter_visible``) and in
Python (``can_view``) from one source of truth. An item with no key is visible to nobody.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TLP(models.TextChoices):
    """FIRST Traffic Light Protocol 2.0 labels, least restrictive first."""

    CLEAR = "CLEAR", "TLP:CLEAR"
    GREEN = "GREEN", "TLP:GREEN"
    AMBER = "AMBER", "TLP:AMBER"
    AMBER_STRICT = "AMBER+STRICT", "TLP:AMBER+STRICT"
    RED = "RED", "TLP:RED"


class AudienceKey(models.Model):
    key = models.CharField(max_length=80, unique=True)

    class Meta:
        verbose_name = _("audience key")

    def __str__(self) -> str:
        return self.key


class Restricted(models.Model):
    """Mixin for every item people can read. Set audience and label only through
    ``lenhub.access.services.restricted_set_audience``."""

    tlp = models.CharField(_("TLP label"), max_length=16, choices=TLP.choices, default=TLP.RED)
    audience_keys = models.ManyToManyField(AudienceKey, related_name="+", editable=False)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, editable=False
    )
    originator_organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("For TLP:AMBER+STRICT: the organisation the item may not leave."),
    )

    class Meta:
        abstract = True

    def access_container(self) -> Restricted | None:
        """The item this one lives in (a group's item lives in the group), if any."""
        return None
