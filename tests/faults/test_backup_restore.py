"""Backup and restore (issue 16, item 4), on PostgreSQL: the demo municipality is seeded and
used, dumped with `pg_dump -Fc`, and restored with `pg_restore` into a fresh database. Every
table holds the same rows (a digest of each table's rows, and every sequence's value), the
restored audit log verifies against the anchors written before the backup, and the restored
copy decrypts to the same values under the same keys.
"""

import io
import time

import psycopg
import pytest
from django.core.management import call_command

from tests.conftest import restore_roles
from tests.faults import pgtools

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RESTORED = f"{pgtools.PREFIX}_restored"


@pytest.fixture
def seeded(settings):
    pgtools.tools()
    restore_roles()
    call_command("seed_demo", force=True, stdout=io.StringIO())
    call_command("verify_audit_log", stdout=io.StringIO())  # seals what is pending; an anchor
    yield
    pgtools.drop(RESTORED)


def test_a_restored_backup_holds_the_same_rows_and_a_verifiable_chain(seeded, settings, tmp_path):
    original = pgtools.digests()
    began = time.perf_counter()
    pgtools.dump(tmp_path / "sspf.dump")
    dumped = time.perf_counter()
    pgtools.restore(tmp_path / "sspf.dump", RESTORED)
    restored = time.perf_counter()

    copy = pgtools.digests(RESTORED)
    assert copy.keys() == original.keys()
    assert [table for table in original if copy[table] != original[table]] == []
    # Not a comparison of two empty databases:
    assert int(original["audit_logentry"].split(":")[0]) > 100
    assert int(original["cases_note"].split(":")[0]) > 0

    # The comparison can fail: one row changed in the copy shows in its table's digest.
    first_school = "WHERE id = (SELECT min(id) FROM schools_school)"
    with psycopg.connect(pgtools.url(RESTORED), autocommit=True) as db:
        db.execute(f"UPDATE schools_school SET name = name || '.' {first_school}")  # noqa: S608
        changed = pgtools.digests(RESTORED)
        db.execute(f"UPDATE schools_school SET name = rtrim(name, '.') {first_school}")  # noqa: S608
    assert [table for table in original if changed[table] != original[table]] == ["schools_school"]
    assert pgtools.digests(RESTORED) == original

    # The restored log verifies against the anchors the original wrote before the backup.
    verified = pgtools.manage(
        "verify_audit_log", dbname=RESTORED, env={"SSPF_AUDIT_ANCHOR": settings.SSPF_AUDIT_ANCHOR}
    )
    assert verified.returncode == 0, verified.stderr
    assert pgtools.plaintexts_of(RESTORED) == pgtools.plaintexts()
    print(
        f"\n[backup] {len(original)} tables and sequences, "
        f"{original['audit_logentry'].split(':')[0]} audit entries; "
        f"pg_dump {dumped - began:.2f} s, pg_restore {restored - dumped:.2f} s"
    )
