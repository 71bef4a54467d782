from django.apps import AppConfig


class SSPFConfig(AppConfig):
    name = "sspf"
    verbose_name = "SSPF"
