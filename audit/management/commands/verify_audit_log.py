"""Checks the audit log: its seal chain, the entries not yet sealed, its sealed head and its
anchors; exits non-zero at the first fault and names it.

First it seals the pending tail (audit/seal.py; `--no-seal` verifies without writing, say on a
read-only replica). Then it streams the chain in position order (constant memory), recomputes
every seal and compares it with the stored one. An entry changed, deleted or inserted behind
the application's back breaks the chain at that point. Entries not in the chain are checked by
their insert-time mac: a missing or wrong one is a fault at once; a genuine entry younger than
SSPF_AUDIT_SEAL_DELAY is reported as pending, an older one as a fault (the sealer is not
running, or the entry was held back). The head must be genuine (its mac) and name the end of
the chain. Every anchor (audit/anchor.py) must still be found in the log: its entry at the same
position with the same seal. That catches what the chain alone cannot: a tail cut off with the
head wound back and resealed, or a log emptied altogether.

Writers and sealers keep going while this runs. The anchors are read first, and the chain is
read from one snapshot taken after that, so every anchor it checks lies inside that snapshot;
the head is read last and may be ahead of the snapshot, which is fine when the entry it names
exists. A successful run appends an anchor of the state it verified.

After a retention purge the chain starts at the newest checkpoint (audit/retention.py): its
seal must be genuine, an anchor must have recorded the same cut, and the first remaining entry
must follow its seal. Anchors of entries before the cut are retired by it.

Every run records its outcome (VerificationRun), which the auditors' workspace shows; a failed
run stays on every auditor's home page until an auditor acknowledges it. Run it from a
scheduled job (docs/auditing.md).
"""

from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from audit import anchor, retention, seal
from audit.models import ChainHead, LogEntry, Seal, VerificationRun
from sspf.keys import UnknownKey


class Command(BaseCommand):
    help = "Verifies the tamper-evident seal chain of the audit log against its anchors."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000)
        parser.add_argument(
            "--anchors",
            type=Path,
            help="a file of anchor lines to check against (say, the lines taken from the syslog "
            "server); by default the file SSPF_AUDIT_ANCHOR names",
        )
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="do not seal the pending entries first (verify without writing)",
        )
        parser.add_argument(
            "--repair-head",
            action="store_true",
            help="when the chain and every anchor verify but the head does not, reseal the head "
            "at the end of the chain (the repair is itself logged)",
        )

    def handle(self, *args, **options):
        run = VerificationRun.objects.create()
        try:
            verified = self.verify(**options)
        except CommandError as error:
            self.record(run, intact=False, message=str(error))
            raise
        self.record(run, intact=True, entries=verified, message="")

    def record(self, run, **outcome):
        run.finished_at = timezone.now()
        for name, value in outcome.items():
            setattr(run, name, value)
        run.save()

    def verify(self, *, chunk_size, anchors, repair_head, no_seal, **options) -> int:
        """The number of entries verified (the chain's entries since the newest checkpoint)."""
        if not no_seal:
            self.seal_tail()
        source = anchors or anchor.target_file()
        try:
            known = anchor.read(source) if source else []
        except anchor.AnchorError as error:
            raise CommandError(f"Audit anchors BROKEN: {error}.") from None
        start = self.starting_point(known)
        end = self.verify_chain(known, chunk_size, start)
        pending = self.verify_unsealed()
        head = self.verify_head(end, repair_head)
        verified = end.entry_count - start.entry_count
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {verified} entries verified."))
        if pending:
            self.stdout.write(
                f"{pending} entries are pending: written less than SSPF_AUDIT_SEAL_DELAY "
                f"({settings.SSPF_AUDIT_SEAL_DELAY} s) ago and not sealed yet."
            )
        if start.entry_count:
            self.stdout.write(
                f"The chain starts at the checkpoint after entry {start.last_entry_id}: "
                f"{start.entry_count} older entries were purged."
            )
        self.report_anchors(known, source)
        try:
            written = anchor.write(head)
        except anchor.AnchorError as error:
            raise CommandError(f"The log verified, but {error}.") from None
        self.stdout.write(
            f"Anchor written to {anchor.target()}: {written.entry_count} entries up to entry "
            f"{written.last_entry_id}."
        )
        return verified

    def seal_tail(self) -> None:
        """Seals what is pending, so that only entries written while this runs stay unsealed.
        A tampered head is not sealed onto: the head check below names it."""
        try:
            sealed = seal.seal_pending()
        except seal.TamperedHead:
            return
        if sealed:
            self.stdout.write(f"Sealed {sealed} pending entries first.")

    def starting_point(self, known) -> anchor.State:
        """Genesis, or the newest checkpoint of a retention purge, checked by its seal and
        against the anchors."""
        checkpoint = retention.latest_checkpoint()
        if checkpoint is None:
            return anchor.State(None, seal.GENESIS, 0)
        where = f"Audit log BROKEN at the checkpoint after entry {checkpoint.last_entry_id}"
        try:
            genuine = retention.checkpoint_is_genuine(checkpoint)
        except UnknownKey as error:
            raise CommandError(f"{where}: {error}.") from None
        if not genuine:
            raise CommandError(f"{where}: it does not match its seal: it was forged or changed.")
        state = anchor.State(checkpoint.last_entry_id, checkpoint.last_seal, checkpoint.entry_count)
        if known and not any(record.state == state for record in known):
            raise CommandError(
                f"{where}: no anchor recorded this cut, so it was not made by a purge."
            )
        return state

    def verify_chain(self, known, chunk_size, start: anchor.State) -> anchor.State:
        ring = seal.keyring()
        expected = defaultdict(list)
        for record in known:
            if not record.entry_count:
                continue
            if start.entry_count and record.last_entry_id <= start.last_entry_id:
                self.retired(record, start)
            else:
                expected[record.last_entry_id].append(record)
        previous, count, last_id = start.last_seal, start.entry_count, start.last_entry_id
        chain = Seal.objects.select_related("entry").order_by("position")
        for stored in chain.iterator(chunk_size=chunk_size):
            entry = stored.entry
            if stored.previous != previous:
                self.broken(
                    entry.pk,
                    "does not follow the entry before it: an entry before it was deleted, "
                    "or its seal was replaced",
                )
            if stored.position != count + 1:
                self.broken(
                    entry.pk,
                    f"is sealed at position {stored.position}, not {count + 1}: the chain's "
                    "positions were changed",
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
            for record in expected.pop(entry.pk, ()):
                if (record.entry_count, record.last_seal) != (count, previous):
                    raise CommandError(
                        f"Audit log BROKEN at entry {entry.pk}: the anchor written {record.at} "
                        f"recorded it as entry number {record.entry_count} with another seal "
                        f"(now number {count}): the log was rewritten after that anchor."
                    )
        missing = sorted(
            (record for records in expected.values() for record in records),
            key=lambda record: record.entry_count,
        )
        if missing:
            self.cut(missing, count, last_id)
        return anchor.State(last_id, previous, count)

    def verify_unsealed(self) -> int:
        """Entries not in the chain: the number pending; a fault for any other."""
        try:
            return seal.check_unsealed()
        except seal.Unsealed as fault:
            self.broken(fault.entry_id, fault.reason)

    def retired(self, record, start: anchor.State) -> None:
        """An anchor of an entry the purge removed: it must agree with the checkpoint."""
        if record.last_entry_id == start.last_entry_id:
            agrees = record.state == start
        else:
            agrees = record.entry_count < start.entry_count
        if not agrees:
            raise CommandError(
                f"Audit log BROKEN at the checkpoint after entry {start.last_entry_id}: the "
                f"anchor written {record.at} recorded entry {record.last_entry_id} as number "
                f"{record.entry_count}, which the checkpoint contradicts."
            )

    def cut(self, missing, count, last_id):
        """Anchored entries that the log no longer holds."""
        longest = missing[-1]
        recorded = (
            f"the anchor written {longest.at} recorded {longest.entry_count} entries up to "
            f"entry {longest.last_entry_id}"
        )
        if count == 0:
            raise CommandError(f"Audit log BROKEN: the log is empty, but {recorded}: it was wiped.")
        if longest.entry_count > count:
            raise CommandError(
                f"Audit log BROKEN: it holds {count} entries up to entry {last_id}, but "
                f"{recorded}: entries at the end were deleted and the chain's head wound back."
            )
        first = missing[0]
        raise CommandError(
            f"Audit log BROKEN: entry {first.last_entry_id}, recorded by the anchor written "
            f"{first.at} as entry number {first.entry_count}, is missing: the log was rewritten "
            "after that anchor."
        )

    def verify_head(self, end: anchor.State, repair: bool) -> anchor.State:
        """The state to anchor: the verified end, or the resealed head after a repair."""
        head = ChainHead.objects.filter(pk=1).first()
        fault = self.head_fault(head, end)
        if fault is None:
            return end
        if not repair:
            raise CommandError(
                f"Audit log BROKEN after entry {end.last_entry_id}: {fault}. Once the cause is "
                "known, `verify_audit_log --repair-head` reseals the head at the end of the chain."
            )
        return self.repair(head, end, fault)

    def head_fault(self, head, end: anchor.State) -> str | None:
        if head is None:
            return None if end.entry_count == 0 else "the chain's head row is missing"
        try:
            genuine = seal.head_is_genuine(head)
        except UnknownKey as error:
            return f"the chain's head cannot be checked: {error}"
        if not genuine:
            return "the chain's head was changed outside the application: its seal does not match"
        if anchor.State.of(head) == end:
            return None
        if head.entry_count > end.entry_count:
            # Ahead of the snapshot: entries written while this ran, if the one it names exists.
            if LogEntry.objects.filter(pk=head.last_entry_id, seal__value=head.last_seal).exists():
                return None
            return (
                f"the chain's head names entry {head.last_entry_id}, so entries at the end were "
                "deleted"
            )
        return (
            f"the chain's head names entry {head.last_entry_id} ({head.entry_count} entries), "
            f"but the chain goes on to entry {end.last_entry_id} ({end.entry_count} entries): "
            "the head was wound back"
        )

    @transaction.atomic
    def repair(self, head, end: anchor.State, fault: str) -> anchor.State:
        locked = ChainHead.objects.select_for_update().filter(pk=1).first()
        if (
            locked is not None
            and head is not None
            and anchor.State.of(locked) != anchor.State.of(head)
        ):
            raise CommandError("The chain's head moved while it was checked; run this again.")
        before = None if locked is None else anchor.State.of(locked)
        locked = locked or ChainHead(pk=1)
        locked.last_entry_id = end.last_entry_id
        locked.last_seal = end.last_seal
        locked.entry_count = end.entry_count
        seal.sign_head(locked)
        locked.save()
        LogEntry.objects.create(
            content_type=ContentType.objects.get_for_model(ChainHead),
            object_pk="1",
            object_id=1,
            object_repr=str(locked),
            action=LogEntry.Action.UPDATE,
            changes_text="",
            additional_data={
                "repaired_head": {
                    "fault": fault,
                    "was": None if before is None else asdict(before),
                    "now": asdict(end),
                }
            },
        )
        self.stdout.write(
            self.style.WARNING(
                f"The chain's head was resealed at entry {end.last_entry_id} ({fault})."
            )
        )
        return anchor.State.of(ChainHead.objects.get(pk=1))

    def report_anchors(self, known, source):
        if source is None:
            self.stdout.write(
                self.style.WARNING(
                    "Anchors go to syslog, so this run could not compare the log with them: pass "
                    "--anchors with the anchor lines taken from the log server."
                )
            )
        elif not known:
            self.stdout.write(
                self.style.WARNING(
                    f"No anchors in {source} yet: nothing to compare the log's length with. "
                    "A non-empty log with no anchors means a new anchor file, or a removed one."
                )
            )
        else:
            newest = max(known, key=lambda record: record.entry_count)
            self.stdout.write(
                f"Checked against {len(known)} anchors in {source}; the longest, written "
                f"{newest.at}, recorded {newest.entry_count} entries up to entry "
                f"{newest.last_entry_id}."
            )

    def broken(self, entry_id, reason):
        raise CommandError(f"Audit log BROKEN at entry {entry_id}: the entry {reason}.")
