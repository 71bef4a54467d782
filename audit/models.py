from auditlog.models import AbstractLogEntry
from django.db import models, transaction

from audit import seal


class LogEntry(AbstractLogEntry):
    """django-auditlog's log entry, sealed into the chain in the transaction that writes it.

    Entries are written once and never changed: on PostgreSQL triggers refuse UPDATE and
    DELETE on this table and on the seals.
    """

    class Meta(AbstractLogEntry.Meta):
        swappable = "AUDITLOG_LOGENTRY_MODEL"
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("audit log entries are never changed")
        with transaction.atomic():
            head = seal.lock_head()
            super().save(*args, **kwargs)
            seal.append(self, head)


class Seal(models.Model):
    """The link of one entry in the chain: HMAC(key, previous seal ‖ canonical entry)."""

    entry = models.OneToOneField(
        LogEntry, on_delete=models.PROTECT, primary_key=True, related_name="seal"
    )
    key_id = models.CharField(max_length=64)
    previous = models.CharField(max_length=64)
    value = models.CharField(max_length=64, unique=True)

    def __str__(self):
        return f"seal of entry {self.entry_id}"


class ChainHead(models.Model):
    """A single row naming the newest seal; writers lock it so the chain cannot fork.

    Its state (last id, last seal, count) is sealed in `mac`, and copied out of the database
    as anchors (audit/anchor.py); `anchored_at` says when the last anchor was due.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_entry_id = models.BigIntegerField(null=True)
    last_seal = models.CharField(max_length=64, default=seal.GENESIS)
    entry_count = models.BigIntegerField(default=0)
    key_id = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=64, blank=True)
    anchored_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"chain head at entry {self.last_entry_id}"
