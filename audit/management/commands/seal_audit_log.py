"""Seals the audit log entries not sealed yet into the chain (audit/seal.py).

Requests seal what they wrote after their response, and commands at their commit; this is the
scheduler's pass that catches everything else (a transaction that committed late, a process
that stopped before it sealed), searching the whole log. Once, or with `--follow SECONDS` every
that many seconds until stopped; either way well within SSPF_AUDIT_SEAL_DELAY, after which
`verify_audit_log` reports an unsealed entry as broken. docs/auditing.md, "The seal chain".
"""

import time

from django.core.management.base import BaseCommand, CommandError

from audit import seal


class Command(BaseCommand):
    help = "Seals the pending audit log entries into the chain (once, or --follow SECONDS)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--follow",
            type=float,
            metavar="SECONDS",
            help="go on sealing, every SECONDS seconds, until stopped",
        )

    def handle(self, *args, batch_size, follow=None, **options):
        while True:
            try:
                sealed = seal.seal_pending(batch_size)
            except seal.TamperedHead as error:
                raise CommandError(str(error)) from None
            if sealed or not follow:
                self.stdout.write(f"Sealed {sealed} entries.")
            if not follow:
                return
            time.sleep(follow)
