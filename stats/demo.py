"""Demo statistics: the agreement's two example targets with values for the last two years,
and a year of anonymous group contacts before the contacts demo's, so that the gender view
has two full years to compare."""

import datetime
import random
import uuid
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from cases.models import category_of
from contacts.models import Contact, Place
from stats.models import Target, TargetValue

TARGETS = [
    # name, baseline year, baseline value, yearly change %, direction, values two years back
    ("Brott av unga 15–18 år", 2011, Decimal(181), Decimal(-5), "decrease", (78, 71)),
    (
        "Beslag av alkohol från unga under 18 år",
        2011,
        Decimal(220),
        Decimal(10),
        "increase",
        (560, 640),
    ),
]


def load(users: dict[str, User], today: datetime.date | None = None) -> None:
    if Target.objects.exists():
        return
    today = today or timezone.localdate()
    coordinator = users["samordnare"]
    for name, year, value, change, direction, actuals in TARGETS:
        target = Target.objects.create(
            name=name,
            baseline_year=year,
            baseline_value=value,
            yearly_change=change,
            direction=direction,
        )
        for back, actual in zip((2, 1), actuals, strict=True):
            TargetValue.objects.create(
                target=target,
                year=today.year - back,
                value=actual,
                source="Polisens verksamhetsstatistik" if direction == "decrease" else "Tullverket",
                entered_on=datetime.date(today.year - back + 1, 2, 1),
                entered_by=coordinator,
            )
    _earlier_year_of_contacts(users, today)


def _earlier_year_of_contacts(users, today, count=200):
    rng = random.Random(2025)  # noqa: S311 (demo data, the same every time)
    places = list(Place.objects.filter(active=True)[:4])
    if not places:
        return
    workers = [users["faltare"], users["faltare2"]]
    tz = timezone.get_current_timezone()
    year = today.year - 1
    contacts = []
    for n in range(count):
        day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365))
        worker = workers[n % 2]
        contacts.append(
            Contact(
                client_token=uuid.uuid4(),
                occurred_at=datetime.datetime.combine(
                    day, datetime.time(20, rng.randrange(60)), tz
                ),
                place=rng.choice(places),
                kind=Contact.Kind.STREET,
                recorded_by=worker,
                organisation=worker.organisation,
                category=category_of(worker.organisation),
                girls=rng.randrange(0, 5),
                boys=rng.randrange(1, 6),
                others=rng.randrange(0, 2),
                age_band=rng.choice(Contact.AgeBand.values),
            )
        )
    Contact.objects.bulk_create(contacts)
