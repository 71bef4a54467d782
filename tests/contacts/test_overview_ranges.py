"""The night-and-weekend overview finds its contacts through aware time ranges (issue #15):
the same rows as the rule written on converted local times, across the changes to and from
summer time in Europe/Stockholm (last Sunday in March and in October)."""

import datetime
import itertools

import pytest
from django.db.models import Case as When_
from django.db.models import Count, IntegerField, Q, Sum, Value, When
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncWeek
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from contacts import selectors
from contacts.models import Contact, Place
from tests.cases.factories import make_person

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def by_local_clock(user, *, weeks, today):
    """The rule as the page said it before: the local hour and weekday of every contact."""
    since = today - datetime.timedelta(weeks=weeks)
    tz = timezone.get_current_timezone()

    def named(gender):
        return When_(
            When(young_person__gender=gender, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )

    return list(
        Contact.objects.filter(
            organisation_id=user.organisation_id,
            occurred_at__date__gte=since,
            voided_at__isnull=True,
        )
        .annotate(
            hour=ExtractHour("occurred_at", tzinfo=tz),
            weekday=ExtractIsoWeekDay("occurred_at", tzinfo=tz),
        )
        .filter(Q(hour__gte=18) | Q(hour__lt=6) | Q(weekday__gte=6))
        .annotate(week=TruncWeek("occurred_at", tzinfo=tz))
        .values("place__name", "week")
        .annotate(
            contacts=Count("pk"),
            girls=Sum("girls") + Sum(named("girl")),
            boys=Sum("boys") + Sum(named("boy")),
            others=Sum("others") + Sum(named("other")),
            not_recorded=Sum("not_recorded") + Sum(named("not_recorded")),
        )
        .order_by("-week", "place__name")
    )


def every_few_minutes(worker, places, start, end, person, minutes):
    """A contact every `minutes` (UTC) from `start` to `end`: both 02:xx of the October
    night, none in the hour the March clock skips; every seventh names a young person."""
    rows, moment, n = [], start, 0
    cycle = itertools.cycle(places)
    while moment < end:
        rows.append(
            Contact(
                occurred_at=moment,
                place=next(cycle),
                kind="street",
                recorded_by=worker,
                organisation=worker.organisation,
                category="social_services",
                young_person=person if n % 7 == 0 else None,
                girls=0 if n % 7 == 0 else n % 3,
                boys=0 if n % 7 == 0 else n % 2,
                others=0 if n % 7 == 0 else int(n % 11 == 0),
                not_recorded=0 if n % 7 == 0 else 1,
            )
        )
        moment += datetime.timedelta(minutes=minutes)
        n += 1
    Contact.objects.bulk_create(rows)


@pytest.mark.parametrize(
    "today",
    [
        datetime.date(2026, 3, 31),  # two days after the change to summer time
        datetime.date(2026, 3, 29),  # the day of the change
        datetime.date(2026, 10, 27),  # two days after the change back
        datetime.date(2026, 10, 25),
    ],
)
@pytest.mark.parametrize("weeks", [1, 2, selectors.RANGES_UP_TO_WEEKS + 1])
def test_the_overview_is_unchanged_across_a_clock_change(make_user, today, weeks):
    worker, coordinator = make_user("field_worker"), make_user("coordinator")
    outsider = make_user("field_worker", organisation="police")
    places = [
        Place.objects.create(name="Torget", kind="centre"),
        Place.objects.create(name="Stationen", kind="centre"),
    ]
    person = make_person(age=15, gender="boy")
    # From well before the period to the end of `today` (contacts are never in the future).
    start = datetime.datetime.combine(
        today - datetime.timedelta(weeks=weeks + 1), datetime.time(), UTC
    )
    end = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time())
    )
    minutes = 20 if weeks <= 2 else 60  # a long period: fewer rows, still every hour
    every_few_minutes(worker, places, start, end, person, minutes)
    every_few_minutes(outsider, places[:1], start, end, person, minutes)

    expected = by_local_clock(coordinator, weeks=weeks, today=today)
    got = selectors.night_and_weekend_overview(coordinator, weeks=weeks, today=today)
    assert got == expected
    assert sum(row["contacts"] for row in got) > 0
    # The other organisation's contacts are not counted: each of ours is counted once.
    ours = sum(row["contacts"] for row in got)
    assert ours < Contact.objects.filter(organisation=worker.organisation).count()


def hours(intervals) -> list[float]:
    """Each interval's real length (in UTC: Python subtracts two times in one zone by the wall
    clock)."""
    return [(e.astimezone(UTC) - s.astimezone(UTC)).total_seconds() / 3600 for s, e in intervals]


def test_a_night_across_a_clock_change_is_as_long_as_the_clock_says():
    tz = timezone.get_current_timezone()
    spring = selectors.night_and_weekend_intervals(
        datetime.date(2026, 3, 30), datetime.date(2026, 3, 30), tz
    )
    autumn = selectors.night_and_weekend_intervals(
        datetime.date(2026, 10, 26), datetime.date(2026, 10, 26), tz
    )
    # Monday 00:00–06:00 (the end of the weekend), then Monday night 18:00–24:00.
    assert hours(spring) == [6, 6]
    weekend = selectors.night_and_weekend_intervals(
        datetime.date(2026, 3, 27), datetime.date(2026, 3, 30), tz
    )
    # Thursday night's end, Friday 18:00 to Monday 06:00 with one hour fewer (59 hours), and
    # Monday evening.
    assert hours(weekend) == [6, 59, 6]
    autumn_weekend = selectors.night_and_weekend_intervals(
        datetime.date(2026, 10, 23), datetime.date(2026, 10, 26), tz
    )
    assert hours(autumn_weekend) == [6, 61, 6]
    assert len(autumn) == 2


@override_settings(LANGUAGE_CODE="en")
def test_the_overview_page_counts_ours_and_stays_within_its_query_budget(
    client, make_user, django_assert_max_num_queries
):
    worker, coordinator = make_user("field_worker"), make_user("coordinator")
    outsider_worker = make_user("field_worker", organisation="police")
    outsider_coordinator = make_user("coordinator", organisation="police")
    place = Place.objects.create(name="Skateparken", kind="centre")
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    saturday_night = timezone.make_aware(
        datetime.datetime.combine(monday + datetime.timedelta(days=5), datetime.time(23))
    )
    for _ in range(6):
        Contact.objects.create(
            occurred_at=saturday_night,
            place=place,
            kind="street",
            recorded_by=worker,
            organisation=worker.organisation,
            category="social_services",
            girls=3,
        )
    client.force_login(coordinator)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("contacts:overview")).content.decode()
    assert "Skateparken" in page and ">6<" in page and ">18<" in page
    client.force_login(outsider_coordinator)
    assert "Skateparken" not in client.get(reverse("contacts:overview")).content.decode()
    assert outsider_worker.organisation != worker.organisation
