from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "lenhub.networks"
    label = "networks"
    verbose_name = "Networks"
