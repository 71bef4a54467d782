from django.apps import AppConfig


class SSPFConfig(AppConfig):
    name = "sspf"
    verbose_name = "SSPF"

    def ready(self):
        # The key check (a system check) and the login receiver that starts a session's idle
        # clock register themselves on import.
        from sspf import keycheck, middleware  # noqa: F401
