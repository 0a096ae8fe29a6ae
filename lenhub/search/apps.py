from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "lenhub.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from lenhub.accounts.tokens import scope_register

        scope_register("knowledge:read", _("Search and read the knowledge factory"))
