"""The seal chain over the audit log (tamper evidence; django-auditlog has none).

seal(n) = HMAC-SHA256(key, seal(n-1) ‖ canonical(entry n)), written in the transaction that
writes entry n. Writers take a lock on the single ChainHead row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite serialises writers anyway), so two writers can never build on the same
previous seal. Changing, deleting or inserting an entry breaks every seal from that point on,
which `manage.py verify_audit_log` reports.
"""

import datetime
import hashlib
import hmac
import json
from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

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


def lock_head():
    """Takes the chain's lock; call inside the transaction, before the entry is inserted,
    so that entry ids grow in the order the entries are sealed."""
    from audit.models import ChainHead

    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # a new or emptied database
        head, _created = ChainHead.objects.get_or_create(pk=1)
    return head


def append(entry, head) -> None:
    """Seals a freshly inserted entry onto the locked head; inside the entry's transaction."""
    from audit.models import Seal

    ring = keyring()
    value = compute(head.last_seal, entry, ring.current)
    Seal.objects.create(entry=entry, key_id=ring.current_id, previous=head.last_seal, value=value)
    head.last_entry_id = entry.pk
    head.last_seal = value
    head.save(update_fields=["last_entry_id", "last_seal"])
