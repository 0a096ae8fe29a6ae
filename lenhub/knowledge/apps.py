from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "lenhub.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge factory")

    def ready(self) -> None:
        from lenhub.accounts.tokens import scope_register
        from lenhub.knowledge.search import register

        register()
        scope_register(
            "knowledge:write", _("Record your organisation's uptake of research results")
        )
