"""A test-only app that holds a request between two of its writes, for the gunicorn test.

Installed only by tests/faults/gunicorn_settings.py. With SSPF_TEST_HOLD_FILE set, the first
case saved in the server writes its worker's pid into that file and then waits, inside the
request's open transaction, until the test kills the worker. Later saves go through (the file
exists), so the restarted worker serves normally.
"""

import os
import time
from pathlib import Path

from django.apps import AppConfig
from django.db.models.signals import post_save

HOLD_SECONDS = 60


def hold_the_first_case(sender, **kwargs):
    marker = Path(os.environ["SSPF_TEST_HOLD_FILE"])
    try:
        with marker.open("x") as file:  # only the first one waits
            file.write(str(os.getpid()))
    except FileExistsError:
        return
    time.sleep(HOLD_SECONDS)


class SlowWritesConfig(AppConfig):
    name = "tests.faults"
    label = "faults_slow_writes"

    def ready(self):
        if os.environ.get("SSPF_TEST_HOLD_FILE"):
            post_save.connect(hold_the_first_case, sender="cases.Case")
