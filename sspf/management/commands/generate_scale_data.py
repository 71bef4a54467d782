"""`manage.py generate_scale_data --scale S [--seed N]`: a large fictional municipality for
benchmarks (bench/scale.py says what it holds and how it is built).

It refuses a database that holds anything but its own earlier output: the data has a published
password and fictional people, and must never mix with real cases. `--force-demo-database`
lets it add to a demo or development database, only with DEBUG on or SSPF_ALLOW_SCALE_DATA=1.
Its own earlier output is never generated twice (the append-only audit log cannot be undone):
the same scale and seed is reported as done, anything else refused.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.models import User
from bench import scale as scale_data
from sspf.env import envbool


class Command(BaseCommand):
    help = "Fills an empty database with benchmark data: S = 1 is a large municipality."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, required=True, help="1 = a large municipality; 0.01 for tests"
        )
        parser.add_argument("--seed", type=int, default=1, help="the same seed, the same data")
        parser.add_argument(
            "--force-demo-database",
            action="store_true",
            help="add to a database that holds other (demo) data; needs DEBUG on or "
            "SSPF_ALLOW_SCALE_DATA=1",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, scale, seed, force_demo_database, no_progress, **options):
        if not 0 < scale <= 10:
            raise CommandError("--scale must be above 0 and at most 10.")
        found = scale_data.existing()
        if found.generated_users:
            self.earlier_output(scale, seed, found)
            return
        if found.foreign:
            self.refuse_foreign(found, force_demo_database)
        database = connection.settings_dict["NAME"]
        sizes = scale_data.counts(scale)
        self.stdout.write(
            f"Generating scale data S={scale:g}, seed {seed} into {connection.vendor} "
            f"database {database}: {sizes['users']:,} users, {sizes['cases']:,} cases, "
            f"{sizes['contacts']:,} contacts, {sizes['log_entries']:,} log entries."
        )
        generator = scale_data.Generator(
            scale=scale, seed=seed, out=self.stdout.write, progress=not no_progress
        )
        generator.run()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
                self.stdout.write(f"Database size: {cursor.fetchone()[0]}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data generated. Every user's password is {scale_data.PASSWORD!r} "
                f"(users: coordinator-001, field-worker-001, auditor-001, …)."
            )
        )

    def refuse_foreign(self, found, forced):
        what = f"{found.other_users} users and {found.other_cases} cases"
        if not forced:
            raise CommandError(
                f"Refused: this database holds data that the generator did not make ({what}). "
                "Scale data has a published password and fictional people, and must never be "
                "mixed with real cases. Generate it into an empty, migrated database. On a demo "
                "or development database, --force-demo-database adds to it (with DEBUG on or "
                "SSPF_ALLOW_SCALE_DATA=1)."
            )
        if not (settings.DEBUG or envbool("SSPF_ALLOW_SCALE_DATA", False)):
            raise CommandError(
                f"Refused: this database holds other data ({what}), and --force-demo-database "
                "works only with DEBUG on or SSPF_ALLOW_SCALE_DATA=1 in the environment, so that "
                "it can never run against production by mistake."
            )

    def earlier_output(self, scale, seed, found):
        """Done already, or refused: the log it wrote is append-only and cannot be replaced."""
        planned = scale_data.Generator(scale=scale, seed=seed, progress=False).planned_users()
        stored = set(
            User.objects.filter(email__endswith=f"@{scale_data.GENERATED_DOMAIN}").values_list(
                "username", "first_name", "last_name"
            )
        )
        if stored == {(u, f, last) for u, f, last, _r, _o in planned} and not found.foreign:
            self.stdout.write(
                f"This database already holds the scale data of S={scale:g}, seed {seed}: "
                "nothing to do."
            )
            return
        raise CommandError(
            f"Refused: this database already holds scale data of another scale or seed "
            f"({found.generated_users} generated users, {found.cases} cases). Its audit log is "
            "append-only, so it cannot be replaced: drop the database, create and migrate it "
            "again, and generate anew."
        )
