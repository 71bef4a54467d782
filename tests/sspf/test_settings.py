"""Start-up in production: secrets are required, and Django's deployment checks are clean."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["SSPF_FIELD_KEYS", "SSPF_INDEX_KEY", "SSPF_AUDIT_KEY"]
PRINT_SETTING = (
    "import django; django.setup(); from django.conf import settings; print(settings.{})"
)


def run_django(args, **env):
    base = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "sspf.settings",
        "SSPF_ENV_FILE": "/nonexistent",
        **{name: os.environ[name] for name in KEYS},
    }
    return subprocess.run(
        [sys.executable, *args],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_django(["manage.py", "check"], DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set. Set SECRET_KEY or SECRET_KEY_FILE" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("from-a-file-" + "k" * 50 + "\n")
    result = run_django(
        ["-c", PRINT_SETTING.format("SECRET_KEY")],
        DEBUG="0",
        SECRET_KEY_FILE=str(secret),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from-a-file-" + "k" * 50


def test_unreadable_secret_file_is_named(tmp_path):
    result = run_django(["manage.py", "check"], DEBUG="0", SECRET_KEY_FILE=str(tmp_path / "none"))
    assert result.returncode != 0
    assert "SECRET_KEY_FILE points to" in result.stderr


@pytest.mark.parametrize("missing", KEYS)
def test_production_refuses_to_start_without_each_key(missing):
    result = run_django(["manage.py", "check"], DEBUG="0", SECRET_KEY="s" * 50, **{missing: ""})
    assert result.returncode != 0
    assert f"{missing} is not set. Set {missing} or {missing}_FILE" in result.stderr


def test_a_malformed_key_is_refused_with_its_name():
    result = run_django(
        ["manage.py", "check"], DEBUG="0", SECRET_KEY="s" * 50, SSPF_FIELD_KEYS="k1:c2hvcnQ="
    )
    assert "SSPF_FIELD_KEYS: key 'k1' must be 32 bytes, not 5." in result.stderr


def test_bad_boolean_is_refused_with_its_name():
    result = run_django(["manage.py", "check"], DEBUG="maybe")
    assert "DEBUG must be true or false" in result.stderr


def test_check_deploy_reports_nothing_with_production_settings():
    result = run_django(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-" + "z" * 40,
        ALLOWED_HOSTS="sspf.example",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/sspf",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "name,value,setting,expected",
    [
        ("SESSION_IDLE_MINUTES", "45", "SESSION_COOKIE_AGE", "2700"),
        ("SSPF_LOGIN_FAILURE_LIMIT", "3", "AXES_FAILURE_LIMIT", "3"),
        ("SSPF_LANGUAGE", "en", "LANGUAGE_CODE", "en"),
        ("DATABASE_URL", "postgres://u@db:5432/sspf", "DATABASES", "'options': '-c jit=off'"),
    ],
)
def test_settings_come_from_the_environment(name, value, setting, expected):
    result = run_django(
        ["-c", PRINT_SETTING.format(setting)],
        DEBUG="1",
        **{name: value},
    )
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
