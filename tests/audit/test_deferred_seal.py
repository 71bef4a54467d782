"""Sealing off the request's critical path (issue #15; audit/seal.py, DESIGN §6).

Entries are written with an insert-time mac and no lock; one sealer at a time chains them
afterwards: after the response for a request, after the commit elsewhere. Nothing of the tamper
evidence may be lost on the way: a row inserted or changed behind the application's back is
never sealed and is reported, a copied row is refused, an entry that commits late still
verifies, and one left unsealed too long is reported.
"""

import datetime
import threading
import time
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from audit import seal
from audit.access import log_access
from audit.models import ChainHead, Checkpoint, LogEntry, Seal
from tests.audit.conftest import page_as
from tests.audit.test_anchors import raw, verify
from tests.audit.test_workspace_retention import purge
from tests.cases.factories import make_case, make_person
from tests.conftest import restore_roles
from tests.testapp.models import Secret

ACCESS = LogEntry.Action.ACCESS


def unsealed():
    return LogEntry.objects.filter(seal__isnull=True)


def entry_at(*, id=None, timestamp=None, label="REF-1") -> LogEntry:
    """An entry written the way the application writes it (LogEntry.save), optionally with a
    chosen id (to stand for one whose transaction commits late) or time."""
    entry = LogEntry(
        content_type=ContentType.objects.get_for_model(Secret),
        object_pk="1",
        object_id=1,
        object_repr=label,
        action=ACCESS,
    )
    if id is not None:
        entry.id = id
    if timestamp is not None:
        entry.timestamp = timestamp
    entry.save()
    return entry


def chain() -> list[Seal]:
    return list(Seal.objects.order_by("position"))


def assert_one_unbroken_chain():
    seals = chain()
    assert [s.position for s in seals] == list(range(1, len(seals) + 1))
    previous = seal.GENESIS
    for link in seals:
        assert link.previous == previous
        previous = link.value
    assert len({s.entry_id for s in seals}) == len(seals)
    head = ChainHead.objects.get()
    assert (head.entry_count, head.last_seal) == (len(seals), previous)


# Requests: the user does not wait for the chain.


def test_a_case_page_seals_its_entries_after_the_response(make_user, organisations):
    alice = make_user("coordinator", username="alice")
    carol = make_user("leisure_staff", username="carol")
    owner = organisations["social_services"]
    case = make_case(person=make_person(recorded_by=owner), owner=owner, coordinator=alice)
    seal.seal_pending()  # what setting the case up wrote
    url = reverse("cases:detail", args=[case.pk])
    while_rendering = []

    def rendering(**kwargs):
        while_rendering.append(unsealed().filter(action=ACCESS).count())

    def read_as(user, status):
        before = LogEntry.objects.order_by("-id").values_list("id", flat=True).first()
        template_rendered.connect(rendering, dispatch_uid="test-deferred-seal")
        try:
            assert page_as(user).get(url).status_code == status
        finally:
            template_rendered.disconnect(dispatch_uid="test-deferred-seal")
        return LogEntry.objects.filter(id__gt=before, actor=user)

    written = read_as(alice, 200)
    assert written.filter(action=ACCESS, object_id=case.pk).exists()
    assert while_rendering and max(while_rendering) >= 1  # not sealed while the page was made
    assert not written.filter(seal__isnull=True).exists()  # sealed once it had gone

    while_rendering.clear()
    refused = read_as(carol, 404)  # not on the team: refused, and that is logged and sealed
    assert [e.additional_data for e in refused] == [{"denied": True}]
    assert not refused.filter(seal__isnull=True).exists()

    output = verify("--no-seal")
    assert f"Audit log intact: {LogEntry.objects.count()} entries verified." in output
    assert "pending" not in output


def test_outside_a_request_entries_are_sealed_when_their_transaction_commits(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for n in range(3):
            Secret.objects.create(label=f"row {n}")
        assert not Seal.objects.exists()  # the writer never takes the chain's lock
    assert unsealed().count() == 0
    assert_one_unbroken_chain()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        Secret.objects.create(label="rolled back")
        raise RuntimeError
    assert Seal.objects.count() == LogEntry.objects.count() == 3


def test_the_sealer_returns_at_once_when_the_chain_is_locked(db):
    """SQLite serialises the sealers (one write transaction at a time); on PostgreSQL the
    second one must not wait: see test_a_busy_sealer_does_not_wait below."""
    Secret.objects.create(label="one")
    seal.reset_stats()
    assert seal.seal_pending() == 1
    assert seal.seal_pending() == 0
    assert seal.stats()["entries"] == 1


# Tamper evidence before the seal.


@pytest.mark.parametrize(
    ("mac", "reason"),
    [
        (None, "is not sealed and has no insert-time mac"),
        ("f" * 64, "is not sealed and does not match its insert-time mac"),
    ],
)
def test_a_row_inserted_with_raw_sql_is_never_sealed(db, mac, reason):
    first = entry_at()
    raw(
        "INSERT INTO audit_logentry (content_type_id, object_pk, object_repr, action, "
        "changes_text, timestamp, nonce, mac, mac_key_id) SELECT content_type_id, '77', "
        "'REF-77', 3, '', timestamp, %s, %s, mac_key_id FROM audit_logentry WHERE id = %s",
        ["0" * 32 if mac else None, mac, first.pk],
    )
    inserted = LogEntry.objects.latest("id").pk
    after = entry_at(label="REF-2")
    assert seal.seal_pending() == 2  # the genuine ones, around it
    assert seal.seal_pending() == 0  # and never the inserted one
    assert set(Seal.objects.values_list("entry_id", flat=True)) == {first.pk, after.pk}
    with pytest.raises(CommandError, match=f"BROKEN at entry {inserted}: the entry {reason}"):
        verify()


def test_a_copied_row_is_refused(db):
    entry_at()
    with pytest.raises(IntegrityError):
        raw(
            "INSERT INTO audit_logentry (content_type_id, object_pk, object_id, object_repr, "
            "action, changes_text, timestamp, nonce, mac, mac_key_id) SELECT content_type_id, "
            "object_pk, object_id, object_repr, action, changes_text, timestamp, nonce, mac, "
            "mac_key_id FROM audit_logentry"
        )
    assert "Audit log intact: 1 entries verified." in verify()


def test_an_entry_changed_before_it_is_sealed_is_never_sealed(db):
    entry = entry_at()
    raw("UPDATE audit_logentry SET object_repr = 'REF-999' WHERE id = %s", [entry.pk])
    assert seal.seal_pending() == 0
    with pytest.raises(CommandError, match=f"BROKEN at entry {entry.pk}: .* was changed"):
        verify()


def test_deleting_or_changing_a_sealed_entry_still_breaks_the_chain(db):
    entries = [entry_at(label=f"REF-{n}") for n in range(4)]
    seal.seal_pending()
    raw("UPDATE audit_logentry SET object_repr = 'REF-9' WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError, match=f"BROKEN at entry {entries[1].pk}: .* was changed"):
        verify()
    raw("DELETE FROM audit_seal WHERE entry_id = %s", [entries[1].pk])
    raw("DELETE FROM audit_logentry WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError, match=f"BROKEN at entry {entries[2].pk}: .* was deleted"):
        verify()


# Late commits: the chain's order is the order of sealing.


def test_an_entry_that_commits_late_is_chained_after_higher_ids_and_verifies(db):
    early = entry_at()
    late_id = early.pk + 5  # taken by a transaction that commits after the next one
    later = entry_at(id=early.pk + 10, label="REF-2")
    assert seal.seal_pending() == 2
    late = entry_at(id=late_id, label="REF-3")
    assert seal.seal_pending() == 1
    assert [s.entry_id for s in chain()] == [early.pk, later.pk, late.pk]
    assert_one_unbroken_chain()
    assert "Audit log intact: 3 entries verified." in verify()


def test_purging_cuts_the_chain_at_a_position_not_an_id(db, settings):
    """The two oldest entries were sealed in the order 2, 1 (entry 1 committed late); the
    purge takes both, by position, and the rest verifies from the checkpoint."""
    settings.SSPF_AUDIT_RETENTION_DAYS = 365
    long_ago = timezone.now() - datetime.timedelta(days=400)
    first = entry_at(timestamp=long_ago, label="REF-1")
    seal.seal_pending()
    second = entry_at(id=first.pk + 10, timestamp=long_ago, label="REF-2")
    seal.seal_pending()
    late = entry_at(id=first.pk + 5, timestamp=long_ago, label="REF-3")
    young = entry_at(id=first.pk + 11, label="REF-4")
    seal.seal_pending()
    assert [s.entry_id for s in chain()] == [first.pk, second.pk, late.pk, young.pk]
    assert "Purged 3 entries" in purge("--execute")
    assert not LogEntry.objects.filter(id__in=[first.pk, second.pk, late.pk]).exists()
    assert Seal.objects.filter(entry=young, position=4).exists()
    checkpoint = Checkpoint.objects.get()
    assert (checkpoint.last_entry_id, checkpoint.entry_count) == (late.pk, 3)
    output = verify()
    # the young entry, and the entry the purge wrote about its checkpoint
    assert "Audit log intact: 2 entries verified." in output
    assert f"checkpoint after entry {late.pk}" in output


# The bound within which every entry must be sealed.


def test_an_unsealed_entry_is_pending_then_broken_once_older_than_the_delay(db, settings):
    settings.SSPF_AUDIT_SEAL_DELAY = 300
    entry_at()
    seal.seal_pending()
    entry = entry_at(label="REF-2")  # its transaction (the test's) has not committed yet
    just_in_time = entry.timestamp + datetime.timedelta(seconds=299)
    assert seal.check_unsealed(now=just_in_time) == 1
    with pytest.raises(seal.Unsealed, match="not sealed within the bound") as late:
        seal.check_unsealed(now=entry.timestamp + datetime.timedelta(seconds=301))
    assert late.value.entry_id == entry.pk
    output = verify("--no-seal")
    assert "Audit log intact: 1 entries verified." in output
    assert "1 entries are pending" in output


def test_verify_reports_an_entry_left_unsealed_too_long_and_seals_it_when_it_may(db, settings):
    settings.SSPF_AUDIT_SEAL_DELAY = 300
    held_back = entry_at(timestamp=timezone.now() - datetime.timedelta(seconds=301))
    with pytest.raises(
        CommandError,
        match=f"BROKEN at entry {held_back.pk}: .* not sealed within the bound .* not running",
    ):
        verify("--no-seal")
    output = verify()  # seals the pending tail before it verifies
    assert "Sealed 1 pending entries first." in output
    assert "Audit log intact: 1 entries verified." in output


def test_seal_audit_log_seals_what_is_pending(db):
    for n in range(3):
        entry_at(label=f"REF-{n}")
    out = StringIO()
    call_command("seal_audit_log", stdout=out)
    assert "Sealed 3 entries." in out.getvalue()
    assert_one_unbroken_chain()


# Bulk writing and the sealer's cost.


def test_bulk_written_entries_are_sealed_in_batches(db, django_assert_max_num_queries):
    kind = ContentType.objects.get_for_model(Secret)
    entries = [
        LogEntry(content_type=kind, object_pk=str(n), object_id=n, object_repr=f"REF-{n}", action=3)
        for n in range(250)
    ]
    for entry in entries:
        seal.prepare(entry)
    LogEntry.objects.bulk_create(entries)
    seal.reset_stats()
    # Per batch of 50: the lock, the pending entries, the seals, the head; then one empty
    # batch that only moves the scan mark.
    with django_assert_max_num_queries(4 * 5 + 3):
        assert seal.seal_pending(batch_size=50) == 250
    counted = seal.stats()
    assert (counted["runs"], counted["entries"]) == (6, 250)
    assert counted["lock_seconds"] > 0
    assert_one_unbroken_chain()
    assert "Audit log intact: 250 entries verified." in verify()


def test_the_request_end_sealer_looks_only_above_its_mark(db):
    """Once its mark is RECENT_SECONDS old, the request-end sealer no longer searches below
    it; an entry that committed that late below it is sealed by the full pass (seal_audit_log
    from the scheduler, verify_audit_log), within SSPF_AUDIT_SEAL_DELAY."""
    base = entry_at().pk
    marked = entry_at(id=base + 10)
    seal.seal_pending()
    head = ChainHead.objects.get()
    assert head.scan_mark == marked.pk
    ChainHead.objects.update(
        scan_mark_at=head.scan_mark_at - datetime.timedelta(seconds=seal.RECENT_SECONDS + 1)
    )
    entry_at(id=base + 20)
    assert seal.seal_pending(recent_only=True) == 1
    assert ChainHead.objects.get().scan_from == marked.pk
    very_late = entry_at(id=base + 5)
    assert seal.seal_pending(recent_only=True) == 0
    assert seal.seal_pending() == 1
    assert chain()[-1].entry_id == very_late.pk
    assert_one_unbroken_chain()


# PostgreSQL: sealers and writers at once.


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_busy_sealer_does_not_wait():
    Secret.objects.create(label="sealed at its commit")
    held, release = threading.Event(), threading.Event()

    def holder():
        try:
            with transaction.atomic():
                ChainHead.objects.select_for_update().get(pk=1)
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        Secret.objects.create(label="written while another sealer works")
        seal.reset_stats()
        started = time.perf_counter()
        assert seal.seal_pending() == 0
        assert time.perf_counter() - started < 1
        assert seal.stats()["busy"] == 1
        assert unsealed().count() == 1
    finally:
        release.set()
        thread.join()
    assert seal.seal_pending() == 1
    assert_one_unbroken_chain()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_late_commit_is_chained_after_the_entries_that_committed_first():
    with transaction.atomic():
        seal.lock_head()
    written, commit = threading.Event(), threading.Event()
    late = {}

    def slow_transaction():
        try:
            with transaction.atomic():
                late["entry"] = entry_at(label="REF-late")
                written.set()
                commit.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_transaction)
    thread.start()
    assert written.wait(10)
    quick = entry_at(label="REF-quick")  # autocommit: sealed at once
    assert Seal.objects.filter(entry=quick).exists()
    commit.set()
    thread.join()
    assert late["entry"].pk < quick.pk
    assert [s.entry_id for s in chain()] == [quick.pk, late["entry"].pk]
    assert "Audit log intact: 2 entries verified." in verify()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sealers_at_once_never_fork_the_chain_and_seal_every_entry_once():
    with transaction.atomic():
        seal.lock_head()
    per_writer, errors, writing = 40, [], threading.Event()
    writing.set()

    def writer(n):
        try:
            with seal.deferred():  # as in a request: nothing sealed by the writer itself
                for i in range(per_writer):
                    Secret.objects.create(label=f"w{n}-{i}")
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    def sealer():
        try:
            while writing.is_set():
                seal.seal_pending(batch_size=7)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    sealers = [threading.Thread(target=sealer) for _ in range(4)]
    seal.reset_stats()
    for thread in writers + sealers:
        thread.start()
    for thread in writers:
        thread.join()
    writing.clear()
    for thread in sealers:
        thread.join()
    seal.seal_pending()
    assert errors == []
    assert LogEntry.objects.count() == Seal.objects.count() == 4 * per_writer
    assert_one_unbroken_chain()
    assert seal.stats()["entries"] == 4 * per_writer
    assert f"Audit log intact: {4 * per_writer} entries verified." in verify()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_throughput_of_writers_and_the_sealer(make_user, capsys):
    """16 threads write ACCESS entries as requests do for about 3 s while one sealer runs; the
    figures go into the report, the assertion is only a floor (the machine is shared)."""
    restore_roles()  # the transactional test starts from empty tables
    alice = make_user("coordinator", username="alice")
    secret = Secret.objects.create(label="read")
    with transaction.atomic():
        seal.lock_head()
    seal.seal_pending()
    start_count = LogEntry.objects.count()
    stop, errors, written = threading.Event(), [], []

    def writer():
        count = 0
        try:
            mine = Secret.objects.get(pk=secret.pk)  # log_access marks the object it is given
            with seal.deferred():
                while not stop.is_set():
                    log_access(alice, mine)
                    count += 1
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            written.append(count)
            connection.close()

    def sealer():
        try:
            while not stop.is_set():
                if not seal.seal_pending(recent_only=True):
                    time.sleep(0.005)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(16)]
    threads.append(threading.Thread(target=sealer))
    seal.reset_stats()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    during = seal.stats()
    behind = unsealed().count()
    seal.seal_pending()
    assert errors == []
    total = sum(written)
    assert LogEntry.objects.count() - start_count == total
    assert unsealed().count() == 0
    per_entry_ms = during["lock_seconds"] / max(during["entries"], 1) * 1000
    with capsys.disabled():
        print(
            f"\n[seal] 16 writers, {elapsed:.1f} s: {total / elapsed:.0f} entries/s written, "
            f"{during['entries'] / elapsed:.0f} entries/s sealed ({behind} behind at the end); "
            f"{during['runs']} sealing runs, head lock held {per_entry_ms:.3f} ms per entry "
            f"({during['lock_seconds'] * 1000 / max(during['runs'], 1):.1f} ms per run)"
        )
    assert total / elapsed > 100  # 332/s was seen with a load average of 14 on 2 cores
    assert "intact" in verify()


@pytest.mark.postgres
def test_bulk_sealing_rate(db, capsys):
    """The scale data set: prepare, bulk_create, seal_pending. 1,000,000 entries must seal in
    a few minutes; this seals 20,000 and prints the rate."""
    kind = ContentType.objects.get_for_model(Secret)
    entries = [
        LogEntry(content_type=kind, object_pk=str(n), object_id=n, object_repr=f"REF-{n}", action=3)
        for n in range(20_000)
    ]
    for entry in entries:
        seal.prepare(entry)
    LogEntry.objects.bulk_create(entries, batch_size=5000)
    seal.reset_stats()
    started = time.perf_counter()
    assert seal.seal_pending(batch_size=5000) == 20_000
    rate = 20_000 / (time.perf_counter() - started)
    held = seal.stats()["lock_seconds"] / 20_000 * 1000
    with capsys.disabled():
        print(
            f"\n[seal] bulk: {rate:.0f} entries/s sealed (1,000,000 in {1e6 / rate:.0f} s), "
            f"head lock held {held:.3f} ms per entry"
        )
    assert rate > 2000
