"""Retention of the audit log: old entries are purged behind a signed checkpoint.

The log is kept SSPF_AUDIT_RETENTION_DAYS, independently of case retention. Purging cuts the
chain, so the cut is recorded: a Checkpoint names the last purged entry's id, its seal and
its position in the chain, sealed with the audit key, and the same state is written as an
anchor outside the database before anything is deleted. `verify_audit_log` then starts from
the newest checkpoint instead of the genesis seal: the first remaining entry must follow the
checkpoint's seal, so tampering with anything after the cut is still caught, and a forged or
removed checkpoint breaks the chain at its first entry.

On PostgreSQL the delete goes through `audit_purge(up_to)` (migration 0005), the only path
past the append-only triggers; it refuses without a checkpoint at `up_to` and refuses entries
younger than a year.
"""

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit import anchor, seal
from audit.models import Checkpoint, LogEntry


class PurgeRefused(Exception):
    """Nothing was purged, and why."""


def _moment(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def checkpoint_mac(
    *, last_entry_id: int, last_seal: str, entry_count: int, last_timestamp, key: bytes
) -> str:
    message = json.dumps(
        ["checkpoint", last_entry_id, last_seal, entry_count, _moment(last_timestamp)]
    ).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def checkpoint_is_genuine(checkpoint: Checkpoint) -> bool:
    """True when the checkpoint's mac matches; raises UnknownKey for a retired key."""
    expected = checkpoint_mac(
        last_entry_id=checkpoint.last_entry_id,
        last_seal=checkpoint.last_seal,
        entry_count=checkpoint.entry_count,
        last_timestamp=checkpoint.last_timestamp,
        key=seal.keyring().get(checkpoint.key_id),
    )
    return hmac.compare_digest(expected, checkpoint.mac)


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-entry_count").first()


@dataclass(frozen=True)
class Plan:
    cutoff: datetime.datetime
    last_entry_id: int | None  # the newest entry to purge; None: nothing to purge
    count: int


def plan(now: datetime.datetime | None = None) -> Plan:
    """What a purge now would remove: every entry before the first one inside the retention
    period (the chain is cut in id order, so a late old entry stays with its neighbours)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.SSPF_AUDIT_RETENTION_DAYS)
    first_kept = (
        LogEntry.objects.filter(timestamp__gte=cutoff).order_by("id").values_list("id", flat=True)
    ).first()
    older = (
        LogEntry.objects.all() if first_kept is None else LogEntry.objects.filter(id__lt=first_kept)
    )
    last = older.order_by("-id").values_list("id", flat=True).first()
    return Plan(cutoff, last, older.count() if last else 0)


@transaction.atomic
def purge(*, up_to: int) -> Checkpoint:
    """Purges every entry up to and including `up_to` behind a new checkpoint. Run it on a log
    that has just verified (`manage.py purge_audit_log` does): a checkpoint vouches for what
    it cuts off."""
    seal.lock_head()  # no entry is sealed while the chain is cut
    entry = LogEntry.objects.select_related("seal").filter(pk=up_to).first()
    if entry is None or getattr(entry, "seal", None) is None:
        raise PurgeRefused(f"entry {up_to} is not a sealed entry of the log")
    cutoff = timezone.now() - datetime.timedelta(days=settings.SSPF_AUDIT_RETENTION_DAYS)
    if LogEntry.objects.filter(id__lte=up_to, timestamp__gte=cutoff).exists():
        raise PurgeRefused(
            f"entries up to {up_to} include some younger than {settings.SSPF_AUDIT_RETENTION_DAYS} "
            "days (SSPF_AUDIT_RETENTION_DAYS)"
        )
    before = latest_checkpoint()
    removed = LogEntry.objects.filter(id__lte=up_to).count()
    position = (before.entry_count if before else 0) + removed
    ring = seal.keyring()
    checkpoint = Checkpoint(
        last_entry_id=entry.pk,
        last_seal=entry.seal.value,
        entry_count=position,
        last_timestamp=entry.timestamp,
        purged=removed,
        key_id=ring.current_id,
    )
    checkpoint.mac = checkpoint_mac(
        last_entry_id=checkpoint.last_entry_id,
        last_seal=checkpoint.last_seal,
        entry_count=checkpoint.entry_count,
        last_timestamp=checkpoint.last_timestamp,
        key=ring.current,
    )
    checkpoint.save()
    # Outside the database first: the anchors must know the cut before it is made.
    try:
        anchor.write(anchor.State(entry.pk, entry.seal.value, position))
    except anchor.AnchorError as error:
        raise PurgeRefused(str(error)) from None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT audit_purge(%s)", [up_to])
        else:
            cursor.execute("DELETE FROM audit_seal WHERE entry_id <= %s", [up_to])
            cursor.execute("DELETE FROM audit_logentry WHERE id <= %s", [up_to])
    return checkpoint
