from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "lenhub.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from lenhub.audit import receivers  # noqa: F401
