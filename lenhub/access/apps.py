from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "lenhub.access"
    label = "access"
    verbose_name = "Access policy"
