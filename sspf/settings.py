"""Settings for SSPF, read from the environment.

Every value comes from an environment variable; secrets may also come from a file named by
the variable with `_FILE` appended (SECRET_KEY_FILE, ...), which is how container secrets and
systemd credentials arrive. In a development clone `make run` writes `var/dev.env`; its values
are used only where the real environment is silent, so `python manage.py ...` works there
without exporting anything.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from sspf.env import env, envbool, envint, envlist, envsecret
from sspf.keys import Keyring

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = envbool("DEBUG", False)

SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY or SECRET_KEY_FILE (a file holding the key); "
            "`make run` generates a development key into var/."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105

# Keys for encrypted fields, the personnummer blind index and the audit seal chain
# (README: "Keys"). Each is a keyring "kid:base64key,..."; start-up stops if one is missing.
SSPF_FIELD_KEYS = envsecret("SSPF_FIELD_KEYS")
SSPF_INDEX_KEY = envsecret("SSPF_INDEX_KEY")
SSPF_AUDIT_KEY = envsecret("SSPF_AUDIT_KEY")
for _name, _value in [
    ("SSPF_FIELD_KEYS", SSPF_FIELD_KEYS),
    ("SSPF_INDEX_KEY", SSPF_INDEX_KEY),
    ("SSPF_AUDIT_KEY", SSPF_AUDIT_KEY),
]:
    Keyring.parse(_value, _name, key_bytes=32 if _name == "SSPF_FIELD_KEYS" else None)

# Addresses of reverse proxies whose X-Forwarded-For is believed (comma-separated IPs).
SSPF_TRUSTED_PROXIES = envlist("SSPF_TRUSTED_PROXIES", "")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "sspf.admin_config.SSPFAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "guardian",
    "auditlog",
    "sspf",
    "audit",
    "accounts",
    "schools",
    "cases",
    "contacts",
    "meetings",
    "referrals",
    "stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "sspf.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sspf.middleware.SessionIdleMiddleware",
    "sspf.middleware.SwedishByDefaultLocaleMiddleware",  # not the browser's Accept-Language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.AuditMiddleware",
    # Axes must come last so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sspf.urls"
WSGI_APPLICATION = "sspf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sspf.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite in var/ unless DATABASE_URL names another (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation cost more than the short permission queries it was meant to speed up.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite (development) with several clients at once: with write-ahead logging readers go on
    # while one connection writes; a transaction takes the write lock when it begins
    # (IMMEDIATE) instead of when it first writes, so two of them never both wait to upgrade a
    # read lock ("database is locked" at once); and a writer waits up to 20 s for its turn.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after SESSION_IDLE_MINUTES without a request, and when the browser closes.
SESSION_COOKIE_AGE = envint("SESSION_IDLE_MINUTES", 30) * 60
# An active session is saved again (and its idle clock restarted) at most once a minute
# (sspf.middleware.SessionIdleMiddleware), not on every request.
SESSION_SAVE_EVERY_REQUEST = False
SSPF_SESSION_REFRESH_SECONDS = envint("SSPF_SESSION_REFRESH_SECONDS", 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Lockout after repeated failed logins (django-axes, accounts/lockout.py): per account from
# any address, and per address for any account, with a higher limit for the address (many
# people share one). A success clears only that account's own failures.
AXES_FAILURE_LIMIT = envint("SSPF_LOGIN_FAILURE_LIMIT", 5)
SSPF_LOGIN_ADDRESS_FAILURE_LIMIT = envint("SSPF_LOGIN_ADDRESS_FAILURE_LIMIT", 20)
if min(AXES_FAILURE_LIMIT, SSPF_LOGIN_ADDRESS_FAILURE_LIMIT) < 1:
    raise ImproperlyConfigured(
        "SSPF_LOGIN_FAILURE_LIMIT and SSPF_LOGIN_ADDRESS_FAILURE_LIMIT must be at least 1."
    )
AXES_COOLOFF_TIME = timedelta(minutes=envint("SSPF_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "audit.middleware.client_ip"

# Two-factor login (TOTP). On by default in production, off in the demo.
SSPF_REQUIRE_2FA = envbool("SSPF_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = "SSPF"

# E-mail carries the one-time links with which users choose their own password (an
# administrator never sets one). In development the messages are printed on the console.
EMAIL_BACKEND = env("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env("EMAIL_HOST") or "localhost"
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_HOST_USER = env("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD") or ""
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL") or "sspf@localhost"

# Schools: the agreement asks for two contact police officers per school.
SSPF_POLICE_CONTACTS_PER_SCHOOL = envint("SSPF_POLICE_CONTACTS_PER_SCHOOL", 2)

# Contacts and school visits: the recorder (or their coordinator) may correct one for this many
# days after it was recorded; voiding (with a reason) stays possible at any time.
SSPF_CORRECTION_DAYS = envint("SSPF_CORRECTION_DAYS", 14)
if SSPF_CORRECTION_DAYS < 0:
    raise ImproperlyConfigured("SSPF_CORRECTION_DAYS cannot be negative.")

# Cases: from this age the young person's own consent is required (DESIGN §4).
SSPF_OWN_CONSENT_AGE = envint("SSPF_OWN_CONSENT_AGE", 15)
SSPF_CONSENT_MONTHS = envint("SSPF_CONSENT_MONTHS", 12)
SSPF_CONSENT_WARNING_DAYS = envint("SSPF_CONSENT_WARNING_DAYS", 30)
# A consent may start this many days back at most (a paper form signed earlier).
SSPF_CONSENT_BACKDATE_DAYS = envint("SSPF_CONSENT_BACKDATE_DAYS", 30)
# A statutory disclosure lasts at most this many days, its first day included.
SSPF_DISCLOSURE_MAX_DAYS = envint("SSPF_DISCLOSURE_MAX_DAYS", 30)
# The same coordinator registering the same number again within this many seconds gets the
# case already opened (a double tap, a resent form).
SSPF_SIGNAL_REPEAT_SECONDS = envint("SSPF_SIGNAL_REPEAT_SECONDS", 60)
# At start-up (sspf/wsgi.py) refuse to serve as a database role that could empty the audit log.
SSPF_CHECK_DATABASE_ROLE = envbool("SSPF_CHECK_DATABASE_ROLE", not DEBUG)

# Meetings: "prepare my next meetings" covers this many days ahead; plan items due within
# SSPF_MEETING_DUE_DAYS of a meeting are listed as due; the calendar feed reaches this many
# days back.
SSPF_MEETING_PREPARE_DAYS = envint("SSPF_MEETING_PREPARE_DAYS", 14)
SSPF_MEETING_DUE_DAYS = envint("SSPF_MEETING_DUE_DAYS", 14)
SSPF_MEETING_FEED_PAST_DAYS = envint("SSPF_MEETING_FEED_PAST_DAYS", 90)
if min(SSPF_MEETING_PREPARE_DAYS, SSPF_MEETING_DUE_DAYS, SSPF_MEETING_FEED_PAST_DAYS) < 0:
    raise ImproperlyConfigured("The SSPF_MEETING_* numbers of days cannot be negative.")

# Referrals: a sent referral not accepted or declined within this many days is overdue in the
# receiving service's inbox; the young-victims support centre takes victims up to this age.
SSPF_REFERRAL_ANSWER_DAYS = envint("SSPF_REFERRAL_ANSWER_DAYS", 7)
SSPF_VICTIM_SUPPORT_MAX_AGE = envint("SSPF_VICTIM_SUPPORT_MAX_AGE", 20)
if SSPF_REFERRAL_ANSWER_DAYS < 1 or SSPF_VICTIM_SUPPORT_MAX_AGE < 1:
    raise ImproperlyConfigured(
        "SSPF_REFERRAL_ANSWER_DAYS and SSPF_VICTIM_SUPPORT_MAX_AGE must be at least 1."
    )

# Statistics: values from 1 to the threshold less one are suppressed (disclosure control);
# the age bands start at these ages (age reached during the year); `purge_expired` removes
# the personal data of cases closed more than this many years ago.
SSPF_SUPPRESSION_THRESHOLD = envint("SSPF_SUPPRESSION_THRESHOLD", 5)
SSPF_RETENTION_YEARS = envint("SSPF_RETENTION_YEARS", 5)
try:
    SSPF_STATS_AGE_BANDS = [int(age) for age in envlist("SSPF_STATS_AGE_BANDS", "13,16,18")]
except ValueError:
    raise ImproperlyConfigured("SSPF_STATS_AGE_BANDS must be ages such as 13,16,18.") from None
if (
    SSPF_SUPPRESSION_THRESHOLD < 2
    or SSPF_RETENTION_YEARS < 1
    or not SSPF_STATS_AGE_BANDS
    or sorted(set(SSPF_STATS_AGE_BANDS)) != SSPF_STATS_AGE_BANDS
    or SSPF_STATS_AGE_BANDS[0] < 1
):
    raise ImproperlyConfigured(
        "SSPF_SUPPRESSION_THRESHOLD must be at least 2, SSPF_RETENTION_YEARS at least 1, and "
        "SSPF_STATS_AGE_BANDS rising ages above 0."
    )

# django-guardian: object permissions only for real users; no anonymous user row.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# django-auditlog, with our sealed log entry and a correlation id made by the server
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_LOGENTRY_MODEL = "audit.LogEntry"
AUDITLOG_CID_HEADER = None
AUDITLOG_CID_GETTER = "audit.middleware.current_correlation_id"
# auditlog's own migrations create its log table even when the model is swapped out; ours is
# audit.LogEntry, and auditlog has no other tables, so its migrations are not run at all.
MIGRATION_MODULES = {"auditlog": None}
# Anchors of the audit chain outside the database (audit/anchor.py): a file of JSON lines on
# append-only storage, or "syslog:"; written every N entries, at most M seconds apart while
# entries are written, and by every verify_audit_log.
SSPF_AUDIT_ANCHOR = env("SSPF_AUDIT_ANCHOR") or str(VAR_DIR / "audit-anchors.jsonl")
SSPF_AUDIT_ANCHOR_EVERY = envint("SSPF_AUDIT_ANCHOR_EVERY", 1000)
SSPF_AUDIT_ANCHOR_SECONDS = envint("SSPF_AUDIT_ANCHOR_SECONDS", 300)
# Entries are sealed into the chain after the response (audit/seal.py); verify_audit_log
# reports an entry still unsealed this many seconds after it was written as broken.
SSPF_AUDIT_SEAL_DELAY = envint("SSPF_AUDIT_SEAL_DELAY", 300)
# PostgreSQL: the role the application logs in as; `migrate`, run as the tables' owner, grants
# it everything but UPDATE, DELETE and TRUNCATE on the audit log (audit/roles.py).
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE") or None
# The auditors' workspace (audit/, docs/auditing.md). Log entries are kept this many days,
# independently of case retention; `manage.py purge_audit_log` removes older ones behind a
# signed checkpoint. The database refuses to purge anything younger than a year.
SSPF_AUDIT_RETENTION_DAYS = envint("SSPF_AUDIT_RETENTION_DAYS", 3653)
if SSPF_AUDIT_RETENTION_DAYS < 365:
    raise ImproperlyConfigured("SSPF_AUDIT_RETENTION_DAYS must be at least 365.")
# Findings: the period they look back over, and their thresholds.
SSPF_AUDIT_FINDINGS_DAYS = envint("SSPF_AUDIT_FINDINGS_DAYS", 30)
SSPF_AUDIT_PROBE_ATTEMPTS = envint("SSPF_AUDIT_PROBE_ATTEMPTS", 5)  # refusals by one user
SSPF_AUDIT_PROBE_IDS = envint("SSPF_AUDIT_PROBE_IDS", 3)  # ... or refusals on this many ids
SSPF_AUDIT_VOLUME_FACTOR = envint("SSPF_AUDIT_VOLUME_FACTOR", 3)  # times the usual reads
SSPF_AUDIT_VOLUME_MINIMUM = envint("SSPF_AUDIT_VOLUME_MINIMUM", 20)  # fewer is never unusual
SSPF_AUDIT_BASELINE_DAYS = envint("SSPF_AUDIT_BASELINE_DAYS", 90)  # "their own usual"
SSPF_AUDIT_NIGHT_STARTS = envint("SSPF_AUDIT_NIGHT_STARTS", 22)  # local hour
SSPF_AUDIT_NIGHT_ENDS = envint("SSPF_AUDIT_NIGHT_ENDS", 6)
# Systematic log review: sampled entries per organisation and review.
SSPF_AUDIT_REVIEW_SAMPLE = envint("SSPF_AUDIT_REVIEW_SAMPLE", 5)

# Internationalisation: Swedish by default, English available.
LANGUAGE_CODE = env("SSPF_LANGUAGE") or "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"SSPF_LANGUAGE must be one of {', '.join(dict(LANGUAGES))}.")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Transport security: strict unless DEBUG is on. Behind a TLS-terminating proxy set
# SECURE_PROXY_SSL_HEADER_NAME (usually HTTP_X_FORWARDED_PROTO).
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "sspf.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): only the site's own files, no inline script or style
# and no event-handler attributes anywhere (tests/hardening/test_inline_code.py keeps it so).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# What the pages never use, refused to every page and to anything that might get injected.
SSPF_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=()"
)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
if env("SECURE_PROXY_SSL_HEADER_NAME"):
    SECURE_PROXY_SSL_HEADER = (env("SECURE_PROXY_SSL_HEADER_NAME"), "https")

SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a decision for the municipality's domain, not for this application.
    "security.W021",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL") or "INFO"},
    # Axes logs usernames and addresses of failed logins; keep that out of general logs.
    "loggers": {"axes": {"level": "WARNING"}},
}
