"""Demo schools, assignments and visits, dated from today so that coverage shows real gaps."""

import datetime

from django.utils import timezone

from accounts.models import Organisation, User
from schools.models import Assignment, School, SchoolVisit
from schools.services import sync_grants
from schools.terms import Term

L, U = School.Level.LOWER_SECONDARY, School.Level.UPPER_SECONDARY
POLICE, FIELD = Assignment.Kind.POLICE_CONTACT, Assignment.Kind.FIELD_WORKER

# name, level, area, police contacts, field workers, terms visited (0 = this term, 1 = last...)
SCHOOLS = [
    ("Ekbackeskolan", L, "Centrum", ["kontaktpolis", "kontaktpolis2"], ["faltare"], [0, 1, 2, 3]),
    ("Lindängsskolan", L, "Lindängen", ["kontaktpolis", "kontaktpolis3"], ["faltare"], [1, 2, 3]),
    (
        "Norrby gymnasium",
        U,
        "Centrum",
        ["kontaktpolis2", "kontaktpolis3"],
        ["faltare2"],
        [0, 1, 2, 3],
    ),
    ("Björkskolan", L, "Norra", ["kontaktpolis2"], ["faltare2"], [0, 2]),
    ("Hagaskolan", L, "Hagalund", ["kontaktpolis3"], [], [1]),
    ("Stensjöskolan", L, "Stensjö", [], [], []),
    (
        "Norrby tekniska gymnasium",
        U,
        "Norra",
        ["kontaktpolis", "kontaktpolis3"],
        ["faltare"],
        [0, 2],
    ),
]
PURPOSES = list(SchoolVisit.Purpose.values)


def load(users: dict[str, User], today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    terms = Term.of(today).last(4)[::-1]  # this term first
    began = today - datetime.timedelta(days=730)
    for name, level, area, police, field_workers, visited in SCHOOLS:
        school, _ = School.objects.update_or_create(
            name=name,
            defaults={
                "organisation": Organisation.objects.get(name=name),
                "level": level,
                "area": area,
            },
        )
        for kind, usernames in ((POLICE, police), (FIELD, field_workers)):
            for username in usernames:
                Assignment.objects.get_or_create(
                    school=school,
                    user=users[username],
                    kind=kind,
                    defaults={"start_date": began},
                )
        for index in visited:
            term = terms[index]
            day = min(term.start + datetime.timedelta(days=30), today)
            officer = users[police[index % len(police)]] if police else users["kontaktpolis"]
            SchoolVisit.objects.get_or_create(
                school=school,
                date=day,
                officer=officer,
                defaults={
                    "purpose": PURPOSES[index % len(PURPOSES)],
                    "note": "Samtal med rektor om trygghet i skolan.",
                },
            )
    # History: Karin Polis used to be a contact at Hagaskolan; that ended last month.
    hagaskolan = School.objects.get(name="Hagaskolan")
    Assignment.objects.get_or_create(
        school=hagaskolan,
        user=users["kontaktpolis"],
        kind=POLICE,
        defaults={"start_date": began, "end_date": today - datetime.timedelta(days=30)},
    )
    for assignment in Assignment.objects.select_related("user", "school"):
        sync_grants(user=assignment.user, school=assignment.school, today=today)
