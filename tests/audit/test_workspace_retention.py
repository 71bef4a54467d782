"""Retention of the log and the integrity panel: purging the oldest entries leaves the rest
verifiable from a signed checkpoint, and tampering after it is still caught; every
verification is recorded, and a broken chain stays on the auditors' home pages until one of
them acknowledges it."""

import datetime
import re
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit import seal
from audit.models import Checkpoint, LogEntry, Seal, VerificationRun
from tests.audit.conftest import page_as
from tests.audit.test_anchors import raw, verify
from tests.testapp.models import Secret

pytestmark = pytest.mark.django_db
OLD = 10


@pytest.fixture
def half_old(db, settings):
    """Twenty entries: the first ten are older than the retention period."""
    settings.SSPF_AUDIT_RETENTION_DAYS = 365
    long_ago = timezone.now() - datetime.timedelta(days=400)
    kind = ContentType.objects.get_for_model(Secret)
    for n in range(OLD):
        LogEntry.objects.create(
            content_type=kind,
            object_pk=str(n),
            object_id=n,
            object_repr=f"REF-{n}",
            action=LogEntry.Action.ACCESS,
            timestamp=long_ago + datetime.timedelta(minutes=n),
        )
    for n in range(OLD):
        Secret.objects.create(label=f"kept {n}")
    seal.seal_pending()  # as the sealer does once they are committed
    return list(LogEntry.objects.order_by("id").values_list("id", flat=True))


def purge(*args):
    out = StringIO()
    call_command("purge_audit_log", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_purges_nothing(half_old):
    assert f"Would purge {OLD} entries" in purge()
    assert LogEntry.objects.count() == len(half_old)


def test_purging_the_oldest_half_leaves_the_log_verifiable(half_old):
    assert f"Purged {OLD} entries" in purge("--execute")

    remaining = set(LogEntry.objects.values_list("id", flat=True))
    assert remaining.isdisjoint(half_old[:OLD])
    assert set(half_old[OLD:]) <= remaining
    checkpoint = Checkpoint.objects.get()
    assert (checkpoint.last_entry_id, checkpoint.entry_count) == (half_old[OLD - 1], OLD)
    output = verify()
    assert "Audit log intact" in output
    assert f"checkpoint after entry {half_old[OLD - 1]}" in output
    # Writing goes on; the log still verifies.
    Secret.objects.create(label="after the purge")
    assert "Audit log intact" in verify()


def test_tampering_after_the_checkpoint_is_still_caught(half_old):
    purge("--execute")
    changed = half_old[OLD + 3]
    raw("UPDATE audit_logentry SET object_repr = %s WHERE id = %s", ["REF-9", changed])
    with pytest.raises(CommandError, match=f"BROKEN at entry {changed}: .* content was changed"):
        verify()


def test_deleting_the_first_entry_after_the_cut_is_caught(half_old):
    purge("--execute")
    first = half_old[OLD]
    raw("DELETE FROM audit_seal WHERE entry_id = %s", [first])
    raw("DELETE FROM audit_logentry WHERE id = %s", [first])
    with pytest.raises(CommandError, match=f"BROKEN at entry {half_old[OLD + 1]}"):
        verify()


def test_a_forged_checkpoint_is_caught(half_old):
    purge("--execute")
    raw("UPDATE audit_checkpoint SET entry_count = entry_count + 5")
    with pytest.raises(CommandError, match="checkpoint .* does not match its seal"):
        verify()


def test_removing_the_checkpoint_breaks_the_chain(half_old):
    purge("--execute")
    raw("DELETE FROM audit_checkpoint")
    with pytest.raises(CommandError, match=f"BROKEN at entry {half_old[OLD]}"):
        verify()


def test_a_checkpoint_the_anchors_never_saw_is_caught(half_old, settings):
    """An insider with the key cuts the log and seals a checkpoint of their own, but cannot
    add the cut to the anchors written before it."""
    from audit import retention

    verify()  # an anchor of the whole log
    cut = LogEntry.objects.get(pk=half_old[OLD + 4])
    ring = seal.keyring()
    fields = dict(
        last_entry_id=cut.pk,
        last_seal=Seal.objects.get(entry=cut).value,
        entry_count=OLD + 5,
        last_timestamp=cut.timestamp,
    )
    mac = retention.checkpoint_mac(**fields, key=ring.current)
    raw(
        "INSERT INTO audit_checkpoint (last_entry_id, last_seal, entry_count, last_timestamp, "
        "purged, created_at, key_id, mac) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        [*fields.values(), OLD + 5, timezone.now(), ring.current_id, mac],
    )
    for entry_id in half_old[: OLD + 5]:
        raw("DELETE FROM audit_seal WHERE entry_id = %s", [entry_id])
        raw("DELETE FROM audit_logentry WHERE id = %s", [entry_id])
    with pytest.raises(CommandError, match="no anchor recorded this cut"):
        verify()


def test_a_broken_log_is_not_purged(half_old):
    raw("UPDATE audit_logentry SET object_repr = 'REF-X' WHERE id = %s", [half_old[2]])
    with pytest.raises(CommandError, match="BROKEN"):
        purge("--execute")
    assert LogEntry.objects.count() == len(half_old)
    assert not Checkpoint.objects.exists()


@pytest.mark.postgres
def test_postgresql_deletes_nothing_beyond_the_checkpoint(half_old):
    purge("--execute")
    for statement in (
        "DELETE FROM audit_logentry",
        "SELECT set_config('sspf.audit_purge', 'on', true); DELETE FROM audit_logentry",
        f"SELECT audit_purge({half_old[-1]})",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only|no checkpoint"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert "Audit log intact" in verify()


@pytest.mark.postgres
def test_postgresql_refuses_to_purge_young_entries_even_with_a_checkpoint(db):
    Secret.objects.create(label="young")
    seal.seal_pending()
    entry = LogEntry.objects.get()
    with pytest.raises(DatabaseError, match="younger than"), transaction.atomic():
        Checkpoint.objects.create(
            last_entry_id=entry.pk,
            last_seal=entry.seal.value,
            entry_count=entry.seal.position,
            last_timestamp=entry.timestamp,
            purged=1,
            key_id="x",
            mac="x",
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT audit_purge(%s)", [entry.seal.position])
    assert LogEntry.objects.count() == 1


def alert(user) -> str | None:
    """The verification failure in the alert on the user's home page, if there is one."""
    home = page_as(user).get("/").content.decode()
    found = re.search(r'role="alert">.*?:\s*(Audit log BROKEN[^<]*)</p>', home, re.S)
    return found.group(1).strip() if found else None


class TestIntegrityPanel:
    def test_every_verification_is_recorded_and_shown(self, town):
        verify()
        run = VerificationRun.objects.get()
        assert run.intact and run.entries == LogEntry.objects.count() - 0
        page = page_as(town["gustav"]).get(reverse("audit:workspace")).content.decode()
        assert timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M") in page

    def test_a_broken_chain_is_on_every_auditors_home_until_acknowledged(self, town, make_user):
        other_auditor = make_user("auditor", username="dpo")
        first = LogEntry.objects.order_by("id").first()
        raw("UPDATE audit_logentry SET object_repr = 'X' WHERE id = %s", [first.pk])
        with pytest.raises(CommandError):
            verify()
        run = VerificationRun.objects.get()
        assert not run.intact and f"BROKEN at entry {first.pk}" in run.message

        for auditor in (town["gustav"], other_auditor):
            assert alert(auditor) == run.message
        assert "BROKEN" not in page_as(town["alice"]).get("/").content.decode()

        response = page_as(other_auditor).post(reverse("audit:acknowledge", args=[run.pk]))
        assert response.status_code == 302
        for auditor in (town["gustav"], other_auditor):
            assert alert(auditor) is None
        integrity = page_as(town["gustav"]).get(reverse("audit:integrity")).content.decode()
        assert f"BROKEN at entry {first.pk}" in integrity
        assert "dpo" in integrity


@pytest.mark.postgres
def test_the_app_role_purges_through_the_function_and_nothing_else(half_old, settings):
    from tests.audit.test_database_roles import APP_ROLE, act_as, sql

    sql(f"CREATE ROLE {APP_ROLE} NOLOGIN")
    settings.DATABASE_APP_ROLE = APP_ROLE
    call_command("migrate", verbosity=0)
    act_as(APP_ROLE)
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        sql("DELETE FROM audit_checkpoint")
    assert f"Purged {OLD} entries" in purge("--execute")
    assert "Audit log intact" in verify()
