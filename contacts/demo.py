"""Demo places and a year of field-worker contacts, mostly anonymous groups on evenings and
weekends, so that the overview has something to show. Written in bulk (no audit entries)."""

import datetime
import random
import uuid

from django.utils import timezone

from accounts.models import User
from cases.models import Case, category_of
from contacts.models import Contact, Place

PLACES = [
    ("Resecentrum", Place.Kind.STATION),
    ("Torget", Place.Kind.CENTRE),
    ("Fritidsgården Norrby", Place.Kind.YOUTH_CENTRE),
    ("Ekbackeskolan", Place.Kind.SCHOOL),
    ("Digitalt", Place.Kind.ONLINE),
    ("Hembesök", Place.Kind.HOME_VISIT),
]
THEMES = list(Contact.Theme.values)


def load(users: dict[str, User], today: datetime.date | None = None, count: int = 400) -> None:
    if Contact.objects.exists():
        return
    today = today or timezone.localdate()
    rng = random.Random(2026)  # noqa: S311 (demo data, the same every time)
    places = [Place.objects.get_or_create(name=n, defaults={"kind": k})[0] for n, k in PLACES]
    workers = [users["faltare"], users["faltare2"]]
    shared = Case.objects.filter(members__user=users["faltare"]).first()
    tz = timezone.get_current_timezone()
    contacts = []
    for n in range(count):
        day = today - datetime.timedelta(days=rng.randrange(0, 365))
        hour = rng.choice([15, 17, 19, 20, 21, 22, 23, 0, 1])
        occurred = datetime.datetime.combine(day, datetime.time(hour, rng.randrange(60)), tz)
        if occurred > timezone.now():
            occurred -= datetime.timedelta(days=1)
        worker = workers[n % 2]
        contact = Contact(
            client_token=uuid.uuid4(),
            occurred_at=occurred,
            place=rng.choice(places[:4]),
            kind=Contact.Kind.STREET,
            recorded_by=worker,
            organisation=worker.organisation,
            category=category_of(worker.organisation),
        )
        if shared is not None and n % 25 == 0:
            contact.case, contact.young_person = shared, shared.young_person
            contact.kind = Contact.Kind.CONCERN_TALK
            contact.note = "Pratade om skolan och kvällarna."
        else:
            contact.girls, contact.boys = rng.randrange(0, 5), rng.randrange(0, 6)
            contact.others, contact.not_recorded = rng.randrange(0, 2), rng.randrange(0, 2)
            if contact.head_count == 0:
                contact.boys = 1
            contact.age_band = rng.choice(Contact.AgeBand.values)
            contact.themes = sorted(set(rng.sample(THEMES, rng.randrange(0, 3))))
        contacts.append(contact)
    Contact.objects.bulk_create(contacts)
