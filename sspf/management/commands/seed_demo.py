"""Demo data: a fictional municipality, Norrby, with its agencies, people and schools."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import demo as accounts_demo
from accounts.demo import DEMO_PASSWORD, USERS
from accounts.models import User
from audit import demo as audit_demo
from cases import demo as cases_demo
from contacts import demo as contacts_demo
from meetings import demo as meetings_demo
from referrals import demo as referrals_demo
from schools import demo as schools_demo
from stats import demo as stats_demo


class Command(BaseCommand):
    help = "Loads the demo municipality and one demo user per role (development and demos only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when users already exist."
        )

    @transaction.atomic
    def handle(self, *args, force=False, if_empty=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password and refuses to run "
                "with DEBUG off. Use --force only on a throwaway demo installation."
            )
        if if_empty and User.objects.exists():
            self.stdout.write("Users exist already; demo data not loaded again.")
        else:
            users = accounts_demo.load()
            schools_demo.load(users)
            cases_demo.load(users)
            contacts_demo.load(users)
            meetings_demo.load(users)
            referrals_demo.load(users)
            audit_demo.load(users)
            stats_demo.load(users)
            self.stdout.write("Demo data loaded.")
        self.stdout.write(self.style.SUCCESS("Demo logins (one password for all):"))
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        for username, _first, _last, role, _org in USERS:
            self.stdout.write(f"  {username:<18} {role}")
