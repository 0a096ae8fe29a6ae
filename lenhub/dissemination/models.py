from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenhub.access.models import Restricted


class News(Restricted):
    """A news item. Its audience and label decide who reads it (DESIGN §2)."""

    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("news item")
        verbose_name_plural = _("news")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("news_detail", args=[self.pk])


class GuidanceKind(models.TextChoices):
    DIRECTIVE = "directive", _("Directive")
    GUIDELINE = "guideline", _("Guideline")
    RECOMMENDATION = "recommendation", _("Recommendation")


class Guidance(Restricted):
    """Top-down (DESIGN §4): a directive, guideline or recommendation a secretariat
    publishes to an audience. National Contacts relay it to people of their country;
    readers acknowledge "read and understood"; the publisher sees reach per country."""

    network = models.ForeignKey(
        "networks.Network", verbose_name=_("network"), on_delete=models.PROTECT,
        related_name="guidance",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=16, choices=GuidanceKind.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    reference = models.CharField(
        _("reference"), max_length=200, blank=True,
        help_text=_("The issuing body's reference, e.g. a document number."),
    )  # fmt: skip
    source_url = models.URLField(_("source"), blank=True)
    requires_acknowledgement = models.BooleanField(
        _("readers acknowledge 'read and understood'"), default=True
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("guidance")
        verbose_name_plural = _("guidance")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("guidance_detail", args=[self.pk])


class GuidanceRelay(models.Model):
    """A National Contact relays guidance to the people of their country in its audience."""

    guidance = models.ForeignKey(Guidance, on_delete=models.CASCADE, related_name="relays")
    country_code = models.CharField(max_length=2)
    relayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.TextField(_("note to your country's members"), blank=True)
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("relay")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"guidance {self.guidance_id} relayed to {self.country_code}"


class GuidanceReceipt(models.Model):
    """When a reader in the audience first opened the guidance on the platform, and when
    they acknowledged it. Measured on the platform only: no tracking pixels."""

    guidance = models.ForeignKey(Guidance, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    country_code = models.CharField(max_length=2, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("receipt")
        constraints = [
            models.UniqueConstraint(fields=["guidance", "user"], name="guidance_receipt_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} opened guidance {self.guidance_id}"
