from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "lenhub.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from lenhub.accounts.tokens import scope_register

        scope_register("knowledge:read", _("Search and read the knowledge factory"))
        post_migrate.connect(_prune_index, sender=self)


def _prune_index(using: str = "default", **kwargs: Any) -> None:
    """After ``migrate`` and ``flush`` (which send ``post_migrate``): the full-text index
    keeps nothing for documents that are gone, and no process-wide figure outlives them."""
    from django.db import connections

    from lenhub.search.engines import engine

    if using != "default" or connections[using].vendor not in ("sqlite", "postgresql"):
        return
    engine().prune()
