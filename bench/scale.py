"""Scale data for benchmarks: a large fictional municipality, Storby, as the services would have
left it after five years of work (issue #15). `manage.py generate_scale_data --scale S`.

S = 1 is a large municipality; every count is `max(minimum, round(base × S))` (COUNTS), so
S = 0.01 is a small one for tests. The same seed gives the same data: every choice comes from
one `random.Random(seed)`, and "now" is fixed to the start of the run's day.

The rows are what the services write, built in bulk (bulk_create sends no signals, so the
per-row audit and the team-history signals are replaced by rows built here):
- encrypted fields go through the field type (bound to a row key drawn from the seed),
  personnummer through the blind index;
- the guardian grants on cases are `cases.access.wanted_grants` of each team, the school grants
  follow the assignments that have not ended, TeamMembership mirrors every member;
- references come from CaseYearCounter, as `_next_reference` would draw them;
- the audit log holds CREATE entries for what was written, UPDATE entries for closures and
  withdrawals and ACCESS entries for reads, in time order; each entry gets its insert-time MAC
  (`audit.seal.prepare`) and the chain is sealed at the end (`audit.seal.seal_pending`).

Only the users' e-mail domain marks the data as generated (GENERATED_DOMAIN): `existing()` tells
generated data from anything else, which the command refuses to mix with.
"""

import datetime
import itertools
import random
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

from auditlog.context import disable_auditlog
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from accounts.models import Organisation, User
from audit import seal
from audit.models import LogEntry, TeamMembership
from cases import access
from cases.models import (
    Case,
    CaseMember,
    CaseUserObjectPermission,
    CaseYearCounter,
    Category,
    Consent,
    ConsentCategory,
    Disclosure,
    DisclosureCategory,
    Guardian,
    Note,
    PersonName,
    PlanItem,
    RiskFactor,
    YoungPerson,
    category_of,
)
from contacts.models import Contact, Place
from meetings.models import AgendaItem, Attendance, Decision, Level, Meeting
from referrals.models import Referral, ReferralActivity, ReferralEvent
from schools.models import Assignment, School, SchoolUserObjectPermission, SchoolVisit
from sspf import personnummer as pnr

MUNICIPALITY = "Storby"
GENERATED_DOMAIN = "storby.scale.example"
PASSWORD = "Storby-scale-2026"  # published, like the demo's: never on a real installation
YEARS = 5
BATCH = 5000

# What S = 1 holds, and the least any S holds (so that every role and state exists).
COUNTS = {
    "schools": (40, 2),
    "young_people": (10_000, 20),
    "cases": (12_000, 24),
    "notes": (60_000, 60),
    "contacts": (200_000, 200),
    "meetings": (3_000, 10),
    "referrals": (5_000, 14),
    "log_entries": (1_000_000, 1_000),
    "heavy_field_workers": (5, 1),
}
# Users by role at S = 1 (600): many field workers, school staff and social workers, a few
# coordinators, auditors and administrators. At least one of each role at any S.
ROLE_MIX = {
    "coordinator": 12,
    "field_worker": 60,
    "school_police": 40,
    "school_staff": 210,
    "social_worker": 160,
    "leisure_staff": 70,
    "mediator": 15,
    "victim_support": 15,
    "auditor": 5,
    "steering_group": 10,
    "administrator": 3,
}
# The busiest field workers record this share of all contacts (10,000 each at S = 1).
HEAVY_SHARE = 0.25


# Two coordinators at least: one of them works for the leisure administration.
ROLE_LEAST = {"coordinator": 2}


def scaled(name: str, scale: float) -> int:
    base, least = COUNTS[name] if name in COUNTS else (ROLE_MIX[name], ROLE_LEAST.get(name, 1))
    return max(least, round(base * scale))


def counts(scale: float) -> dict[str, int]:
    """The documented size of the data at `scale`."""
    result = {name: scaled(name, scale) for name in COUNTS}
    result.update({role: scaled(role, scale) for role in ROLE_MIX})
    result["users"] = sum(result[role] for role in ROLE_MIX)
    return result


K = Organisation.Kind
SOCIAL = f"Socialtjänsten {MUNICIPALITY}"
POLICE = f"Polisen, lokalpolisområde {MUNICIPALITY}"
LEISURE = f"Fritidsförvaltningen {MUNICIPALITY}"
MEDIATION = f"Medlingsverksamheten {MUNICIPALITY}"
VICTIM_SUPPORT = f"Stödcentrum för unga brottsoffer {MUNICIPALITY}"
AGENCIES = [
    # name, kind, receives mediation referrals, receives victim-support referrals
    (SOCIAL, K.SOCIAL_SERVICES, False, False),
    (POLICE, K.POLICE, False, False),
    (LEISURE, K.LEISURE, False, False),
    (MEDIATION, K.SOCIAL_SERVICES, True, False),
    (VICTIM_SUPPORT, K.SOCIAL_SERVICES, False, True),
]
# The organisation of each role (school staff: a school's own organisation).
ROLE_HOME = {
    "coordinator": SOCIAL,
    "field_worker": SOCIAL,
    "school_police": POLICE,
    "social_worker": SOCIAL,
    "leisure_staff": LEISURE,
    "mediator": MEDIATION,
    "victim_support": VICTIM_SUPPORT,
    "auditor": SOCIAL,
    "steering_group": SOCIAL,
    "administrator": SOCIAL,
}
# Every sixth coordinator (the 2nd, 8th, …) works for the leisure administration: the cases
# they open are leisure's own.
LEISURE_COORDINATOR_EVERY = 6

STEMS = [
    "Ek", "Björk", "Lind", "Gran", "Tall", "Asp", "Al", "Rönn", "Hassel", "Lönn", "Ask", "Alm",
    "Sälg", "Hägg", "En", "Sol", "Sjö", "Berg", "Strand", "Äng",
]  # fmt: skip
ENDINGS = ["backe", "dal", "äng", "höjd", "vik", "lund", "torp", "hage", "ås", "udden"]
AREAS = ["Centrum", "Norra", "Södra", "Östra", "Västra", "Hamnen", "Stensjö", "Ängby", "Torpa"]
GIRLS = [
    "Alva", "Elsa", "Maja", "Ella", "Wilma", "Ebba", "Saga", "Agnes", "Alice", "Olivia", "Astrid",
    "Selma", "Freja", "Signe", "Vera", "Alma", "Stella", "Nora", "Ines", "Leah", "Amira", "Sara",
    "Hanna", "Linnea", "Ida", "Tilde", "Klara", "Meja", "Lova", "Juni", "Yasmin", "Nour",
]  # fmt: skip
BOYS = [
    "Liam", "William", "Noah", "Hugo", "Lucas", "Oliver", "Elias", "Adam", "Alexander", "Leo",
    "Nils", "Oscar", "Vincent", "Theo", "Filip", "Isak", "Ludvig", "Viktor", "Axel", "Elton",
    "Omar", "Ali", "Malte", "Sixten", "Melvin", "Charlie", "Gustav", "Valter", "Olle", "Emil",
]  # fmt: skip
ADULTS = [
    "Anna", "Eva", "Karin", "Maria", "Lena", "Kerstin", "Helena", "Johanna", "Camilla", "Sofia",
    "Per", "Lars", "Mikael", "Johan", "Anders", "Peter", "Thomas", "Fredrik", "Daniel", "Jonas",
    "Fatima", "Ahmed", "Leyla", "Mehmet", "Zeynep", "Dragan", "Jelena", "Tuula", "Pekka", "Sanna",
]  # fmt: skip
FAMILY = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson",
    "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson", "Lindqvist",
    "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lundgren", "Lundqvist", "Mattsson",
    "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Ali", "Mohammed", "Hassan", "Ahmed",
    "Nyström", "Sjöberg", "Holm", "Söderberg", "Wallin", "Hosseini", "Yilmaz", "Novak", "Nguyen",
]  # fmt: skip
PLACES = [
    ("Resecentrum", Place.Kind.STATION), ("Busstationen", Place.Kind.STATION),
    ("Torget", Place.Kind.CENTRE), ("Gallerian", Place.Kind.CENTRE),
    ("Stadsparken", Place.Kind.CENTRE), ("Hamnplan", Place.Kind.OTHER),
    ("Fritidsgården Norra", Place.Kind.YOUTH_CENTRE),
    ("Fritidsgården Hamnen", Place.Kind.YOUTH_CENTRE),
    ("Ungdomens hus", Place.Kind.YOUTH_CENTRE), ("Skolgården", Place.Kind.SCHOOL),
    ("Digitalt", Place.Kind.ONLINE), ("Hembesök", Place.Kind.HOME_VISIT),
]  # fmt: skip
NOTE_TEXTS = [
    "Samtal med {n} om skolgången; frånvaron har minskat.",
    "{n} har setts i en grupp vid resecentrum sent på kvällen.",
    "Kartläggande samtal med familjen genomfört.",
    "Mentor har ringt hem efter frånvaro.",
    "{n} deltar i fotbollen på tisdagar.",
    "Oro för riskkamrater; följs upp på nästa nätverksmöte.",
    "Uppföljning av åtagandeplanen: delvis genomförd.",
]
CONTACT_TEXTS = [
    "Pratade med {n} om skolan och kvällarna.",
    "Bekymringssamtal med {n} och vårdnadshavare.",
    "Mötte {n} på torget; lugnt.",
]
MINUTES = [
    "Läget vid resecentrum: grupper fredag och lördag efter kl 22.",
    "Närvaron har förbättrats; familjen vill ha tätare kontakt med mentorn.",
    "Genomgång av skolbesöken denna termin.",
    "Målen i samverkansöverenskommelsen följs upp.",
]
PURPOSE = "Samordnade insatser kring skolgång och fritid"


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(moment, timezone.get_current_timezone())


@dataclass
class TableTime:
    name: str
    rows: int
    seconds: float


@dataclass
class Existing:
    """What the database holds before a run: generated users and cases, and anything else."""

    generated_users: int
    other_users: int
    other_cases: int
    cases: int

    @property
    def foreign(self) -> bool:
        return bool(self.other_users or self.other_cases)


def existing() -> Existing:
    ours = User.objects.filter(email__endswith=f"@{GENERATED_DOMAIN}")
    return Existing(
        generated_users=ours.count(),
        other_users=User.objects.exclude(pk__in=ours.values("pk")).count(),
        other_cases=Case.objects.exclude(coordinator__in=ours.values("pk")).count(),
        cases=Case.objects.count(),
    )


@contextmanager
def given_times(models):
    """Lets bulk_create keep the times we give instead of auto_now_add's "now": the data
    pretends to have been written over five years."""
    fields = [f for m in models for f in m._meta.concrete_fields if getattr(f, "auto_now_add", 0)]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


class Generator:
    """Builds the municipality in one pass; `run()` returns the time spent per table."""

    def __init__(self, *, scale: float, seed: int = 1, out=None, progress: bool = True):
        self.scale, self.seed = scale, seed
        self.rng = random.Random(seed)  # noqa: S311 (benchmark data, reproducible by design)
        self.n = counts(scale)
        self.out = out
        self.progress = progress
        self.today = timezone.localdate()
        self.now = _aware(datetime.datetime.combine(self.today, datetime.time(0)))
        self.start = self.today - datetime.timedelta(days=365 * YEARS)
        self.times: list[TableTime] = []
        self.events: dict[tuple[int, int], list] = defaultdict(list)  # (year, month) -> entries
        self.ct = {}
        self.recorded_by = {}  # (person, organisation) -> who recorded the name

    # --------------------------------------------------------------------------------------
    # Helpers
    # --------------------------------------------------------------------------------------

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def day_between(self, first: datetime.date, last: datetime.date) -> datetime.date:
        span = (last - first).days
        return first + datetime.timedelta(days=self.rng.randint(0, max(span, 0)))

    def office_moment(self, day: datetime.date) -> datetime.datetime:
        """Mostly office hours on weekdays, sometimes an evening."""
        while day.isoweekday() > 5 and self.rng.random() < 0.9:
            day -= datetime.timedelta(days=1)
        hour = self.rng.choice([8, 9, 9, 10, 10, 11, 13, 13, 14, 14, 15, 16, 19, 21])
        moment = datetime.datetime.combine(day, datetime.time(hour, self.rng.randrange(60)))
        return min(_aware(moment), self.now - datetime.timedelta(seconds=1))

    def field_moment(self, day: datetime.date) -> datetime.datetime:
        """Field work: afternoons, evenings and nights, weekends included."""
        if self.rng.random() < 0.35:  # pull towards Friday and Saturday nights
            day += datetime.timedelta(days=(5 - day.isoweekday()) % 7 + self.rng.randint(0, 1))
        hour = self.rng.choice([14, 15, 16, 17, 18, 19, 20, 20, 21, 21, 22, 22, 23, 23, 0, 1, 2])
        moment = datetime.datetime.combine(day, datetime.time(hour, self.rng.randrange(60)))
        return min(_aware(moment), self.now - datetime.timedelta(seconds=1))

    @contextmanager
    def table(self, name: str, total: int):
        bar = tqdm(total=total, desc=name, unit="rows", disable=not self.progress, leave=False)
        started = time.perf_counter()
        counter = {"rows": 0}

        def advance(rows):
            counter["rows"] += rows
            bar.update(rows)

        try:
            yield advance
        finally:
            bar.close()
        self.report(TableTime(name, counter["rows"], time.perf_counter() - started))

    def report(self, spent: TableTime):
        self.times.append(spent)
        if self.out is not None:
            self.out(f"{spent.name:<28} {spent.rows:>10,} rows {spent.seconds:>8.1f} s")

    def bulk(self, model, objects, advance=None, batch=BATCH):
        for start in range(0, len(objects), batch):
            chunk = objects[start : start + batch]
            model.objects.bulk_create(chunk)
            if advance is not None:
                advance(len(chunk))
        return objects

    def log(self, moment, action, obj, actor, changes=None, extra=None):
        """An audit entry to write later, in time order (CREATE / UPDATE / ACCESS)."""
        model = type(obj)
        if model not in self.ct:
            self.ct[model] = ContentType.objects.get_for_model(model).pk
        self.events[(moment.year, moment.month)].append(
            (moment, action, self.ct[model], obj.pk, str(obj), actor, changes, extra)
        )

    # --------------------------------------------------------------------------------------
    # The run
    # --------------------------------------------------------------------------------------

    def run(self) -> list[TableTime]:
        started = time.perf_counter()
        with disable_auditlog(), given_times(apps.get_models()):
            with transaction.atomic():
                self.organisations_and_users()
                self.schools()
                self.people()
                self.cases()
                self.teams()
                self.guardians_and_consents()
                self.disclosures()
                self.notes_and_plans()
                self.contacts()
                self.meetings()
                self.referrals()
                committing = time.perf_counter()
            # Deferred foreign-key checks run at the commit: worth its own line.
            self.report(TableTime("commit", 0, time.perf_counter() - committing))
            self.audit_log()
        self.times.append(TableTime("total", 0, time.perf_counter() - started))
        if self.out is not None:
            self.out(f"{'total':<28} {'':>15} {self.times[-1].seconds:>8.1f} s")
        return self.times

    # --------------------------------------------------------------------------------------
    # Organisations, users, schools
    # --------------------------------------------------------------------------------------

    def school_names(self) -> list[str]:
        names = [f"{s}{e}skolan" for s in STEMS for e in ENDINGS]
        self.rng.shuffle(names)
        count = self.n["schools"]
        upper = max(1, count // 5)
        gymnasia = [f"{MUNICIPALITY} gymnasium {n + 1}" for n in range(upper)]
        self.school_names_drawn = [f"{n} {MUNICIPALITY}" for n in names[: count - upper]] + gymnasia
        return self.school_names_drawn

    def planned_users(self) -> list[tuple[str, str, str, str, str]]:
        """(username, first name, last name, role, organisation name) of every user: the first
        draws of the seed, so an earlier run's users tell which seed made them."""
        rng = self.rng
        names = self.school_names()
        planned = []
        for role in ROLE_MIX:
            for number in range(1, self.n[role] + 1):
                if role == "school_staff":
                    org = names[(number - 1) % len(names)]
                elif role == "coordinator" and number % LEISURE_COORDINATOR_EVERY == 2:
                    org = LEISURE
                else:
                    org = ROLE_HOME[role]
                username = f"{role.replace('_', '-')}-{number:03d}"
                planned.append((username, rng.choice(ADULTS), rng.choice(FAMILY), role, org))
        return planned

    def organisations_and_users(self):
        planned = self.planned_users()
        names = self.school_names_drawn
        with self.table("organisations", len(AGENCIES) + len(names)) as advance:
            orgs = [
                Organisation(
                    name=name,
                    kind=kind,
                    receives_mediation_referrals=mediation,
                    receives_victim_support_referrals=victim,
                )
                for name, kind, mediation, victim in AGENCIES
            ]
            orgs += [Organisation(name=name, kind=K.SCHOOL) for name in names]
            self.bulk(Organisation, orgs, advance)
        self.org = {o.name: o for o in orgs}
        self.school_orgs = orgs[len(AGENCIES) :]
        self.social, self.police = self.org[SOCIAL], self.org[POLICE]
        self.leisure = self.org[LEISURE]

        password = make_password(PASSWORD)
        groups = {g.name: g for g in Group.objects.all()}
        joined = self.now - datetime.timedelta(days=365 * YEARS + 30)
        users = [
            User(
                username=username,
                first_name=first_name,
                last_name=last_name,
                email=f"{username}@{GENERATED_DOMAIN}",
                organisation=self.org[org],
                password=password,
                is_staff=role == "administrator",
                date_joined=joined,
            )
            for username, first_name, last_name, role, org in planned
        ]
        roles = [role for _u, _f, _l, role, _o in planned]
        with self.table("users", len(users)) as advance:
            self.bulk(User, users, advance)
            Through = User.groups.through
            Through.objects.bulk_create(
                Through(user_id=u.pk, group_id=groups[r].pk)
                for u, r in zip(users, roles, strict=True)
            )
        self.users = users
        self.by_role = defaultdict(list)
        for user, role in zip(users, roles, strict=True):
            self.by_role[role].append(user)
        self.creator = self.by_role["administrator"][0]

    def schools(self):
        rng = self.rng
        L, U = School.Level.LOWER_SECONDARY, School.Level.UPPER_SECONDARY
        with self.table("schools", len(self.school_orgs)) as advance:
            schools = [
                School(
                    organisation=org,
                    name=org.name,
                    level=U if "gymnasium" in org.name else L,
                    area=rng.choice(AREAS),
                )
                for org in self.school_orgs
            ]
            self.bulk(School, schools, advance)
        self.school_list = schools
        self.staff_of = defaultdict(list)  # school organisation -> its staff
        for user in self.by_role["school_staff"]:
            self.staff_of[user.organisation_id].append(user)

        began = self.start - datetime.timedelta(days=30)
        police, fields = self.by_role["school_police"], self.by_role["field_worker"]
        assignments = []
        self.police_of, self.field_of = defaultdict(list), defaultdict(list)
        for n, school in enumerate(schools):
            for k in range(2):  # two contact police officers per school
                officer = police[(2 * n + k) % len(police)]
                assignments.append((school, officer, Assignment.Kind.POLICE_CONTACT))
                self.police_of[school.pk].append(officer)
            worker = fields[n % len(fields)]
            assignments.append((school, worker, Assignment.Kind.FIELD_WORKER))
            self.field_of[school.pk].append(worker)
        rows = []
        for school, user, kind in assignments:
            rows.append(
                Assignment(
                    school=school,
                    user=user,
                    kind=kind,
                    start_date=began,
                    created_by=self.creator,
                    created_at=_aware(datetime.datetime.combine(began, datetime.time(9))),
                )
            )
            if rng.random() < 0.25:  # someone who held the assignment before
                earlier = rng.choice(police if kind == Assignment.Kind.POLICE_CONTACT else fields)
                if earlier != user:
                    first = began - datetime.timedelta(days=rng.randint(200, 700))
                    rows.append(
                        Assignment(
                            school=school,
                            user=earlier,
                            kind=kind,
                            start_date=first,
                            end_date=began,
                            created_by=self.creator,
                            created_at=_aware(datetime.datetime.combine(first, datetime.time(9))),
                        )
                    )
        view_school = Permission.objects.get(
            content_type__app_label="schools", codename="view_school"
        )
        with self.table("assignments and grants", len(rows)) as advance:
            self.bulk(Assignment, rows, advance)
            granted = {(a.user_id, a.school_id) for a in rows if a.end_date is None}
            SchoolUserObjectPermission.objects.bulk_create(
                SchoolUserObjectPermission(user_id=u, content_object_id=s, permission=view_school)
                for u, s in sorted(granted)
            )

        visits = []
        term_start = self.start
        while term_start <= self.today:
            term_end = min(
                datetime.date(term_start.year, 6, 15)
                if term_start.month <= 6
                else datetime.date(term_start.year, 12, 15),
                self.today,
            )
            for school in schools:
                for _visit in range(rng.choice([0, 1, 1, 1, 2])):
                    officer = rng.choice(self.police_of[school.pk])
                    day = self.day_between(term_start, term_end)
                    visits.append(
                        SchoolVisit(
                            school=school,
                            officer=officer,
                            date=day,
                            purpose=rng.choice(SchoolVisit.Purpose.values),
                            note="Samtal med rektor om tryggheten i skolan.",
                            row_key=self.uuid(),
                            created_at=self.office_moment(day),
                        )
                    )
            term_start = (
                datetime.date(term_start.year, 7, 1)
                if term_start.month <= 6
                else datetime.date(term_start.year + 1, 1, 1)
            )
        with self.table("school visits", len(visits)) as advance:
            self.bulk(SchoolVisit, visits, advance)
        for visit in visits:
            self.log(visit.created_at, LogEntry.Action.CREATE, visit, visit.officer)

    # --------------------------------------------------------------------------------------
    # The person register
    # --------------------------------------------------------------------------------------

    def people(self):
        rng = self.rng
        numbers = set()
        people, names = [], []
        G = YoungPerson.Gender
        with self.table("young people", self.n["young_people"]) as advance:
            for _ in range(self.n["young_people"]):
                gender = rng.choices([G.GIRL, G.BOY, G.OTHER, G.NOT_RECORDED], [47, 49, 2, 2])[0]
                age_days = rng.randint(12 * 365, 22 * 365)
                while True:
                    born = self.today - datetime.timedelta(days=age_days)
                    odd = gender == G.BOY or (gender != G.GIRL and rng.random() < 0.5)
                    serial = f"{rng.randrange(0, 100):02d}{rng.choice('13579' if odd else '02468')}"
                    digits = pnr.fictional(born, serial)
                    if digits not in numbers:
                        break
                    age_days += 1
                numbers.add(digits)
                school = rng.choice(self.school_list) if age_days < 19 * 365 else None
                protected = rng.random() < 0.01
                people.append(
                    YoungPerson(
                        row_key=self.uuid(),
                        personnummer=digits,
                        personnummer_index=pnr.blind_index(digits),
                        gender=gender,
                        birth_date=born,
                        school=school,
                        protected_identity=protected,
                        protected_by=self.social if protected else None,
                        created_at=self.office_moment(
                            self.day_between(self.start, self.today - datetime.timedelta(days=30))
                        ),
                    )
                )
                given = rng.choice(
                    GIRLS if gender == G.GIRL else BOYS if gender == G.BOY else GIRLS + BOYS
                )
                names.append((given, rng.choice(FAMILY)))
            self.bulk(YoungPerson, people, advance)
        self.people_list = people
        self.name_of = {p.pk: n for p, n in zip(people, names, strict=True)}

    def recorded_name(self, person, organisation, moment, names, by):
        """The name as `organisation` recorded it (one row per person and organisation)."""
        key = (person.pk, organisation.pk)
        if key not in names:
            given, family = self.name_of[person.pk]
            names[key] = PersonName(
                young_person=person,
                row_key=self.uuid(),
                organisation=organisation,
                given_name=given,
                family_name=family,
                gender=person.gender,
                recorded_at=moment,
            )
            self.recorded_by[key] = by

    # --------------------------------------------------------------------------------------
    # Cases, teams, guardians, consents, disclosures, notes, plans
    # --------------------------------------------------------------------------------------

    def cases(self):
        rng = self.rng
        total = self.n["cases"]
        # Most people have one case; some two (the first closed); some none (contacts only).
        with_case = self.people_list[: min(len(self.people_list), max(1, round(total * 0.75)))]
        subjects = list(with_case) + rng.sample(
            with_case, min(len(with_case), total - len(with_case))
        )
        subjects += [rng.choice(with_case) for _ in range(total - len(subjects))]
        coordinators = self.by_role["coordinator"]
        S, R = Case.Status, Case.ClosureReason
        cases, counters = [], defaultdict(int)
        counters.update(dict(CaseYearCounter.objects.values_list("year", "last")))
        first_case = {}
        plans = []
        for person in subjects:
            turned_11 = access.years_ago(person.birth_date, -11)
            earliest = max(self.start, turned_11, person.created_at.date())
            if person.pk in first_case:  # the second case comes after the first one closed
                earliest = max(earliest, first_case[person.pk] + datetime.timedelta(days=120))
            opened = self.day_between(earliest, self.today - datetime.timedelta(days=1))
            first_case[person.pk] = opened
            plans.append((person, opened))
        plans.sort(key=lambda pair: pair[1])
        for person, opened in plans:
            coordinator = rng.choice(coordinators)
            age_days = (self.today - opened).days
            closed = None
            if age_days > 540 and rng.random() < 0.92 or age_days > 60 and rng.random() < 0.25:
                closed = self.day_between(
                    opened + datetime.timedelta(days=30),
                    min(self.today, opened + datetime.timedelta(days=540)),
                )
                closed = min(closed, self.today)
            if closed is not None:
                status = S.CLOSED
            else:
                status = rng.choices([S.SIGNAL, S.AWAITING_CONSENT, S.ACTIVE], [10, 15, 75])[0]
            counters[opened.year] += 1
            case = Case(
                reference=f"SSPF-{opened.year}-{counters[opened.year]:04d}",
                young_person=person,
                owner_id=coordinator.organisation_id,
                coordinator=coordinator,
                status=status,
                signal_source=rng.choice(Case.Source.values),
                custody=Case.Custody.UNKNOWN,
                school=person.school if rng.random() < 0.9 else None,
                opened_on=opened,
                closed_on=closed,
                closure_reason=rng.choice(R.values) if closed else "",
                created_at=self.office_moment(opened),
            )
            cases.append(case)
        with self.table("cases", len(cases)) as advance:
            self.bulk(Case, cases, advance)
            for year, last in counters.items():
                CaseYearCounter.objects.update_or_create(year=year, defaults={"last": last})
            factors = [
                RiskFactor(case=case, factor=f)
                for case in cases
                for f in rng.sample(RiskFactor.Factor.values, rng.choice([1, 1, 2, 2, 3]))
            ]
            self.bulk(RiskFactor, factors)
        names = {}
        for case in cases:
            owner = self.org_by_id(case.owner_id)
            self.recorded_name(case.young_person, owner, case.created_at, names, case.coordinator)
            self.log(case.created_at, LogEntry.Action.CREATE, case, case.coordinator)
            if case.closed_on:
                moment = self.office_moment(case.closed_on)
                changes = {
                    "status": ["active", "closed"],
                    "closed_on": ["None", case.closed_on.isoformat()],
                }
                self.log(moment, LogEntry.Action.UPDATE, case, case.coordinator, changes)
        self.names = names
        self.case_list = cases

    def org_by_id(self, pk):
        if not hasattr(self, "_org_by_id"):
            self._org_by_id = {o.pk: o for o in self.org.values()}
        return self._org_by_id[pk]

    def closed_or_today(self, case) -> datetime.date:
        return case.closed_on or self.today

    def teams(self):
        rng = self.rng
        social_workers = self.by_role["social_worker"]
        leisure_staff = self.by_role["leisure_staff"]
        fields = self.by_role["field_worker"]
        members, self.team = [], {}
        R = CaseMember.Role
        for case in self.case_list:
            joined = case.created_at
            team = [(case.coordinator, R.COORDINATOR)]
            if rng.random() < 0.9:
                if case.owner_id == self.social.pk:
                    team.append((rng.choice(social_workers), R.CASE_WORKER))
                else:
                    team.append((rng.choice(leisure_staff), R.CASE_WORKER))
            school = case.school
            if school is not None and rng.random() < 0.65:
                staff = self.staff_of[school.organisation_id]
                if staff:
                    team.append((rng.choice(staff), R.MENTOR))
            if rng.random() < 0.55:
                officers = self.police_of[school.pk] if school else self.by_role["school_police"]
                team.append((rng.choice(officers), R.CONTACT))
            if rng.random() < 0.45:
                workers = self.field_of[school.pk] if school else fields
                team.append((rng.choice(workers), R.CONTACT))
            if rng.random() < 0.35:
                team.append((rng.choice(leisure_staff), R.CONTACT))
            seen = set()
            self.team[case.pk] = []
            for user, role in team:
                if user.pk in seen:
                    continue
                seen.add(user.pk)
                member = CaseMember(
                    case=case,
                    user=user,
                    organisation_id=user.organisation_id,
                    role=role,
                    added_at=joined + datetime.timedelta(minutes=len(seen)),
                )
                members.append(member)
                self.team[case.pk].append(member)
        permissions = {
            p.codename: p.pk
            for p in Permission.objects.filter(content_type=ContentType.objects.get_for_model(Case))
        }
        with self.table("case members", len(members)) as advance:
            self.bulk(CaseMember, members, advance)
            self.bulk(
                TeamMembership,
                [
                    TeamMembership(case_id=m.case_id, user_id=m.user_id, joined_at=m.added_at)
                    for m in members
                ],
            )
        grants = []
        for case in self.case_list:
            wanted = access.wanted_grants(case, self.team[case.pk])
            grants += [
                CaseUserObjectPermission(
                    user_id=user_id, permission_id=permissions[codename], content_object_id=case.pk
                )
                for user_id, codename in sorted(wanted)
            ]
        with self.table("case grants", len(grants)) as advance:
            self.bulk(CaseUserObjectPermission, grants, advance)
        for member in members:
            self.log(member.added_at, LogEntry.Action.CREATE, member, member.case.coordinator)
        self.members_of_user = defaultdict(list)
        for member in members:
            self.members_of_user[member.user_id].append(member.case)

    def guardians_and_consents(self):
        rng = self.rng
        guardians, self.guardians_of = [], defaultdict(list)
        C, Rel = Case.Custody, Guardian.Relation
        for case in self.case_list:
            person = case.young_person
            if not access.is_minor(person.birth_date, case.opened_on):
                continue
            custody = rng.choices([C.JOINT, C.SOLE, C.SPECIAL, C.UNKNOWN], [70, 18, 4, 8])[0]
            case.custody = custody
            family = self.name_of[person.pk][1]
            if custody == C.JOINT:
                parents = [(Rel.MOTHER, True), (Rel.FATHER, True)]
            elif custody == C.SOLE:
                parents = [(rng.choice([Rel.MOTHER, Rel.FATHER]), True)]
                if rng.random() < 0.4:
                    parents.append((Rel.OTHER, False))
            elif custody == C.SPECIAL:
                parents = [(Rel.OTHER, True)]
            else:
                parents = [(Rel.MOTHER, True)] if rng.random() < 0.5 else []
            for relation, custodian in parents:
                given = rng.choice(ADULTS)
                guardian = Guardian(
                    case=case,
                    row_key=self.uuid(),
                    name=f"{given} {family}",
                    phone=f"07{rng.randint(0, 9)}-{rng.randint(100, 999)} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)}",
                    relation=relation,
                    has_custody=custodian,
                )
                guardians.append(guardian)
                self.guardians_of[case.pk].append(guardian)
        with self.table("guardians", len(guardians)) as advance:
            self.bulk(Guardian, guardians, advance)
            Case.objects.bulk_update(
                [c for c in self.case_list if c.custody != C.UNKNOWN], ["custody"], batch_size=BATCH
            )
        for guardian in guardians:
            moment = guardian.case.created_at + datetime.timedelta(days=rng.randint(1, 20))
            self.log(
                min(moment, self.now), LogEntry.Action.CREATE, guardian, guardian.case.coordinator
            )

        consents, self.consent_orgs, categories = [], {}, []
        self.shared_with = {}  # case -> organisations the consents name (for invitations)
        for case in self.case_list:
            scenario = self.consent_scenario(case)
            if scenario is None:
                continue
            parties = self.consenting_parties(case)
            if not parties:
                continue
            others = [self.police, self.leisure]
            if case.school is not None:
                others.append(case.school.organisation)
            if case.owner_id != self.social.pk:
                others.append(self.social)
            named = rng.sample(others, rng.randint(1, len(others)))
            cats = sorted(
                {category_of(o) for o in named} | {category_of(self.org_by_id(case.owner_id))}
            )
            if rng.random() < 0.2:
                cats = sorted(set(cats) | {Category.HEALTH})
            self.shared_with[case.pk] = {o.pk for o in named}
            valid_from, valid_until = self.consent_dates(case, scenario)
            for guardian in parties:
                consent = Consent(
                    case=case,
                    row_key=self.uuid(),
                    party=Consent.Party.GUARDIAN if guardian else Consent.Party.YOUNG_PERSON,
                    guardian=guardian,
                    purpose=PURPOSE,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    collected_by=case.coordinator,
                    form_reference=f"Blankett SSPF-1/{case.reference}",
                    created_at=min(self.office_moment(max(valid_from, case.opened_on)), self.now),
                )
                if scenario == "withdrawn" and (guardian is None or rng.random() < 0.6):
                    end = min(valid_until, self.today - datetime.timedelta(days=1))
                    consent.withdrawn_at = self.office_moment(self.day_between(valid_from, end))
                    consent.withdrawn_by = case.coordinator
                    consent.withdrawal_reason = "Vårdnadshavaren vill inte längre medverka."
                consents.append(consent)
                self.consent_orgs[id(consent)] = ({case.owner_id} | {o.pk for o in named}, cats)
        with self.table("consents", len(consents)) as advance:
            self.bulk(Consent, consents, advance)
            Through = Consent.organisations.through
            links, categories = [], []
            for consent in consents:
                orgs, cats = self.consent_orgs[id(consent)]
                links += [Through(consent_id=consent.pk, organisation_id=o) for o in sorted(orgs)]
                categories += [ConsentCategory(consent=consent, category=c) for c in cats]
            self.bulk(Through, links)
            self.bulk(ConsentCategory, categories)
        for consent in consents:
            orgs, cats = self.consent_orgs[id(consent)]
            covers = {"organisations": sorted(orgs), "categories": cats}
            self.log(
                consent.created_at,
                LogEntry.Action.CREATE,
                consent,
                consent.collected_by,
                extra=covers,
            )
            if consent.withdrawn_at:
                self.log(
                    consent.withdrawn_at,
                    LogEntry.Action.UPDATE,
                    consent,
                    consent.withdrawn_by,
                    {
                        "withdrawn_at": ["None", consent.withdrawn_at.isoformat()],
                        "withdrawal_reason": ["", "***"],
                    },
                    extra=covers,
                )
        self.consents = consents

    def consent_scenario(self, case) -> str | None:
        """running, expiring (within 30 days), expired, withdrawn, or None (no consent)."""
        rng = self.rng
        S = Case.Status
        if case.status == S.SIGNAL:
            return None
        if case.status == S.AWAITING_CONSENT:
            return rng.choice([None, None, "expired"])  # a new consent is being collected
        if case.status == S.CLOSED:
            if case.closure_reason == Case.ClosureReason.CONSENT_WITHDRAWN:
                return "withdrawn"
            return rng.choice(["expired", "expired", None])
        return rng.choices(["running", "expiring", "expired", "withdrawn"], [60, 15, 12, 13])[0]

    def consenting_parties(self, case) -> list:
        """The parties the rule requires now: custodians of a minor, the person from 15."""
        person = case.young_person
        parties = []
        if access.is_minor(person.birth_date, self.today):
            parties += [g for g in self.guardians_of[case.pk] if g.has_custody]
        if access.gives_own_consent(person.birth_date, self.today):
            parties.append(None)
        return parties

    def consent_dates(self, case, scenario) -> tuple[datetime.date, datetime.date]:
        rng = self.rng
        from cases.services import consent_longest_until

        today = self.today
        if scenario in ("running", "withdrawn"):
            start = self.day_between(
                max(case.opened_on, today - datetime.timedelta(days=330)), today
            )
            return start, consent_longest_until(start)
        if scenario == "expiring":
            until = today + datetime.timedelta(days=rng.randint(0, 29))
            start = min(
                max(
                    case.opened_on - datetime.timedelta(days=rng.randint(0, 30)),
                    until - datetime.timedelta(days=360),
                ),
                until,
            )
            return start, until
        # expired: ran out before today (before closing for a closed case)
        last = min(case.closed_on or today, today) - datetime.timedelta(days=1)
        start = self.day_between(
            case.opened_on, max(case.opened_on, last - datetime.timedelta(days=30))
        )
        until = min(consent_longest_until(start), last)
        return start, max(until, start)

    def disclosures(self):
        rng = self.rng
        rows, cats = [], []
        candidates = [
            c
            for c in self.case_list
            if c.owner_id == self.social.pk and c.status != Case.Status.SIGNAL
        ]
        for case in rng.sample(
            candidates, min(len(candidates), max(1, round(len(self.case_list) * 0.02)))
        ):
            end = self.closed_or_today(case)
            start = self.day_between(case.opened_on, end)
            basis = (
                Disclosure.Basis.OSL_10_18A if rng.random() < 0.8 else Disclosure.Basis.OSL_10_28
            )
            if access.years_ago(start, 21) >= case.young_person.birth_date:
                basis = Disclosure.Basis.OSL_10_28
            until = start + datetime.timedelta(days=rng.randint(7, 29))
            disclosure = Disclosure(
                case=case,
                row_key=self.uuid(),
                organisation=self.police,
                basis=basis,
                statute="" if basis == Disclosure.Basis.OSL_10_18A else "14 kap. 1 § SoL",
                from_organisation=self.social,
                justification="Risk för fortsatt brottslighet; polisen behöver uppgifterna nu.",
                recorded_by=case.coordinator,
                recorded_at=self.office_moment(start),
                valid_from=start,
                valid_until=until,
            )
            if rng.random() < 0.2 and start < self.today:
                disclosure.ended_at = self.office_moment(
                    self.day_between(start, min(until, self.today))
                )
                disclosure.ended_by = case.coordinator
            rows.append(disclosure)
        with self.table("disclosures", len(rows)) as advance:
            self.bulk(Disclosure, rows, advance)
            for d in rows:
                cats += [
                    DisclosureCategory(disclosure=d, category=c)
                    for c in ("social_services", "health")[: rng.randint(1, 2)]
                ]
            self.bulk(DisclosureCategory, cats)
        for d in rows:
            self.log(d.recorded_at, LogEntry.Action.CREATE, d, d.recorded_by)

    def notes_and_plans(self):
        rng = self.rng
        total = self.n["notes"]
        # More notes in longer cases: draw the case for each note by its length.
        cases = [c for c in self.case_list if self.team[c.pk]]
        weights = [(self.closed_or_today(c) - c.opened_on).days + 30 for c in cases]
        chosen = rng.choices(cases, weights, k=total)
        notes = []
        last_note = {}
        for case in chosen:
            author = rng.choice(self.team[case.pk])
            org = self.org_by_id(author.organisation_id)
            day = self.day_between(case.opened_on, self.closed_or_today(case))
            note = Note(
                case=case,
                row_key=self.uuid(),
                author_id=author.user_id,
                organisation=org,
                category=category_of(org) if rng.random() < 0.9 else rng.choice(Category.values),
                text=rng.choice(NOTE_TEXTS).format(n=self.name_of[case.young_person_id][0]),
                created_at=self.office_moment(day),
            )
            notes.append(note)
        notes.sort(key=lambda n: n.created_at)
        with self.table("notes", len(notes)) as advance:
            # Corrections point at an earlier note of the same author in the same case.
            for note in notes:
                key = (note.case.pk, note.author_id)
                if key in last_note and rng.random() < 0.02:
                    note.corrects = last_note[key]
                last_note[key] = note
            for start in range(0, len(notes), BATCH):  # a correction's note must exist first
                chunk = notes[start : start + BATCH]
                for note in chunk:
                    if note.corrects is not None and note.corrects.pk is None:
                        note.corrects = None
                Note.objects.bulk_create(chunk)
                advance(len(chunk))
        for note in notes:
            self.log(note.created_at, LogEntry.Action.CREATE, note, self.user_by_id(note.author_id))
        self.notes_of = defaultdict(list)
        for note in notes:
            self.notes_of[note.case.pk].append(note)

        items = []
        for case in self.case_list:
            if case.status == Case.Status.SIGNAL or not self.team[case.pk] or rng.random() < 0.5:
                continue
            member = rng.choice(self.team[case.pk])
            org = self.org_by_id(member.organisation_id)
            day = self.day_between(case.opened_on, self.closed_or_today(case))
            items.append(
                PlanItem(
                    case=case,
                    row_key=self.uuid(),
                    author=case.coordinator,
                    organisation=self.org_by_id(case.coordinator.organisation_id),
                    category=category_of(org),
                    goal="Regelbunden närvaro i skolan",
                    action="Mentor ringer hem vid frånvaro samma dag",
                    responsible_organisation=org,
                    responsible_person_id=member.user_id,
                    due_date=day + datetime.timedelta(days=rng.randint(14, 90)),
                    status=PlanItem.Status.DONE
                    if case.closed_on
                    else rng.choice(PlanItem.Status.values),
                    created_at=self.office_moment(day),
                )
            )
        with self.table("plan items", len(items)) as advance:
            self.bulk(PlanItem, items, advance)
        for item in items:
            self.log(item.created_at, LogEntry.Action.CREATE, item, item.author)
        self.plan_items = items
        for person in self.people_list:  # registered through a contact or a referral
            worker = self.rng.choice(self.by_role["field_worker"])
            self.recorded_name(person, self.social, person.created_at, self.names, worker)
        with self.table("person names", len(self.names)) as advance:
            self.bulk(PersonName, list(self.names.values()), advance)
        for name in self.names.values():
            by = self.recorded_by[(name.young_person.pk, name.organisation.pk)]
            self.log(name.recorded_at, LogEntry.Action.CREATE, name, by)

    def user_by_id(self, pk):
        if not hasattr(self, "_user_by_id"):
            self._user_by_id = {u.pk: u for u in self.users}
        return self._user_by_id[pk]

    # --------------------------------------------------------------------------------------
    # Contacts
    # --------------------------------------------------------------------------------------

    def contacts(self):
        rng = self.rng
        places = [Place(name=f"{name} ({MUNICIPALITY})", kind=kind) for name, kind in PLACES]
        self.bulk(Place, places)
        total = self.n["contacts"]
        workers = self.by_role["field_worker"]
        heavy = workers[: min(len(workers), self.n["heavy_field_workers"])]
        heavy_total = round(total * HEAVY_SHARE) if len(heavy) < len(workers) else 0
        plan = [heavy[i % len(heavy)] for i in range(heavy_total)]
        rest = workers[len(heavy) :] or workers
        plan += [rest[i % len(rest)] for i in range(total - heavy_total)]
        rng.shuffle(plan)
        themes = Contact.Theme.values
        contacts, co_workers = [], []
        span = (self.today - self.start).days
        for worker in plan:
            day = self.start + datetime.timedelta(days=rng.randrange(span))
            moment = self.field_moment(day)
            contact = Contact(
                client_token=self.uuid(),
                row_key=self.uuid(),
                occurred_at=moment,
                created_at=moment + datetime.timedelta(minutes=rng.randint(5, 600)),
                place=rng.choice(places),
                kind=Contact.Kind.STREET,
                recorded_by=worker,
                organisation_id=worker.organisation_id,
                category=category_of(self.social),
            )
            contact.created_at = min(contact.created_at, self.now)
            if rng.random() < 0.3:
                self.named_contact(contact, worker, moment.date())
            else:
                contact.girls, contact.boys = rng.randrange(0, 5), rng.randrange(0, 6)
                contact.others, contact.not_recorded = rng.randrange(0, 2), rng.randrange(0, 2)
                if contact.head_count == 0:
                    contact.boys = 1
                contact.age_band = rng.choice(Contact.AgeBand.values)
                contact.themes = sorted(rng.sample(themes, rng.randrange(0, 3)))
            if contact.place.kind == Place.Kind.SCHOOL:
                contact.kind = Contact.Kind.SCHOOL
                contact.school = rng.choice(self.school_list)
            contacts.append(contact)
        contacts.sort(key=lambda c: c.occurred_at)
        with self.table("contacts", len(contacts)) as advance:
            self.bulk(Contact, contacts, advance)
            Through = Contact.co_workers.through
            for contact in contacts:
                if rng.random() < 0.2 and len(workers) > 1:
                    other = rng.choice(workers)
                    if other.pk != contact.recorded_by_id:
                        co_workers.append(Through(contact_id=contact.pk, user_id=other.pk))
            self.bulk(Through, co_workers)
        for contact in contacts:
            self.log(contact.created_at, LogEntry.Action.CREATE, contact, contact.recorded_by)
        self.contact_list = contacts

    def named_contact(self, contact, worker, day):
        """A named contact: a young person of the worker's own open cases (linked to the case,
        as the service allows only then), otherwise someone met in the field."""
        rng = self.rng
        cases = self.members_of_user.get(worker.pk, [])
        case = rng.choice(cases) if cases else None
        if (
            case is not None
            and case.owner_id == worker.organisation_id
            and case.opened_on <= day <= self.closed_or_today(case)
        ):
            contact.case, contact.young_person = case, case.young_person
        else:
            contact.young_person = rng.choice(self.people_list)
        contact.kind = rng.choice(
            [Contact.Kind.CONCERN_TALK, Contact.Kind.STREET, Contact.Kind.PHONE]
        )
        contact.note = rng.choice(CONTACT_TEXTS).format(n=self.name_of[contact.young_person.pk][0])

    # --------------------------------------------------------------------------------------
    # Meetings
    # --------------------------------------------------------------------------------------

    def meetings(self):
        rng = self.rng
        total = self.n["meetings"]
        coordinators = self.by_role["coordinator"]
        open_cases = [c for c in self.case_list if c.status == Case.Status.ACTIVE]
        meetings, invited, items, decisions, school_links = [], [], [], [], []
        future = self.today + datetime.timedelta(days=60)
        for _ in range(total):
            level = rng.choices([Level.NETWORK, Level.OPERATIONAL, Level.STEERING], [70, 25, 5])[0]
            if level == Level.NETWORK and not open_cases:
                level = Level.OPERATIONAL
            case = None
            if level == Level.NETWORK:
                case = rng.choice(open_cases)
                day = self.day_between(case.opened_on, future)
                convener = case.coordinator
            else:
                day = self.day_between(self.start, future)
                convener = rng.choice(coordinators)
            while day.isoweekday() > 5:
                day -= datetime.timedelta(days=1)
            held = day < self.today
            status = Meeting.Status.HELD if held else Meeting.Status.PLANNED
            if held and rng.random() < 0.05:
                status = Meeting.Status.CANCELLED
            start = rng.choice([8, 9, 10, 13, 14, 15])
            meeting = Meeting(
                level=level,
                date=day,
                starts_at=datetime.time(start),
                ends_at=datetime.time(start + 1, 30),
                place=rng.choice(
                    ["Stadshuset", "Polisstationen, rum 2", "Socialtjänsten", "Skolan"]
                ),
                area=rng.choice(AREAS) if level == Level.OPERATIONAL else "",
                case=case,
                convened_by=convener,
                status=status,
                young_person_present=level == Level.NETWORK and held and rng.random() < 0.5,
                created_at=self.office_moment(max(self.start, day - datetime.timedelta(days=21))),
            )
            meetings.append(meeting)
        with self.table("meetings", len(meetings)) as advance:
            self.bulk(Meeting, meetings, advance)
        for meeting in meetings:
            self.log(meeting.created_at, LogEntry.Action.CREATE, meeting, meeting.convened_by)
            held = meeting.status == Meeting.Status.HELD
            if meeting.case is not None:
                case = meeting.case
                allowed = {case.owner_id} | self.shared_with.get(case.pk, set())
                people = [
                    self.user_by_id(m.user_id)
                    for m in self.team[case.pk]
                    if m.organisation_id in allowed and m.user_id != meeting.convened_by_id
                ]
                org = self.org_by_id(meeting.convened_by.organisation_id)
                category = category_of(org)
            else:
                pool = (
                    self.by_role["school_police"]
                    + self.by_role["field_worker"]
                    + self.by_role["leisure_staff"]
                    + self.by_role["social_worker"]
                )
                people = rng.sample(pool, min(len(pool), rng.randint(3, 6)))
                if meeting.level == Level.STEERING:
                    people = rng.sample(
                        self.by_role["steering_group"], min(3, len(self.by_role["steering_group"]))
                    )
                org, category = self.org_by_id(meeting.convened_by.organisation_id), None
                category = category_of(org)
                if meeting.level == Level.OPERATIONAL:
                    for school in rng.sample(
                        self.school_list, min(len(self.school_list), rng.randint(1, 3))
                    ):
                        school_links.append((meeting.pk, school.pk))
            for person in [meeting.convened_by, *people]:
                response = (
                    Attendance.Response.ACCEPTED
                    if rng.random() < 0.8
                    else Attendance.Response.DECLINED
                )
                if not held and rng.random() < 0.5:
                    response = Attendance.Response.INVITED
                presence = ""
                if held:
                    presence = (
                        Attendance.Presence.PRESENT
                        if response == Attendance.Response.ACCEPTED
                        else rng.choice([Attendance.Presence.ABSENT, Attendance.Presence.EXCUSED])
                    )
                invited.append(
                    Attendance(
                        meeting=meeting,
                        user=person,
                        organisation_id=person.organisation_id,
                        response=response,
                        presence=presence,
                        invited_at=meeting.created_at,
                    )
                )
            for order in range(1, rng.randint(1, 3) + 1):
                item = AgendaItem(
                    meeting=meeting,
                    level=meeting.level,
                    order=order,
                    row_key=self.uuid(),
                    topic=rng.choice(
                        [
                            "Skolgång och närvaro",
                            "Fritid och kvällar",
                            "Läget vid resecentrum",
                            "Uppföljning",
                        ]
                    ),
                    case=meeting.case,
                    organisation=org,
                    category=category,
                    created_at=meeting.created_at,
                )
                if held:
                    item.minutes = rng.choice(MINUTES)
                    item.minutes_by = meeting.convened_by
                    item.minutes_at = _aware(
                        datetime.datetime.combine(meeting.date, meeting.ends_at)
                    )
                items.append(item)
        with self.table("invitations", len(invited)) as advance:
            self.bulk(Attendance, invited, advance)
            Through = Meeting.schools.through
            self.bulk(Through, [Through(meeting_id=m, school_id=s) for m, s in school_links])
        with self.table("agenda items and minutes", len(items)) as advance:
            self.bulk(AgendaItem, items, advance)
            for item in items:
                if item.minutes_at and item.case_id is None and rng.random() < 0.5:
                    decisions.append(
                        Decision(
                            agenda_item=item,
                            row_key=self.uuid(),
                            text="Fältarna och polisen går gemensamt fredagar kl 21–01.",
                            decided_by=item.minutes_by,
                            created_at=item.minutes_at,
                        )
                    )
            self.bulk(Decision, decisions)
        for attendance in invited:
            self.log(
                attendance.invited_at,
                LogEntry.Action.CREATE,
                attendance,
                attendance.meeting.convened_by,
            )
        for item in items:
            self.log(item.created_at, LogEntry.Action.CREATE, item, item.meeting.convened_by)
            if item.minutes_at:
                self.log(
                    min(item.minutes_at, self.now),
                    LogEntry.Action.UPDATE,
                    item,
                    item.minutes_by,
                    {"minutes": ["", "***"]},
                )
        self.meeting_list = meetings

    # --------------------------------------------------------------------------------------
    # Referrals
    # --------------------------------------------------------------------------------------

    PATHS = {
        "draft": [],
        "sent": ["sent"],
        "accepted": ["sent", "accepted"],
        "declined": ["sent", "declined"],
        "in_progress": ["sent", "accepted", "in_progress"],
        "completed": ["sent", "accepted", "in_progress", "completed"],
        "withdrawn": ["sent", "accepted", "withdrawn"],
    }

    def referrals(self):
        rng = self.rng
        S = Referral.Status
        receivers = {"mediation": self.org[MEDIATION], "victim_support": self.org[VICTIM_SUPPORT]}
        handlers = {
            "mediation": self.by_role["mediator"],
            "victim_support": self.by_role["victim_support"],
        }
        senders = (
            self.by_role["school_police"] * 5
            + self.by_role["social_worker"] * 3
            + self.by_role["coordinator"]
            + self.by_role["field_worker"]
        )
        referrals, plans = [], []
        span = (self.today - self.start).days
        for _ in range(self.n["referrals"]):
            kind = rng.choice(["mediation", "victim_support"])
            status = rng.choices(list(self.PATHS), [3, 8, 10, 6, 15, 50, 8])[0]
            case = None
            if rng.random() < 0.2:
                case = rng.choice(self.case_list)
                sender, person = case.coordinator, case.young_person
                created = self.office_moment(
                    self.day_between(case.opened_on, self.closed_or_today(case))
                )
            else:
                sender, person = rng.choice(senders), rng.choice(self.people_list)
                created = self.office_moment(
                    self.start + datetime.timedelta(days=rng.randrange(span))
                )
            handler = rng.choice(handlers[kind])
            mediation = kind == "mediation"
            given, family = self.name_of[person.pk]
            steps = self.PATHS[status]
            moments, moment = [], created
            for _step in steps:
                moment = min(
                    moment + datetime.timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 5)),
                    self.now,
                )
                moments.append(moment)
            sent_at = moments[0] if steps else None
            completed = status == S.COMPLETED
            closed_on = moments[-1].date() if status in (S.COMPLETED, S.DECLINED) else None
            referral = Referral(
                kind=kind,
                status=status,
                row_key=self.uuid(),
                organisation_id=sender.organisation_id,
                category=category_of(self.org_by_id(sender.organisation_id)),
                created_by=sender,
                receiver=receivers[kind],
                young_person=person,
                case=case,
                contact_name=f"{given} {family}",
                contact_details="070-123 45 67 (vårdnadshavare)",
                note="Överlämnas efter samtal med familjen.",
                police_report_number=f"5000-K{rng.randint(1000, 99999)}-{created:%y}"
                if mediation
                else "",
                offence_date=created.date() - datetime.timedelta(days=rng.randint(1, 60)),
                offence_category=rng.choice(Referral.OffenceCategory.values),
                admitted=mediation,
                victim_name="Kiosken på torget" if mediation else "",
                victim_agreed_to_contact=not mediation,
                custodian_agreed_to_contact=not mediation,
                created_at=created,
                sent_at=sent_at,
                answered_at=moments[1] if len(moments) > 1 else None,
                withdrawn_at=moments[-1] if status == S.WITHDRAWN else None,
                outcome=rng.choice(
                    ["agreement", "no_agreement"]
                    if mediation
                    else ["support_given", "support_declined"]
                )
                if completed
                else "",
                agreement_type="apology" if completed and mediation else "",
                prosecutor_informed_on=closed_on if completed and mediation else None,
                closed_on=closed_on,
            )
            referrals.append(referral)
            plans.append((referral, sender, handler, steps, moments))
        referrals.sort(key=lambda r: r.created_at)
        events, activities = [], []
        with self.table("referrals", len(referrals)) as advance:
            self.bulk(Referral, referrals, advance)
            for referral, sender, handler, steps, moments in plans:
                events.append(
                    ReferralEvent(
                        referral=referral,
                        row_key=self.uuid(),
                        actor=sender,
                        organisation_id=sender.organisation_id,
                        at=referral.created_at,
                        to_status="draft",
                    )
                )
                before = "draft"
                for step, moment in zip(steps, moments, strict=True):
                    actor = sender if step in ("sent", "withdrawn") else handler
                    events.append(
                        ReferralEvent(
                            referral=referral,
                            row_key=self.uuid(),
                            actor=actor,
                            organisation_id=actor.organisation_id,
                            at=moment,
                            from_status=before,
                            to_status=step,
                            reason="Målsäganden vill inte längre medverka."
                            if step in ("declined", "withdrawn")
                            else "",
                        )
                    )
                    before = step
                if referral.status in ("in_progress", "completed"):
                    kinds = (
                        ["pre_meeting", "mediation_meeting"]
                        if referral.is_mediation
                        else ["support_contact", "parent_support"]
                    )
                    for activity in kinds:
                        activities.append(
                            ReferralActivity(
                                referral=referral,
                                row_key=self.uuid(),
                                kind=activity,
                                date=moments[-1].date(),
                                note="Samtal genomfört.",
                                recorded_by=handler,
                                created_at=moments[-1],
                            )
                        )
            self.bulk(ReferralEvent, events)
            self.bulk(ReferralActivity, activities)
        for referral, sender, *_rest in plans:
            self.log(referral.created_at, LogEntry.Action.CREATE, referral, sender)
        for event in events:
            self.log(event.at, LogEntry.Action.CREATE, event, event.actor)
        self.referral_list = referrals

    # --------------------------------------------------------------------------------------
    # The audit log
    # --------------------------------------------------------------------------------------

    def reads(self, budget: int):
        """ACCESS entries: team members opening their cases and the young person's record,
        field workers their contacts, now and then a refused attempt."""
        rng = self.rng
        cases = [c for c in self.case_list if self.team[c.pk]]
        weights = [(self.closed_or_today(c) - c.opened_on).days + 30 for c in cases]
        cumulative = list(itertools.accumulate(weights))
        made = 0
        while made < budget:
            case = rng.choices(cases, cum_weights=cumulative)[0]
            member = rng.choice(self.team[case.pk])
            actor = self.user_by_id(member.user_id)
            day = self.day_between(case.opened_on, self.closed_or_today(case))
            moment = self.office_moment(day)
            shown = [n.pk for n in self.notes_of.get(case.pk, []) if n.created_at <= moment][-10:]
            self.log(
                moment,
                LogEntry.Action.ACCESS,
                case,
                actor,
                extra={"notes": shown} if shown else None,
            )
            made += 1
            if made < budget and rng.random() < 0.4:
                self.log(
                    moment + datetime.timedelta(seconds=40),
                    LogEntry.Action.ACCESS,
                    case.young_person,
                    actor,
                )
                made += 1
            if made < budget and rng.random() < 0.01:  # someone probing a case not theirs
                outsider = rng.choice(self.users)
                self.log(
                    moment + datetime.timedelta(minutes=3),
                    LogEntry.Action.ACCESS,
                    case,
                    outsider,
                    extra={"denied": True},
                )
                made += 1
            if made < budget and rng.random() < 0.05 and self.contact_list:
                contact = rng.choice(self.contact_list)
                self.log(
                    contact.created_at + datetime.timedelta(days=rng.randint(0, 30)),
                    LogEntry.Action.ACCESS,
                    contact,
                    contact.recorded_by,
                )
                made += 1

    def audit_log(self):
        budget = self.n["log_entries"]
        written = sum(len(v) for v in self.events.values())
        if written > budget:  # a tiny S: keep a sample of the writes, in time order
            keep = set(self.rng.sample(range(written), budget))
            index = 0
            for key in sorted(self.events):
                kept = []
                for event in self.events[key]:
                    if index in keep:
                        kept.append(event)
                    index += 1
                self.events[key] = kept
        else:
            self.reads(budget - written)
        addresses = {
            u.pk: f"10.20.{n // 250 % 250}.{n % 250 + 1}" for n, u in enumerate(self.users)
        }
        with self.table("audit log", budget) as advance:
            for key in sorted(self.events):
                events = sorted(self.events.pop(key), key=lambda e: e[0])
                entries = []
                for moment, action, ct, pk, repr_, actor, changes, extra in events:
                    moment = min(moment, self.now - datetime.timedelta(seconds=1))
                    if changes is None and action == LogEntry.Action.CREATE:
                        changes = {"id": ["None", str(pk)]}
                    entry = LogEntry(
                        content_type_id=ct,
                        object_pk=str(pk),
                        object_id=pk,
                        object_repr=repr_,
                        action=action,
                        changes=changes,
                        changes_text="",
                        actor=actor,
                        actor_email=actor.email,
                        remote_addr=addresses[actor.pk],
                        cid=self.uuid().hex,
                        timestamp=moment,
                        additional_data=extra,
                    )
                    seal.prepare(entry)
                    entries.append(entry)
                with transaction.atomic():
                    self.bulk(LogEntry, entries, advance)
        with self.table("audit seal chain", budget) as advance:
            advance(seal.seal_pending(batch_size=BATCH))
