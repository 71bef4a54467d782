from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """Throwaway models that exercise the shared machinery before real personal data exists."""

    name = "tests.testapp"
    label = "testapp"

    def ready(self):
        from audit.registry import register
        from tests.testapp.models import Secret

        register(Secret)
