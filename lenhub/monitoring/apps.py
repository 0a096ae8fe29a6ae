from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "lenhub.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from lenhub.accounts.tokens import scope_register
        from lenhub.monitoring import receivers

        receivers.connect()
        scope_register(
            "monitoring:read", _("Read what you follow, your timeline and notifications")
        )
        scope_register("monitoring:write", _("Follow and unfollow; mark notifications read"))
