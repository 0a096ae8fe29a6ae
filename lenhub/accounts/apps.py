from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lenhub.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from lenhub.accounts import checks, receivers  # noqa: F401
