"""manage.py purge_expired [--apply]: the retention purge (stats/purge.py). A dry run unless
told otherwise."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from stats import purge


class Command(BaseCommand):
    help = (
        "Deletes the personal data of cases closed more than SSPF_RETENTION_YEARS ago, after "
        "keeping anonymous statistical facts. A dry run unless --apply is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Delete; without it, only count.")

    def handle(self, *args, apply=False, **options):
        today = timezone.localdate()
        planned = purge.plan(today)
        for name, value in planned.items():
            self.stdout.write(f"{name}: {value}")
        if not apply:
            self.stdout.write("Dry run: nothing was deleted. Run with --apply to purge.")
            return
        if not planned["cases"]:
            self.stdout.write("Nothing to purge.")
            return

        def progress(done, total):
            self.stdout.write(f"\r{done}/{total} cases", ending="")
            self.stdout.flush()

        run = purge.purge(today=today, progress=progress)
        self.stdout.write("")
        for name, value in sorted(run.counts.items()):
            self.stdout.write(f"  {name}: {value}")
        self.stdout.write(self.style.SUCCESS(f"Purged; logged as {run}."))
