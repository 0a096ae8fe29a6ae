from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworksConfig(AppConfig):
    name = "lenhub.networks"
    label = "networks"
    verbose_name = _("Networks")

    def ready(self) -> None:
        from lenhub.accounts.tokens import scope_register

        scope_register(
            "directory:read", _("Read the directory and the member lists of your networks")
        )
        scope_register(
            "applications:read", _("Read your applications and those waiting for your decision")
        )
        scope_register("applications:write", _("Apply to join networks and withdraw applications"))
        scope_register(
            "applications:decide",
            _("Approve or reject applications (National Contacts, secretariats)"),
        )
        scope_register("memberships:write", _("Leave networks"))
