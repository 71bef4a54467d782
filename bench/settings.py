"""Settings for `python -m bench`: the production settings on a database of its own.

DEBUG stays off (templates cached, no query log unless a measurement asks for one); the keys
are fixed bench-only keys, as in tests/settings.py, because the bench database is generated
and thrown away; connections persist, as production should run. The database is the one of
DATABASE_URL with its name replaced by BENCH_DATABASE (default sspf_bench), so that the bench
never touches the database it was pointed at. bench/urls.py adds the unprotected twins and
the floor; they are mounted only here, never in sspf/urls.py.
"""

import os
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"

os.environ.setdefault("SSPF_ENV_FILE", "/nonexistent")  # never the developer's var/dev.env
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "b" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # gunicorn on loopback speaks plain HTTP
os.environ.setdefault("SECURE_COOKIES", "0")
# As in the test suite: the bench's users sign in with a password alone. Production keeps
# its second factor; the middleware that checks it runs here too (and answers at once).
os.environ.setdefault("SSPF_REQUIRE_2FA", "0")
os.environ.setdefault("SSPF_CHECK_DATABASE_ROLE", "0")  # the bench connects as the owner
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Fixed bench keys (32 bytes each); they protect nothing but generated data.
os.environ.setdefault("SSPF_FIELD_KEYS", "bench1:" + "NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ=")
os.environ.setdefault("SSPF_INDEX_KEY", "bench1:" + "NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU=")
os.environ.setdefault("SSPF_AUDIT_KEY", "bench1:" + "NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY=")
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")
BENCH_DATABASE = os.environ.get("BENCH_DATABASE") or "sspf_bench"
os.environ.setdefault("SSPF_AUDIT_ANCHOR", str(BENCH_DIR / f"anchors-{BENCH_DATABASE}.jsonl"))

from sspf.env import envint  # noqa: E402
from sspf.settings import *  # noqa: E402,F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["NAME"] = BENCH_DATABASE  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = envint("DATABASE_CONN_MAX_AGE", 600)  # noqa: F405

ROOT_URLCONF = "bench.urls"
# The load run's virtual users sign in through the login form with passwords the bench sets;
# a quick hash (as in the test suite) keeps sixteen simultaneous logins from swamping the
# measurement. Existing hashes still verify with the production hashers.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
# Static files from the apps directly (no collectstatic before a bench run).
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
