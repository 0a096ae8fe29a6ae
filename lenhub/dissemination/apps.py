from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisseminationConfig(AppConfig):
    name = "lenhub.dissemination"
    label = "dissemination"
    verbose_name = _("Dissemination")

    def ready(self) -> None:
        from lenhub.accounts.tokens import scope_register
        from lenhub.dissemination.search import register

        register()
        scope_register("guidance:read", _("Read guidance you may see, and its reach"))
        scope_register("guidance:write", _("Publish, relay and acknowledge guidance"))
