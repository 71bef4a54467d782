"""Settings for the gunicorn worker in tests/faults/test_gunicorn_kill.py: the test settings
and the hook that holds a request between two writes (tests/faults/slow_writes.py)."""

from tests.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.faults.slow_writes.SlowWritesConfig"]  # noqa: F405
