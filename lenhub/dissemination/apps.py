from django.apps import AppConfig


class DisseminationConfig(AppConfig):
    name = "lenhub.dissemination"
    label = "dissemination"
    verbose_name = "Dissemination"
