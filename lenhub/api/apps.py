from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "lenhub.api"
    label = "api"
    verbose_name = "API"
