"""The seal chain over the audit log (tamper evidence; django-auditlog has none).

seal(n) = HMAC-SHA256(key, seal(n-1) ‖ canonical(entry n)), written in the transaction that
writes entry n. Writers take a lock on the single ChainHead row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite serialises writers anyway), so two writers can never build on the same
previous seal. Changing, deleting or inserting an entry breaks every seal from that point on,
which `manage.py verify_audit_log` reports.

The head is sealed too: mac = HMAC(key, [last id, last seal, count]). Without the key nobody can
wind it back over a cut-off tail, and a writer refuses to build on a head whose mac does not
match (so the next entry cannot launder such a rewind). Whoever holds the key could still forge
a head; that is what the anchors outside the database are for (audit/anchor.py).
"""

import datetime
import hashlib
import hmac
import json
from functools import cache, partial

from django.conf import settings
from django.core.signals import setting_changed
from django.db import models, transaction
from django.dispatch import receiver
from django.utils import timezone

from sspf.keys import Keyring

GENESIS = "0" * 64

# The entry's own columns, in a fixed order; the seal covers all of them.
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


@cache
def keyring() -> Keyring:
    return Keyring.parse(settings.SSPF_AUDIT_KEY, "SSPF_AUDIT_KEY")


@receiver(setting_changed)
def _forget_key(setting, **kwargs):
    if setting == "SSPF_AUDIT_KEY":
        keyring.cache_clear()


def canonical(entry) -> bytes:
    """A byte string that is the same before the entry is saved and after it is read back."""
    fields = {field.attname: field for field in entry._meta.concrete_fields}
    values = {}
    for name in CANONICAL_FIELDS:
        field, value = fields[name], getattr(entry, name)
        if value is None or isinstance(field, models.JSONField):
            pass
        elif name == "timestamp":
            value = value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
        else:
            value = field.to_python(value)  # e.g. object_pk given as 1, read back as "1"
        values[name] = value
    return json.dumps(values, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute(previous: str, entry, key: bytes) -> str:
    return hmac.new(key, previous.encode() + b"|" + canonical(entry), hashlib.sha256).hexdigest()


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


def lock_head():
    """Takes the chain's lock; call inside the transaction, before the entry is inserted,
    so that entry ids grow in the order the entries are sealed."""
    from audit.models import ChainHead

    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # a new or emptied database
        fresh = genesis_head()
        ChainHead.objects.get_or_create(
            pk=1, defaults={"key_id": fresh.key_id, "mac": fresh.mac, "entry_count": 0}
        )
        head = ChainHead.objects.select_for_update().get(pk=1)
    if not head_is_genuine(head):
        raise TamperedHead(
            "The audit chain's head was changed outside the application (its seal does not "
            "match), so no entry is sealed onto it. Run `manage.py verify_audit_log`; once the "
            "cause is known, `manage.py verify_audit_log --repair-head` reseals it."
        )
    return head


def append(entry, head) -> None:
    """Seals a freshly inserted entry onto the locked head; inside the entry's transaction.

    When an anchor is due, it is written once the transaction has committed: an anchor must
    never name an entry that was rolled back.
    """
    from audit import anchor
    from audit.models import Seal

    ring = keyring()
    value = compute(head.last_seal, entry, ring.current)
    Seal.objects.create(entry=entry, key_id=ring.current_id, previous=head.last_seal, value=value)
    head.last_entry_id = entry.pk
    head.last_seal = value
    head.entry_count += 1
    sign_head(head)
    fields = ["last_entry_id", "last_seal", "entry_count", "key_id", "mac"]
    now = timezone.now()
    if anchor.due(head, now):
        head.anchored_at = now
        fields.append("anchored_at")
        transaction.on_commit(partial(anchor.write_after_commit, anchor.State.of(head)))
    head.save(update_fields=fields)
