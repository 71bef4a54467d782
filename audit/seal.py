"""The seal chain over the audit log (tamper evidence; django-auditlog has none).

Two seals, so that no request waits for the chain's lock (issue #15):

1. At insert, in the request, without any lock: every entry gets a random `nonce` and an
   insert-time `mac` = HMAC(key, canonical entry without its id, with the nonce), unique in the
   database (`prepare`). A row inserted behind the application's back has no valid mac; a copy
   of a genuine row is refused by the unique index.
2. After the response (or after the commit, outside a request), one sealer at a time chains the
   entries: seal(n) = HMAC(key, seal(n-1) ‖ canonical(entry n)), with the entry's `position` in
   the chain (`seal_pending`). It takes the lock on the single ChainHead row without waiting:
   when another sealer holds it, that one (or the next run, at the latest the scheduler's
   `seal_audit_log`) seals these entries too. It seals in id order every
   visible entry whose insert-time mac checks out, in batches, one head update per batch; an
   entry with a bad or missing mac is never sealed and verification reports it. The chain's
   order is the order of sealing, so an entry whose transaction committed late follows entries
   with higher ids: anchors and checkpoints count positions, not ids.

Who seals: the end of every request that wrote entries (request_finished, after the response
has gone: `deferred`, `settle`), the commit of a transaction outside a request (on_commit),
`manage.py seal_audit_log` from a scheduler, and `manage.py verify_audit_log` before it
verifies. Every entry must be sealed within SSPF_AUDIT_SEAL_DELAY seconds: verification
reports a genuine entry still unsealed after that as broken (the sealer is not running, or the
entry was held back), and a younger one as pending. The price of sealing later: an entry
deleted before it is sealed leaves no gap in the chain (on PostgreSQL the triggers refuse the
DELETE, and the application's role has no DELETE right on the log at all).

Changing, deleting or inserting a sealed entry breaks every seal from that point on, which
`manage.py verify_audit_log` reports. The head is sealed too: mac = HMAC(key, [last id, last
seal, count]). Without the key nobody can wind it back over a cut-off tail, and the sealer
refuses to build on a head whose mac does not match (so the next seal cannot launder such a
rewind). Whoever holds the key could still forge a head; that is what the anchors outside the
database are for (audit/anchor.py).
"""

import contextlib
import datetime
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from contextvars import ContextVar
from functools import cache, partial

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.dispatch import receiver
from django.utils import timezone

from sspf.keys import Keyring, UnknownKey

GENESIS = "0" * 64
# The request-end sealer looks only at entries above a mark it set at least this long ago, so
# its query stays small however long the log grows. An entry whose transaction commits later
# than that below the mark is sealed by the next full pass (seal_audit_log, verify_audit_log).
RECENT_SECONDS = 10

logger = logging.getLogger(__name__)

# The entry's own columns, in a fixed order; the chain's seal covers all of them.
CANONICAL_FIELDS = [
    "id",
    "content_type_id",
    "object_pk",
    "object_id",
    "object_repr",
    "serialized_data",
    "action",
    "changes_text",
    "changes",
    "actor_id",
    "actor_email",
    "cid",
    "remote_addr",
    "remote_port",
    "timestamp",
    "additional_data",
]
# The insert-time mac: everything but the id (not known before the insert), and the nonce.
MAC_FIELDS = [name for name in CANONICAL_FIELDS if name != "id"] + ["nonce"]


@cache
def keyring() -> Keyring:
    return Keyring.parse(settings.SSPF_AUDIT_KEY, "SSPF_AUDIT_KEY")


@receiver(setting_changed)
def _forget_key(setting, **kwargs):
    if setting == "SSPF_AUDIT_KEY":
        keyring.cache_clear()


@cache
def _fields(model) -> dict:
    return {field.attname: field for field in model._meta.concrete_fields}


def _normalised(model, row, names) -> dict:
    """The named values of an entry (a model instance's attributes, or a row from values()),
    in the form they have both before the insert and when read back."""
    fields, values = _fields(model), {}
    for name in names:
        field, value = fields[name], row[name]
        if value is None or isinstance(field, models.JSONField):
            pass
        elif name == "timestamp":
            value = value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
        else:
            value = field.to_python(value)  # e.g. object_pk given as 1, read back as "1"
        values[name] = value
    return values


def _dump(values: dict) -> bytes:
    return json.dumps(values, sort_keys=True, separators=(",", ":"), default=str).encode()


class _Attributes:
    def __init__(self, entry):
        self.entry = entry

    def __getitem__(self, name):
        return getattr(self.entry, name)


def canonical(entry, names=CANONICAL_FIELDS) -> bytes:
    """A byte string that is the same before the entry is saved and after it is read back."""
    return _dump(_normalised(type(entry), _Attributes(entry), names))


def _chain_mac(previous: str, canonical_entry: bytes, key: bytes) -> str:
    return hmac.new(key, previous.encode() + b"|" + canonical_entry, hashlib.sha256).hexdigest()


def _insert_mac(canonical_entry: bytes, key: bytes) -> str:
    return hmac.new(key, b"entry|" + canonical_entry, hashlib.sha256).hexdigest()


def compute(previous: str, entry, key: bytes) -> str:
    return _chain_mac(previous, canonical(entry), key)


def entry_mac(entry, key: bytes) -> str:
    return _insert_mac(canonical(entry, MAC_FIELDS), key)


def prepare(entry) -> None:
    """Gives an entry about to be inserted its nonce and insert-time mac (LogEntry.save calls
    it, after the pre_save signal; call it yourself before bulk_create)."""
    ring = keyring()
    entry.nonce = secrets.token_hex(16)
    entry.mac_key_id = ring.current_id
    entry.mac = entry_mac(entry, ring.current)


def mac_fault(entry) -> str | None:
    """Why the entry's insert-time mac does not vouch for it, or None when it does."""
    return _mac_fault(
        entry.mac, entry.nonce, entry.mac_key_id, lambda: canonical(entry, MAC_FIELDS)
    )


def _mac_fault(mac, nonce, key_id, canonical_entry) -> str | None:
    if not mac or not nonce:
        return "has no insert-time mac: it was inserted outside the application"
    try:
        key = keyring().get(key_id)
    except UnknownKey as error:
        return f"has an insert-time mac under an unknown key ({error})"
    if not hmac.compare_digest(_insert_mac(canonical_entry(), key), mac):
        return (
            "does not match its insert-time mac: it was changed, or inserted outside the "
            "application"
        )
    return None


class TamperedHead(RuntimeError):
    """The chain's head row was changed outside the application; nothing is sealed onto it."""


def head_mac(*, last_entry_id: int | None, last_seal: str, entry_count: int, key: bytes) -> str:
    message = json.dumps(["head", last_entry_id, last_seal, entry_count]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign_head(head) -> None:
    """Seals the head's state (last id, last seal, count) under the current key."""
    ring = keyring()
    head.key_id = ring.current_id
    head.mac = head_mac(
        last_entry_id=head.last_entry_id,
        last_seal=head.last_seal,
        entry_count=head.entry_count,
        key=ring.current,
    )


def head_is_genuine(head) -> bool:
    """True when the head's mac matches its state; raises UnknownKey for a retired key."""
    if not head.mac:
        return False
    expected = head_mac(
        last_entry_id=head.last_entry_id,
        last_seal=head.last_seal,
        entry_count=head.entry_count,
        key=keyring().get(head.key_id),
    )
    return hmac.compare_digest(expected, head.mac)


def genesis_head():
    """An unsaved head for an empty log."""
    from audit.models import ChainHead

    head = ChainHead(pk=1, last_entry_id=None, last_seal=GENESIS, entry_count=0)
    sign_head(head)
    return head


def _ensure_head() -> None:
    from audit.models import ChainHead

    fresh = genesis_head()
    ChainHead.objects.get_or_create(
        pk=1, defaults={"key_id": fresh.key_id, "mac": fresh.mac, "entry_count": 0}
    )


def _checked(head):
    if not head_is_genuine(head):
        raise TamperedHead(
            "The audit chain's head was changed outside the application (its seal does not "
            "match), so no entry is sealed onto it. Run `manage.py verify_audit_log`; once the "
            "cause is known, `manage.py verify_audit_log --repair-head` reseals it."
        )
    return head


def lock_head():
    """Takes the chain's lock, waiting for it (retention purge, head repair); call inside a
    transaction."""
    from audit.models import ChainHead

    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # a new or emptied database
        _ensure_head()
        head = ChainHead.objects.select_for_update().get(pk=1)
    return _checked(head)


def try_lock_head(*, checked: bool = True):
    """Takes the chain's lock if nobody holds it; None when another sealer does. Call inside a
    transaction. SQLite serialises write transactions anyway (IMMEDIATE), so there it waits.
    Raises TamperedHead for a head changed outside the application unless `checked` is off."""
    from audit.models import ChainHead

    locking = ChainHead.objects.filter(pk=1)
    if connection.features.has_select_for_update_skip_locked:
        locking = ChainHead.objects.select_for_update(skip_locked=True).filter(pk=1)
    head = locking.first()
    if head is None:
        if ChainHead.objects.filter(pk=1).exists():
            return None  # locked by another sealer
        _ensure_head()
        head = locking.first()
        if head is None:
            return None
    return _checked(head) if checked else head


# What this process's sealers did: a benchmark reads it (stats) and starts afresh (reset_stats).
_stats_lock = threading.Lock()
_stats = {"runs": 0, "busy": 0, "entries": 0, "lock_seconds": 0.0}


def stats() -> dict:
    """Sealing runs that held the head's lock, runs that found it taken, entries sealed, and
    the seconds the lock was held in all, in this process."""
    with _stats_lock:
        return dict(_stats)


def reset_stats() -> None:
    with _stats_lock:
        _stats.update(runs=0, busy=0, entries=0, lock_seconds=0.0)


def _count(**amounts) -> None:
    with _stats_lock:
        for name, amount in amounts.items():
            _stats[name] += amount


def seal_pending(batch_size: int = 1000, *, recent_only: bool = False) -> int:
    """Seals every visible unsealed entry with a valid insert-time mac, in id order, in
    batches of `batch_size` (one transaction and one head update each); returns how many.

    Returns at once (with what it sealed so far) when another sealer holds the lock: that one
    seals these entries too. `recent_only` (the request-end and commit hooks) looks only above
    the head's scan mark; otherwise the whole log is searched for unsealed entries. Raises
    TamperedHead when the head was changed outside the application.
    """
    total, after = 0, None
    while True:
        outcome = _seal_batch(batch_size, after, recent_only)
        if outcome is None:  # another sealer holds the lock
            return total
        sealed, after, more = outcome
        total += sealed
        if not more:
            return total


def _seal_batch(batch_size, after, recent_only):
    started = timezone.now()
    # Inside a caller's transaction the sealer joins it rather than open a savepoint: the lock
    # is held to that transaction's end anyway. A tampered head is refused after the block, so
    # that the caller's transaction stays usable.
    with transaction.atomic(savepoint=False):
        head = try_lock_head(checked=False)
        if head is None:
            _count(busy=1)
            return None
        held_from = time.perf_counter()
        genuine = head_is_genuine(head)
        if genuine:
            sealed, refused, last_seen, more = _seal_onto(
                head, batch_size, after, recent_only, started
            )
    if not genuine:
        _checked(head)
    _count(runs=1, entries=sealed, lock_seconds=time.perf_counter() - held_from)
    if refused:
        logger.error(
            "%d audit log entries have no valid insert-time mac and were not sealed "
            "(the first: entry %s); run `manage.py verify_audit_log`.",
            len(refused),
            refused[0],
        )
    return sealed, last_seen if last_seen is not None else after, more


def _seal_onto(head, batch_size, after, recent_only, started):
    """One batch, under the lock: (sealed, refused ids, last id seen, whether there may be
    more)."""
    from audit import anchor
    from audit.models import LogEntry, Seal

    low = after if after is not None else (head.scan_from if recent_only else 0)
    candidates = list(
        LogEntry.objects.filter(id__gt=low, mac__isnull=False)
        .filter(~Exists(Seal.objects.filter(entry_id=OuterRef("pk"))))
        .order_by("id")
        .values(*CANONICAL_FIELDS, "nonce", "mac", "mac_key_id")[:batch_size]
    )
    more = len(candidates) == batch_size
    ring = keyring()
    seals, previous, position, refused = [], head.last_seal, head.entry_count, []
    for row in candidates:
        values = _normalised(LogEntry, row, MAC_FIELDS + ["id"])
        mac_body = _dump({name: values[name] for name in MAC_FIELDS})
        if _mac_fault(row["mac"], row["nonce"], row["mac_key_id"], lambda b=mac_body: b):
            refused.append(row["id"])
            continue
        del values["nonce"]
        value = _chain_mac(previous, _dump(values), ring.current)
        position += 1
        seals.append((row["id"], ring.current_id, previous, value, position))
        previous = value
    last_seen = candidates[-1]["id"] if candidates else None
    fields = []
    if seals:
        _insert_seals(seals)
        head.last_entry_id = seals[-1][0]
        head.last_seal = previous
        head.entry_count = position
        sign_head(head)
        fields += ["last_entry_id", "last_seal", "entry_count", "key_id", "mac"]
        if anchor.due(head, started, sealed=len(seals)):
            head.anchored_at = started
            fields.append("anchored_at")
            transaction.on_commit(partial(anchor.write_after_commit, anchor.State.of(head)))
    if not more:
        fields += _move_scan_mark(head, last_seen)
    if fields:
        head.save(update_fields=fields)
    return len(seals), refused, last_seen, more


def _insert_seals(seals: list[tuple]) -> None:
    """(entry id, key id, previous, value, position) rows, in one statement on PostgreSQL:
    the bulk of a large sealing run is here, and Django's bulk_create costs more than the
    hashing."""
    from audit.models import Seal

    table = connection.ops.quote_name(Seal._meta.db_table)
    columns = "entry_id, key_id, previous, value, position"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM unnest("  # noqa: S608
                "%s::bigint[], %s::text[], %s::text[], %s::text[], %s::bigint[])",
                [list(column) for column in zip(*seals, strict=True)],
            )
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
                seals,
            )


def _move_scan_mark(head, seen: int | None) -> list[str]:
    """After a complete pass. The mark is an entry visible when it was set (the newest this
    pass saw, or the newest sealed): an entry below it that was not visible then belonged to
    a transaction still open. Once the mark is RECENT_SECONDS old, such an entry has been seen
    by this pass if its transaction committed within that time, so the request-end sealer
    starts at the mark from then on."""
    now = timezone.now()
    if head.scan_mark_at is not None and (now - head.scan_mark_at).total_seconds() < (
        RECENT_SECONDS
    ):
        return []
    if head.scan_mark is not None:
        head.scan_from = max(head.scan_from, head.scan_mark)
    head.scan_mark = max(seen or 0, head.last_entry_id or 0, head.scan_from)
    head.scan_mark_at = now
    return ["scan_from", "scan_mark", "scan_mark_at"]


class Unsealed(Exception):
    """An entry outside the chain that cannot be explained as pending."""

    def __init__(self, entry_id: int, reason: str):
        super().__init__(f"entry {entry_id} {reason}")
        self.entry_id, self.reason = entry_id, reason


def check_unsealed(*, now: datetime.datetime | None = None) -> int:
    """The number of entries pending: not sealed yet, genuine (insert-time mac) and younger
    than SSPF_AUDIT_SEAL_DELAY. Raises Unsealed for the first (lowest id) other unsealed
    entry: one with a bad or missing mac, or one the sealer should have sealed by now."""
    from audit.models import LogEntry, Seal

    delay = settings.SSPF_AUDIT_SEAL_DELAY
    bound = (now or timezone.now()) - datetime.timedelta(seconds=delay)
    unsealed = LogEntry.objects.filter(~Exists(Seal.objects.filter(entry_id=OuterRef("pk"))))
    pending = 0
    for entry in unsealed.order_by("id").iterator():
        fault = mac_fault(entry)
        if fault is not None:
            raise Unsealed(entry.pk, f"is not sealed and {fault}")
        if entry.timestamp < bound:
            raise Unsealed(
                entry.pk,
                f"was not sealed within the bound (SSPF_AUDIT_SEAL_DELAY, {delay} s): the "
                "sealer is not running or the entry was held back",
            )
        pending += 1
    return pending


# Sealing off the request's critical path: in a request (the audit middleware), entries are
# sealed after the response; elsewhere once their transaction has committed.
_deferring: ContextVar[bool] = ContextVar("sspf_seal_deferring", default=False)
_owed: ContextVar[bool] = ContextVar("sspf_seal_owed", default=False)


@contextlib.contextmanager
def deferred():
    """Entries written inside are sealed by `settle` (the request's end), not at commit."""
    token = _deferring.set(True)
    try:
        yield
    finally:
        _deferring.reset(token)


def written() -> None:
    """Called by LogEntry.save after the insert: seal after the request, or after the commit
    (one sealing run per transaction, however many entries it wrote)."""
    if _deferring.get():
        _owed.set(True)
        return
    db = transaction.get_connection()
    hook = getattr(db, "_sspf_seal_after_commit", None)
    if hook is not None and not hook.ran and any(f is hook for _, f, _ in db.run_on_commit):
        return
    db._sspf_seal_after_commit = hook = _SealAfterCommit()
    transaction.on_commit(hook)


def _seal_quietly() -> None:
    """A hook's sealing run: a failure is logged loudly but never reaches the user, whose
    entries are written; verification reports them if they stay unsealed."""
    try:
        seal_pending(recent_only=True)
    except Exception:
        logger.exception("Audit log entries not sealed")


class _SealAfterCommit:
    ran = False

    def __call__(self):
        self.ran = True
        _seal_quietly()


def settle(**kwargs) -> None:
    """request_finished: seals what the request wrote, after the response has gone."""
    if not _owed.get():
        return
    _owed.set(False)
    opened_here = connection.connection is None  # closed by close_old_connections just before
    _seal_quietly()
    if opened_here:
        connection.close()
