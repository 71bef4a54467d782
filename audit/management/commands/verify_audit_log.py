"""Checks the whole seal chain of the audit log; exits non-zero at the first broken link.

Streams the entries in id order (constant memory), recomputes every seal and compares it with
the stored one. An entry changed, deleted or inserted behind the application's back breaks the
chain at that point; deleting the newest entries shows as a head that points past the end.
"""

from django.core.management.base import BaseCommand, CommandError

from audit import seal
from audit.models import ChainHead, LogEntry
from sspf.keys import UnknownKey


class Command(BaseCommand):
    help = "Verifies the tamper-evident seal chain of the audit log."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args, chunk_size, **options):
        ring = seal.keyring()
        previous = seal.GENESIS
        count = 0
        last_id = None
        entries = LogEntry.objects.select_related("seal").order_by("id")
        for entry in entries.iterator(chunk_size=chunk_size):
            stored = getattr(entry, "seal", None)
            if stored is None:
                self.broken(entry.pk, "has no seal: it was inserted outside the application")
            if stored.previous != previous:
                self.broken(
                    entry.pk,
                    "does not follow the entry before it: an entry before it was deleted, "
                    "or its seal was replaced",
                )
            try:
                key = ring.get(stored.key_id)
            except UnknownKey as error:
                self.broken(entry.pk, str(error))
            if seal.compute(previous, entry, key) != stored.value:
                self.broken(entry.pk, "does not match its seal: its content was changed")
            previous = stored.value
            last_id = entry.pk
            count += 1
        head = ChainHead.objects.filter(pk=1).first()
        if head is not None and (head.last_seal, head.last_entry_id) != (
            previous if count else seal.GENESIS,
            last_id,
        ):
            raise CommandError(
                f"Audit log BROKEN after entry {last_id}: the chain's head names entry "
                f"{head.last_entry_id}, so entries at the end were deleted."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {count} entries verified."))

    def broken(self, entry_id, reason):
        raise CommandError(f"Audit log BROKEN at entry {entry_id}: the entry {reason}.")
