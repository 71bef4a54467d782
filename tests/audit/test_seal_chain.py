"""The seal chain finds any entry changed, deleted or inserted behind the application's back.

The entries here are written outside a request and sealed by the sealer, as a command's
would be once its transaction commits (tests/audit/test_deferred_seal.py covers the sealing
itself)."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit import seal
from audit.models import ChainHead, LogEntry, Seal
from tests.testapp.models import Secret


def verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    return out.getvalue()


def raw(sql, params=()):
    """Plain SQL, as an intruder with database access would write it (past the triggers)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


@pytest.fixture
def entries(db):
    for n in range(5):
        Secret.objects.create(label=f"row {n}")
    assert seal.seal_pending() == 5
    return list(LogEntry.objects.order_by("id").values_list("id", flat=True))


def test_an_untouched_log_verifies(entries):
    assert f"Audit log intact: {len(entries)} entries verified." in verify()


def test_each_seal_follows_the_one_before(entries):
    seals = list(Seal.objects.order_by("position"))
    assert [s.entry_id for s in seals] == entries
    assert [s.position for s in seals] == [1, 2, 3, 4, 5]
    assert seals[0].previous == "0" * 64
    for before, after in zip(seals, seals[1:], strict=False):
        assert after.previous == before.value
    head = ChainHead.objects.get()
    assert (head.last_seal, head.entry_count) == (seals[-1].value, 5)


def test_a_changed_entry_is_found(entries):
    raw("UPDATE audit_logentry SET object_repr = %s WHERE id = %s", ["REF-999", entries[2]])
    with pytest.raises(CommandError, match=f"BROKEN at entry {entries[2]}: .* content was changed"):
        verify()


def test_a_changed_change_set_is_found(entries):
    raw(
        "UPDATE audit_logentry SET actor_id = NULL, remote_addr = '1.2.3.4' WHERE id = %s",
        [entries[1]],
    )
    with pytest.raises(CommandError, match=f"BROKEN at entry {entries[1]}"):
        verify()


def test_a_deleted_entry_is_found(entries):
    raw("DELETE FROM audit_seal WHERE entry_id = %s", [entries[2]])
    raw("DELETE FROM audit_logentry WHERE id = %s", [entries[2]])
    with pytest.raises(CommandError, match=f"BROKEN at entry {entries[3]}: .* was deleted"):
        verify()


def test_deleting_the_newest_entries_is_found(entries):
    for entry_id in entries[-2:]:
        raw("DELETE FROM audit_seal WHERE entry_id = %s", [entry_id])
        raw("DELETE FROM audit_logentry WHERE id = %s", [entry_id])
    with pytest.raises(CommandError, match=f"BROKEN after entry {entries[-3]}"):
        verify()


def test_an_inserted_entry_is_found(entries):
    raw(
        "INSERT INTO audit_logentry (content_type_id, object_pk, object_repr, action, "
        "changes_text, timestamp) SELECT content_type_id, '77', 'REF-77', 3, '', timestamp "
        "FROM audit_logentry WHERE id = %s",
        [entries[-1]],
    )
    inserted = LogEntry.objects.latest("id").pk
    with pytest.raises(
        CommandError, match=f"BROKEN at entry {inserted}: .* not sealed and has no insert-time mac"
    ):
        verify()
    assert not Seal.objects.filter(entry_id=inserted).exists()


def test_a_forged_seal_without_the_key_is_found(entries):
    raw("UPDATE audit_logentry SET object_repr = 'REF-1' WHERE id = %s", [entries[0]])
    raw("UPDATE audit_seal SET value = %s WHERE entry_id = %s", ["f" * 64, entries[0]])
    with pytest.raises(CommandError, match=f"BROKEN at entry {entries[0]}"):
        verify()


def test_entries_sealed_under_an_older_audit_key_still_verify(entries, settings):
    from sspf.keys import new_key_spec

    settings.SSPF_AUDIT_KEY = f"{new_key_spec('a2')},{settings.SSPF_AUDIT_KEY}"
    Secret.objects.create(label="after rotation")
    seal.seal_pending()
    assert set(Seal.objects.values_list("key_id", flat=True)) == {"test1", "a2"}
    assert LogEntry.objects.latest("id").mac_key_id == "a2"
    assert "intact" in verify()


def test_log_entries_cannot_be_saved_twice(entries):
    entry = LogEntry.objects.get(pk=entries[0])
    entry.object_repr = "changed"
    with pytest.raises(ValueError, match="never changed"):
        entry.save()


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["audit_logentry", "audit_seal"])
def test_postgresql_refuses_update_and_delete(entries, table):
    column = "id" if table == "audit_logentry" else "entry_id"
    for statement in (f"UPDATE {table} SET {column} = {column}", f"DELETE FROM {table}"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert "intact" in verify()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_writers_at_once_leave_one_unbroken_chain():
    with transaction.atomic():
        seal.lock_head()  # the flushed database gets its head before the race
    per_thread, errors = 25, []
    start = threading.Barrier(8)

    def writer(n):
        try:
            start.wait()
            for i in range(per_thread):
                Secret.objects.create(label=f"t{n}-{i}")
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert LogEntry.objects.count() == 8 * per_thread
    assert f"Audit log intact: {8 * per_thread} entries verified." in verify()
