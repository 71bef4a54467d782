"""Test settings: production settings with test-only secrets and fast password hashing."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SSPF_ENV_FILE", "/nonexistent")  # the developer's var/dev.env is not read
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("SSPF_REQUIRE_2FA", "0")
# Fixed test keys (32 bytes each); never used outside the test suite.
os.environ.setdefault("SSPF_FIELD_KEYS", "test1:" + "MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE=")
os.environ.setdefault("SSPF_INDEX_KEY", "test1:" + "MjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjI=")
os.environ.setdefault("SSPF_AUDIT_KEY", "test1:" + "MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM=")
# Never the developer's var/; tests/conftest.py gives each test a file of its own.
os.environ.setdefault(
    "SSPF_AUDIT_ANCHOR", str(Path(tempfile.gettempdir()) / f"sspf-test-anchors-{os.getpid()}.jsonl")
)

from sspf.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, tests only
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405

# A file, not memory, so that tests can read the bytes SQLite really stores.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"sspf-test-{os.getpid()}.sqlite3")
    }
