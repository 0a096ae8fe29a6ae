from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisseminationConfig(AppConfig):
    name = "lenhub.dissemination"
    label = "dissemination"
    verbose_name = _("Dissemination")

    def ready(self) -> None:
        from lenhub.dissemination.search import register

        register()
