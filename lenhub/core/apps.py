from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lenhub.core"
    label = "core"
    verbose_name = "lenhub"
