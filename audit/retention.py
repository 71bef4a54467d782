"""Retention of the audit log: old entries are purged behind a signed checkpoint.

The log is kept SSPF_AUDIT_RETENTION_DAYS, independently of case retention. Purging cuts the
chain at a position (the chain's order is the order of sealing, audit/seal.py), so the cut is
recorded: a Checkpoint names the entry at that position, its seal and the position, sealed
with the audit key, and the same state is written as an
anchor outside the database before anything is deleted. `verify_audit_log` then starts from
the newest checkpoint instead of the genesis seal: the first remaining entry must follow the
checkpoint's seal, so tampering with anything after the cut is still caught, and a forged or
removed checkpoint breaks the chain at its first entry.

On PostgreSQL the delete goes through `audit_purge(position)` (migrations 0005 and 0007), the
only path past the append-only triggers; it refuses without a checkpoint at that position and
refuses entries younger than a year.
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
from audit.models import Checkpoint, Seal


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
    last_entry_id: int | None  # the entry at the newest position to purge; None: nothing
    count: int
    last_position: int | None = None


def plan(now: datetime.datetime | None = None) -> Plan:
    """What a purge now would remove: every sealed entry before the first one inside the
    retention period, in the chain's order (so a late old entry stays with its neighbours).
    Entries not yet sealed are never purged."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.SSPF_AUDIT_RETENTION_DAYS)
    first_kept = (
        Seal.objects.filter(entry__timestamp__gte=cutoff)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )
    older = (
        Seal.objects.all() if first_kept is None else Seal.objects.filter(position__lt=first_kept)
    )
    last = older.order_by("-position").values_list("position", "entry_id").first()
    if last is None:
        return Plan(cutoff, None, 0)
    return Plan(cutoff, last[1], older.count(), last[0])


@transaction.atomic
def purge(*, through: int) -> Checkpoint:
    """Purges every sealed entry up to and including chain position `through` behind a new
    checkpoint. Run it on a log that has just verified (`manage.py purge_audit_log` does): a
    checkpoint vouches for what it cuts off."""
    seal.lock_head()  # no entry is sealed while the chain is cut
    last = Seal.objects.select_related("entry").filter(position=through).first()
    if last is None:
        raise PurgeRefused(f"position {through} is not a position of the chain")
    cut = Seal.objects.filter(position__lte=through)
    cutoff = timezone.now() - datetime.timedelta(days=settings.SSPF_AUDIT_RETENTION_DAYS)
    if cut.filter(entry__timestamp__gte=cutoff).exists():
        raise PurgeRefused(
            f"entries up to position {through} include some younger than "
            f"{settings.SSPF_AUDIT_RETENTION_DAYS} days (SSPF_AUDIT_RETENTION_DAYS)"
        )
    before = latest_checkpoint()
    removed = cut.count()
    if (before.entry_count if before else 0) + removed != through:
        raise PurgeRefused(f"the chain up to position {through} has gaps: verify it first")
    entry = last.entry
    ring = seal.keyring()
    checkpoint = Checkpoint(
        last_entry_id=entry.pk,
        last_seal=last.value,
        entry_count=through,
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
        anchor.write(anchor.State(entry.pk, last.value, through))
    except anchor.AnchorError as error:
        raise PurgeRefused(str(error)) from None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT audit_purge(%s)", [through])
        else:
            cursor.execute(
                "DELETE FROM audit_logentry WHERE id IN "
                "(SELECT entry_id FROM audit_seal WHERE position <= %s)",
                [through],
            )
            cursor.execute("DELETE FROM audit_seal WHERE position <= %s", [through])
    return checkpoint
