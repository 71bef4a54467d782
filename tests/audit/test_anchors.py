"""The log cannot be cut short without a trace: the head is sealed, and anchors outside the
database remember how long the log was (DESIGN §6, "Anchors").

The intruder here writes the database directly. Some hold the audit key as well (an insider on
the application server): they can reseal whatever they change, and only the anchors, which they
cannot rewrite, still tell.
"""

import datetime
import json
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from audit import anchor, seal
from audit.models import ChainHead, LogEntry, Seal
from tests.testapp.models import Secret


def verify(*args) -> str:
    out = StringIO()
    call_command("verify_audit_log", *args, stdout=out)
    return out.getvalue()


def raw(sql, params=()):
    """Plain SQL, as an intruder with database access would write it (past the triggers)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def anchors_written(settings) -> list[anchor.Anchor]:
    return anchor.read(Path(settings.SSPF_AUDIT_ANCHOR))


def delete_entries(ids):
    for entry_id in ids:
        raw("DELETE FROM audit_seal WHERE entry_id = %s", [entry_id])
        raw("DELETE FROM audit_logentry WHERE id = %s", [entry_id])


def wind_head_back(*, reseal: bool):
    """Points the head at what is left of the log; with the key, the head is resealed too."""
    last = Seal.objects.order_by("-position").first()
    head = ChainHead.objects.get()
    head.last_entry_id = last.entry_id if last else None
    head.last_seal = last.value if last else seal.GENESIS
    head.entry_count = Seal.objects.count()
    if reseal:
        seal.sign_head(head)
    raw(
        "UPDATE audit_chainhead SET last_entry_id = %s, last_seal = %s, entry_count = %s, "
        "key_id = %s, mac = %s WHERE id = 1",
        [head.last_entry_id, head.last_seal, head.entry_count, head.key_id, head.mac],
    )


@pytest.fixture
def entries(db):
    for n in range(5):
        Secret.objects.create(label=f"row {n}")
    assert seal.seal_pending() == 5
    return list(LogEntry.objects.order_by("id").values_list("id", flat=True))


@pytest.fixture
def anchored(entries, settings):
    """Five entries, and the anchor that a nightly verify_audit_log left of them."""
    verify()
    assert [a.entry_count for a in anchors_written(settings)] == [5]
    return entries


def test_a_cut_tail_with_the_head_wound_back_and_resealed_is_caught(anchored):
    delete_entries(anchored[-2:])
    wind_head_back(reseal=True)
    with pytest.raises(
        CommandError,
        match=(
            rf"holds 3 entries up to entry {anchored[2]}, but the anchor written \S+ recorded 5 "
            rf"entries up to entry {anchored[4]}: entries at the end were deleted"
        ),
    ):
        verify()


def test_a_head_wound_back_without_the_key_is_caught(entries):
    delete_entries(entries[-2:])
    wind_head_back(reseal=False)
    with pytest.raises(CommandError, match="head was changed outside the application"):
        verify()


def test_a_head_wound_back_over_entries_still_there_is_caught(entries):
    raw(
        "UPDATE audit_chainhead SET last_entry_id = %s, last_seal = %s, entry_count = 3 "
        "WHERE id = 1",
        [entries[2], Seal.objects.get(entry_id=entries[2]).value],
    )
    head = ChainHead.objects.get()
    seal.sign_head(head)
    raw("UPDATE audit_chainhead SET mac = %s WHERE id = 1", [head.mac])
    with pytest.raises(CommandError, match=f"chain goes on to entry {entries[4]}"):
        verify()


def test_a_wiped_log_is_caught(anchored):
    delete_entries(anchored)
    wind_head_back(reseal=True)
    with pytest.raises(
        CommandError, match=r"the log is empty, but the anchor .* recorded 5 entries.*wiped"
    ):
        verify()


def test_a_log_rewritten_after_an_anchor_is_caught(anchored):
    delete_entries(anchored[-2:])
    wind_head_back(reseal=True)
    for n in range(3):  # the application goes on writing: the log is longer than the anchor
        Secret.objects.create(label=f"later {n}")
    with pytest.raises(
        CommandError, match=f"entry {anchored[4]}, recorded by the anchor .* is missing"
    ):
        verify()


def test_an_anchored_entry_resealed_with_other_content_is_caught(anchored):
    """An insider with the key changes the newest entry and reseals it and the head."""
    raw("UPDATE audit_logentry SET object_repr = 'REF-1' WHERE id = %s", [anchored[-1]])
    entry, stored = LogEntry.objects.get(pk=anchored[-1]), Seal.objects.get(entry_id=anchored[-1])
    value = seal.compute(stored.previous, entry, seal.keyring().current)
    raw("UPDATE audit_seal SET value = %s WHERE entry_id = %s", [value, anchored[-1]])
    wind_head_back(reseal=True)
    with pytest.raises(
        CommandError, match=f"BROKEN at entry {anchored[-1]}: the anchor .* with another seal"
    ):
        verify()


def test_verify_anchors_the_state_it_verified(entries, settings):
    output = verify()
    assert f"Anchor written to {settings.SSPF_AUDIT_ANCHOR}: 5 entries" in output
    head = ChainHead.objects.get()
    [written] = anchors_written(settings)
    assert written.state == anchor.State(entries[-1], head.last_seal, 5)


def test_a_broken_log_is_not_anchored(entries, settings):
    raw("UPDATE audit_logentry SET object_repr = 'REF-9' WHERE id = %s", [entries[1]])
    with pytest.raises(CommandError):
        verify()
    assert anchors_written(settings) == []


def test_an_altered_anchor_is_caught(anchored, settings):
    path = Path(settings.SSPF_AUDIT_ANCHOR)
    line = json.loads(path.read_text())
    line["entry_count"] = 3
    path.write_text(json.dumps(line) + "\n")
    with pytest.raises(CommandError, match="line 1 does not match its seal: it was altered"):
        verify()


def test_a_line_that_is_no_anchor_is_caught(anchored, settings):
    with open(settings.SSPF_AUDIT_ANCHOR, "a") as file:
        file.write("garbage\n")
    with pytest.raises(CommandError, match="line 2 is not a readable anchor"):
        verify()


def test_the_application_anchors_every_n_entries(db, settings, django_capture_on_commit_callbacks):
    settings.SSPF_AUDIT_ANCHOR_EVERY, settings.SSPF_AUDIT_ANCHOR_SECONDS = 3, 3600
    for n in range(7):
        with django_capture_on_commit_callbacks(execute=True):
            Secret.objects.create(label=f"row {n}")
    seals = list(Seal.objects.order_by("position"))
    written = anchors_written(settings)
    # the first entry (no anchor yet), then every third
    assert [a.entry_count for a in written] == [1, 3, 6]
    for record in written:
        assert (record.last_entry_id, record.last_seal) == (
            seals[record.entry_count - 1].entry_id,
            seals[record.entry_count - 1].value,
        )


def test_the_application_anchors_at_most_m_seconds_apart(
    db, settings, django_capture_on_commit_callbacks
):
    settings.SSPF_AUDIT_ANCHOR_EVERY, settings.SSPF_AUDIT_ANCHOR_SECONDS = 1000, 60
    with django_capture_on_commit_callbacks(execute=True):
        Secret.objects.create(label="first")
        Secret.objects.create(label="second, 0 s later")
    ChainHead.objects.update(
        anchored_at=ChainHead.objects.get().anchored_at - datetime.timedelta(seconds=61)
    )
    with django_capture_on_commit_callbacks(execute=True):
        Secret.objects.create(label="third, 61 s after the anchor")
    # The first two were written in one transaction and sealed in one batch after its commit.
    assert [a.entry_count for a in anchors_written(settings)] == [2, 3]


def test_no_anchor_names_an_entry_that_was_rolled_back(
    db, settings, django_capture_on_commit_callbacks
):
    settings.SSPF_AUDIT_ANCHOR_EVERY = 1
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            Secret.objects.create(label="rolled back")
            raise RuntimeError
        Secret.objects.create(label="kept")
    kept = LogEntry.objects.get()
    assert [(a.last_entry_id, a.entry_count) for a in anchors_written(settings)] == [(kept.pk, 1)]
    assert "Audit log intact: 1 entries verified." in verify()


def test_anchors_sent_to_syslog_can_be_checked_from_the_log_servers_lines(
    anchored, settings, monkeypatch, tmp_path
):
    sent = []
    monkeypatch.setattr(anchor.syslog, "syslog", lambda priority, line: sent.append(line))
    settings.SSPF_AUDIT_ANCHOR = "syslog:"
    assert "Anchors go to syslog" in verify()
    assert [json.loads(line)["entry_count"] for line in sent] == [5]
    exported = tmp_path / "from-the-log-server.txt"
    exported.write_text("".join(f"Nov 25 03:00:01 app1 sspf-audit-anchor: {s}\n" for s in sent))
    delete_entries(anchored[-1:])
    wind_head_back(reseal=True)
    with pytest.raises(CommandError, match="holds 4 entries .* recorded 5 entries"):
        verify("--anchors", str(exported))


def test_the_sealer_refuses_a_head_changed_outside_the_application(entries):
    delete_entries(entries[-1:])
    wind_head_back(reseal=False)
    Secret.objects.create(label="not sealed onto a forged head")
    with pytest.raises(seal.TamperedHead):
        seal.seal_pending()
    assert Seal.objects.count() == 4
    with pytest.raises(CommandError, match="head was changed outside the application"):
        verify()


def test_a_tampered_head_is_resealed_only_on_request_and_the_repair_is_logged(entries):
    delete_entries(entries[-1:])
    wind_head_back(reseal=False)
    output = verify("--repair-head")
    assert "head was resealed at entry" in output
    repair = LogEntry.objects.latest("id")
    assert repair.additional_data["repaired_head"]["now"]["entry_count"] == 4
    Secret.objects.create(label="written again")
    assert "Audit log intact: 6 entries verified." in verify()


def test_no_repair_hides_a_cut_that_an_anchor_remembers(anchored):
    delete_entries(anchored[-2:])
    wind_head_back(reseal=False)
    with pytest.raises(CommandError, match="entries at the end were deleted"):
        verify("--repair-head")
    assert not ChainHead.objects.filter(last_entry_id=anchored[2], mac="").exists()
    Secret.objects.create(label="still refused")
    with pytest.raises(seal.TamperedHead):
        seal.seal_pending()


def test_the_migration_seals_an_existing_head(entries):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("audit.migrations.0003_sealed_head")
    raw("UPDATE audit_chainhead SET entry_count = 0, key_id = '', mac = '' WHERE id = 1")

    class Editor:
        connection = connection

    migration.seal_head(apps, Editor())
    assert ChainHead.objects.get().entry_count == 5
    assert "Audit log intact: 5 entries verified." in verify()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_verifying_while_writers_append_raises_no_false_alarm(settings):
    settings.SSPF_AUDIT_ANCHOR_EVERY = 7
    with transaction.atomic():
        seal.lock_head()
    stop, errors = threading.Event(), []

    def writer(n):
        try:
            i = 0
            while not stop.is_set():
                Secret.objects.create(label=f"w{n}-{i}")
                i += 1
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        outputs = [verify() for _ in range(15)]
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert all("Audit log intact" in output for output in outputs)
    assert len(anchors_written(settings)) > 15  # the writers' own anchors, and each verify's
    assert f"Audit log intact: {LogEntry.objects.count()} entries verified." in verify()
