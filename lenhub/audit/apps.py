from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lenhub.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from lenhub.audit import receivers  # noqa: F401
