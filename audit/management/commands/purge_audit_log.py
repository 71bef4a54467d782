"""Purges audit log entries older than SSPF_AUDIT_RETENTION_DAYS behind a signed checkpoint.

Only sealed entries are purged, so it seals the pending ones first. A dry run by default: it
says what would go. With --execute it first verifies the whole log
(a checkpoint vouches for what it cuts off, so a broken log is never purged), then cuts it
(audit/retention.py). Run it from a scheduled job after `verify_audit_log`.
"""

from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from audit import retention, seal


class Command(BaseCommand):
    help = "Purges audit log entries older than SSPF_AUDIT_RETENTION_DAYS (dry run by default)."

    def add_arguments(self, parser):
        parser.add_argument("--execute", action="store_true", help="purge, not only report")

    def handle(self, *args, execute=False, **options):
        try:
            seal.seal_pending()  # only sealed entries are purged
        except seal.TamperedHead as error:
            raise CommandError(f"Nothing purged: {error}") from None
        plan = retention.plan()
        if plan.last_entry_id is None:
            self.stdout.write(f"Nothing to purge: no entry older than {plan.cutoff:%Y-%m-%d}.")
            return
        summary = (
            f"{plan.count} entries older than {plan.cutoff:%Y-%m-%d}, up to entry "
            f"{plan.last_entry_id}"
        )
        if not execute:
            self.stdout.write(f"Would purge {summary}. Run with --execute to purge.")
            return
        call_command("verify_audit_log", stdout=StringIO())  # raises when the log is broken
        try:
            checkpoint = retention.purge(through=plan.last_position)
        except retention.PurgeRefused as refused:
            raise CommandError(f"Nothing purged: {refused}.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Purged {summary}; the chain goes on from the checkpoint after entry "
                f"{checkpoint.last_entry_id}."
            )
        )
