from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "lenhub.needs"
    label = "needs"
    verbose_name = _("Needs and roadmap")

    def ready(self) -> None:
        from lenhub.accounts.tokens import scope_register

        # scope_register keeps the first registration: the needs flow may register these
        # too, with its own words.
        scope_register("needs:read", _("Read needs, rounds and roadmaps you may see"))
        scope_register("needs:write", _("Report needs, vote in rounds and run rounds"))
