"""The tables counted again in plain Python from the raw rows, written from the issue's
definitions rather than from stats/tables.py: the independent answer the tests compare with."""

import datetime

from django.conf import settings
from django.utils import timezone

from cases.models import Case
from contacts.models import Contact
from meetings.models import Meeting
from referrals.models import Referral

GENDERS = ["girl", "boy", "other", "not_recorded"]


def _periods(split, year):
    if split == "year":
        return [
            (y, datetime.date(y, 1, 1), datetime.date(y, 12, 31)) for y in range(year - 4, year + 1)
        ]
    if split == "term":
        return [
            (1, datetime.date(year, 1, 1), datetime.date(year, 6, 30)),
            (2, datetime.date(year, 7, 1), datetime.date(year, 12, 31)),
        ]
    months = []
    for m in range(1, 13):
        first = datetime.date(year, m, 1)
        nxt = datetime.date(year + (m == 12), m % 12 + 1, 1)
        months.append((m, first, nxt - datetime.timedelta(days=1)))
    return months


def _band(birth_year, year):
    age = year - birth_year
    for k, edge in enumerate(settings.SSPF_STATS_AGE_BANDS):
        if age < edge:
            return k
    return len(settings.SSPF_STATS_AGE_BANDS)


def _keys(item, split, year, date):
    if split == "school" and "schools" in item:  # a group meeting concerns several schools
        return item["schools"] or [None]
    if split == "year":
        return [date.year]
    if split == "term":
        return [1 if date.month <= 6 else 2]
    if split == "month":
        return [date.month]
    if split == "age_band":
        return [_band(item["birth_year"], year)]
    if split == "school":
        return [item["school"]]
    if split == "area":
        return [item["area"] or ""]
    if split == "risk_factor":
        return item["factors"] or [""]
    if split in item:
        return [item[split]]
    return [item["source"]]


def case_item(c):
    return {
        "gender": c.young_person.gender,
        "birth_year": c.young_person.birth_date.year,
        "school": c.school_id,
        "area": c.school.area if c.school else "",
        "source": c.signal_source,
        "factors": sorted(c.risk_factors.values_list("factor", flat=True)),
    }


def meeting_items(network: bool):
    """Held meetings: a network meeting takes what its case says (gender, school, risk factors
    …); a group-level meeting has a level instead of a gender, its schools and its area."""
    items = []
    for m in Meeting.objects.filter(status="held").select_related("case__young_person"):
        if (m.level == "network") != network:
            continue
        if network:
            item = case_item(m.case)
        else:
            item = {
                "gender": m.level,
                "schools": sorted(m.schools.values_list("pk", flat=True)),
                "area": m.area,
            }
        item["date"] = m.date
        items.append(item)
    return items


def referral_items():
    """Sent referrals (a draft has not been sent), on the day they were sent."""
    items = []
    for r in Referral.objects.exclude(sent_at=None).select_related("young_person"):
        if r.outcome:
            outcome = r.outcome
        elif r.status == "declined" or r.status == "withdrawn":
            outcome = r.status
        else:
            outcome = "open"
        items.append(
            {
                "gender": r.young_person.gender,
                "birth_year": r.young_person.birth_date.year,
                "referral_kind": r.kind,
                "referral_outcome": outcome,
                "date": timezone.localtime(r.sent_at).date(),
            }
        )
    return items


def case_items():
    return [
        {
            "gender": c.young_person.gender,
            "birth_year": c.young_person.birth_date.year,
            "school": c.school_id,
            "area": c.school.area if c.school else "",
            "source": c.signal_source,
            "factors": sorted(c.risk_factors.values_list("factor", flat=True)),
            "opened": c.opened_on,
            "closed": c.closed_on,
            "person": c.young_person_id,
        }
        for c in Case.objects.select_related("young_person", "school")
    ]


def expected(measure, split, year, *, recorded_by=None) -> dict:
    """{(row key, gender): count}."""
    counts: dict = {}
    first = datetime.date(year - 4 if split == "year" else year, 1, 1)
    last = datetime.date(year, 12, 31)

    def add(key, gender, n=1):
        counts[(key, gender)] = counts.get((key, gender), 0) + n

    if measure in ("meetings_network", "meetings_group", "referrals"):
        if measure == "referrals":
            items = referral_items()
        else:
            items = meeting_items(measure == "meetings_network")
        for item in items:
            if first <= item["date"] <= last:
                for key in _keys(item, split, year, item["date"]):
                    add(key, item["gender"])
    elif measure in ("cases_new", "cases_closed"):
        for item in case_items():
            date = item["opened"] if measure == "cases_new" else item["closed"]
            if date and first <= date <= last:
                for key in _keys(item, split, year, date):
                    add(key, item["gender"])
    elif measure in ("cases_active", "people"):
        people = {}
        periods = (
            _periods(split, year) if split in ("year", "term", "month") else [(None, first, last)]
        )
        for item in case_items():
            for pkey, start, end in periods:
                if item["opened"] <= end and (item["closed"] is None or item["closed"] >= start):
                    keys = [pkey] if pkey is not None else _keys(item, split, year, None)
                    for key in keys:
                        if measure == "cases_active":
                            add(key, item["gender"])
                        else:
                            people.setdefault((key, item["gender"]), set()).add(item["person"])
        for key, persons in people.items():
            counts[key] = len(persons)
    elif measure == "contacts_named":
        contacts = Contact.objects.filter(young_person__isnull=False).select_related(
            "young_person", "school"
        )
        for c in contacts:
            if recorded_by is not None and c.recorded_by_id != recorded_by.pk:
                continue
            day = timezone.localtime(c.occurred_at).date()
            if first <= day <= last:
                item = {
                    "birth_year": c.young_person.birth_date.year,
                    "school": c.school_id,
                    "area": c.school.area if c.school else "",
                }
                for key in _keys(item, split, year, day):
                    add(key, c.young_person.gender)
    else:
        for c in Contact.objects.filter(young_person__isnull=True).select_related("school"):
            if recorded_by is not None and c.recorded_by_id != recorded_by.pk:
                continue
            day = timezone.localtime(c.occurred_at).date()
            if first <= day <= last:
                item = {"school": c.school_id, "area": c.school.area if c.school else ""}
                key = c.age_band if split == "age_band" else _keys(item, split, year, day)[0]
                for gender, n in zip(
                    GENDERS, (c.girls, c.boys, c.others, c.not_recorded), strict=True
                ):
                    add(key, gender, n)
    return {k: v for k, v in counts.items() if v}
