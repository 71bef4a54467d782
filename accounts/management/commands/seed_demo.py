"""Demo data: a fictional municipality, Norrby, with its agencies and one user per role."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Organisation, User

DEMO_PASSWORD = "Norrby-demo-2026"

K = Organisation.Kind
ORGANISATIONS = [
    # name, kind, receives mediation referrals, receives victim-support referrals
    ("Ekbackeskolan", K.SCHOOL, False, False),
    ("Lindängsskolan", K.SCHOOL, False, False),
    ("Norrby gymnasium", K.SCHOOL, False, False),
    ("Socialtjänsten Norrby", K.SOCIAL_SERVICES, False, False),
    ("Polisen, lokalpolisområde Norrby", K.POLICE, False, False),
    ("Fritidsförvaltningen Norrby", K.LEISURE, False, False),
    ("Medlingsverksamheten Norrby", K.SOCIAL_SERVICES, True, False),
    ("Stödcentrum för unga brottsoffer Norrby", K.SOCIAL_SERVICES, False, True),
]

# username, first name, last name, role, organisation
USERS = [
    ("samordnare", "Sara", "Samordnare", "coordinator", "Socialtjänsten Norrby"),
    ("faltare", "Fredrik", "Fältare", "field_worker", "Socialtjänsten Norrby"),
    ("kontaktpolis", "Karin", "Polis", "school_police", "Polisen, lokalpolisområde Norrby"),
    ("skolpersonal", "Sven", "Kurator", "school_staff", "Ekbackeskolan"),
    ("socialsekreterare", "Sofia", "Sekreterare", "social_worker", "Socialtjänsten Norrby"),
    ("fritidsledare", "Filip", "Fritid", "leisure_staff", "Fritidsförvaltningen Norrby"),
    ("medlare", "Maja", "Medlare", "mediator", "Medlingsverksamheten Norrby"),
    ("stodcentrum", "Stina", "Stöd", "victim_support", "Stödcentrum för unga brottsoffer Norrby"),
    ("granskare", "Gustav", "Granskare", "auditor", "Socialtjänsten Norrby"),
    ("admin", "Anna", "Admin", "administrator", "Socialtjänsten Norrby"),
]


class Command(BaseCommand):
    help = "Loads demo organisations and one demo user per role (development and demos only)."

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
            self._load()
        self.stdout.write(self.style.SUCCESS("Demo logins (one password for all):"))
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        for username, _first, _last, role, _org in USERS:
            self.stdout.write(f"  {username:<18} {role}")

    def _load(self):
        organisations = {}
        for name, kind, mediation, victim_support in ORGANISATIONS:
            organisations[name], _ = Organisation.objects.update_or_create(
                name=name,
                defaults={
                    "kind": kind,
                    "receives_mediation_referrals": mediation,
                    "receives_victim_support_referrals": victim_support,
                },
            )
        groups = {group.name: group for group in Group.objects.all()}
        for username, first_name, last_name, role, organisation in USERS:
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": f"{username}@norrby.example",
                    "organisation": organisations[organisation],
                    "is_staff": role == "administrator",
                },
            )
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.set([groups[role]])
        self.stdout.write("Demo data loaded.")
