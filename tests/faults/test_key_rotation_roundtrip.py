"""Key rotation and older backups (issue 16, item 4), on PostgreSQL.

The demo municipality is seeded and backed up; then a new field key is put first in
SSPF_FIELD_KEYS and `rotate_field_keys` re-encrypts everything under it. The older backup,
restored, still opens with the keyring (the old key is still in it), and after
`rotate_field_keys` on the restore the old key can be dropped.

Keys that cannot open the data fail loudly at start-up — `manage.py check --database default`
and the WSGI application refuse, naming the problem — and write nothing: the old key dropped
too early, a wrong key under the right id, no key at all, another installation's index key.
"""

import base64
import io
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection

from sspf.keys import new_key_spec
from tests.conftest import restore_roles
from tests.faults import pgtools

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RESTORED = f"{pgtools.PREFIX}_older"


def stored_key_ids() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT split_part(text, ':', 2) FROM cases_note")
        return {row[0] for row in cursor.fetchall()}


def check(env: dict) -> subprocess.CompletedProcess:
    return pgtools.manage("check", "--database", "default", dbname=RESTORED, env=env)


def start_wsgi(env: dict) -> subprocess.CompletedProcess:
    """What gunicorn does first: import the WSGI application."""
    return subprocess.run(
        [sys.executable, "-c", "import sspf.wsgi"],
        cwd=pgtools.ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": pgtools.url(RESTORED),
            "SSPF_CHECK_DATABASE_ROLE": "0",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def seeded():
    pgtools.tools()
    restore_roles()
    call_command("seed_demo", force=True, stdout=io.StringIO())
    yield
    pgtools.drop(RESTORED)


def test_an_older_backup_opens_after_rotation_and_wrong_keys_stop_start_up(
    seeded, settings, tmp_path
):
    old_keyring = settings.SSPF_FIELD_KEYS
    before = pgtools.plaintexts()
    assert stored_key_ids() == {"test1"}
    pgtools.dump(tmp_path / "older.dump")

    new_key = new_key_spec("k2")
    keyring = f"{new_key},{old_keyring}"
    settings.SSPF_FIELD_KEYS = keyring
    out = io.StringIO()
    call_command("rotate_field_keys", no_progress=True, stdout=out)
    assert "re-encrypted under key 'k2'" in out.getvalue()
    assert stored_key_ids() == {"k2"}
    assert pgtools.plaintexts() == before

    pgtools.restore(tmp_path / "older.dump", RESTORED)
    untouched = pgtools.digests(RESTORED)

    # The older backup opens with the keyring that still holds the old key.
    opened = check({"SSPF_FIELD_KEYS": keyring})
    assert opened.returncode == 0, opened.stderr
    assert pgtools.plaintexts_of(RESTORED, {"SSPF_FIELD_KEYS": keyring}) == before

    # Keys that cannot open it: start-up refuses, saying why.
    other_key = base64.b64encode(os.urandom(32)).decode()
    wrong = {
        "the old key dropped too early": ({"SSPF_FIELD_KEYS": new_key}, "no key with id 'test1'"),
        "a wrong key under the right id": (
            {"SSPF_FIELD_KEYS": f"test1:{other_key}"},
            "does not decrypt under key 'test1'",
        ),
        "no field key at all": ({"SSPF_FIELD_KEYS": ""}, "SSPF_FIELD_KEYS is not set"),
        "another installation's index key": (
            {"SSPF_INDEX_KEY": f"test1:{other_key}"},
            "SSPF_INDEX_KEY is not the key the person register was indexed with",
        ),
    }
    for case, (env, message) in wrong.items():
        refused = check(env)
        assert refused.returncode != 0, case
        assert message in refused.stderr, (case, refused.stderr[-2000:])
    started = start_wsgi({"SSPF_FIELD_KEYS": new_key})
    assert started.returncode != 0
    assert "cannot open the data in the database, so SSPF does not start" in started.stderr
    rotated_without_the_old_key = pgtools.manage(
        "rotate_field_keys", "--no-progress", dbname=RESTORED, env={"SSPF_FIELD_KEYS": new_key}
    )
    assert rotated_without_the_old_key.returncode != 0
    assert "no key with id 'test1'" in rotated_without_the_old_key.stderr
    assert pgtools.digests(RESTORED) == untouched  # none of them wrote anything

    # Rotated with the keyring, the restore no longer needs the old key.
    rotated = pgtools.manage(
        "rotate_field_keys", "--no-progress", dbname=RESTORED, env={"SSPF_FIELD_KEYS": keyring}
    )
    assert rotated.returncode == 0, rotated.stderr
    assert check({"SSPF_FIELD_KEYS": new_key}).returncode == 0
    assert pgtools.plaintexts_of(RESTORED, {"SSPF_FIELD_KEYS": new_key}) == before
