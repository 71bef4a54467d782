"""Reads of contacts, always given the user."""

import datetime

from django.db.models import Case as When_
from django.db.models import Count, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncWeek
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from audit.access import log_access, log_denied
from audit.selectors import day_start
from cases import access
from cases.models import Case, YoungPerson
from cases.selectors import identity_for, person_by_number
from contacts.models import Contact, ContactRevision
from sspf import keyset

NIGHT_STARTS, NIGHT_ENDS = 18, 6  # 18:00–05:59 counts as night


def _is_field_worker(user: User) -> bool:
    return user.has_role("field_worker")


def visible_contacts(user: User) -> QuerySet[Contact]:
    """Contacts the user may read:
    - the recorder and the co-workers always read their own contact;
    - an anonymous group contact: field workers and coordinators of the organisation;
    - a named contact without a case: field workers of the organisation;
    - a named contact with a case: the case's rule (team member, organisation and category
      in the circle), checked on the case page and the contact page."""
    own = Q(recorded_by=user) | Q(co_workers=user)
    same_org = Q(organisation_id=user.organisation_id)
    rules = own
    if _is_field_worker(user) or user.has_role("coordinator"):
        rules |= same_org & Q(young_person__isnull=True)
    if _is_field_worker(user):
        rules |= same_org & Q(young_person__isnull=False, case__isnull=True)
    return Contact.objects.filter(Q(pk__in=Contact.objects.filter(rules).values("pk")))


def my_contacts(
    user: User,
    *,
    since=None,
    until=None,
    place=None,
    kind="",
    direction="older",
    key=None,
    limit=30,
) -> list[Contact]:
    """ "Mina kontakter": what I recorded or took part in, newest first, one page at a time
    (sspf.keyset: `limit` rows on the `direction` side of `key`). No names are shown.

    "Recorded by me" and "took part in" are read separately and merged here: an OR of the two
    made the database read and count every contact (issue #15). What I recorded is one page
    from the index on (recorded_by, occurred_at). What I took part in is few: their ids come
    from the co-workers table, their (time, id) keys by primary key, and only those that make
    the page are loaded. (With a LIMIT, PostgreSQL walked the time index of every contact
    looking for them instead: 20 ms on the first page among 100,000.)"""

    def narrowed(contacts):
        if since:
            contacts = contacts.filter(occurred_at__gte=day_start(since))
        if until:
            contacts = contacts.filter(
                occurred_at__lt=day_start(until + datetime.timedelta(days=1))
            )
        if place is not None:
            contacts = contacts.filter(place=place)
        if kind:
            contacts = contacts.filter(kind=kind)
        return keyset.ordered(contacts, direction, key, "occurred_at")

    newest_first = direction == "older"
    page = list(
        narrowed(Contact.objects.filter(recorded_by=user)).select_related(
            "place", "case", "school"
        )[:limit]
    )
    joined_ids = list(
        Contact.co_workers.through.objects.filter(user=user).values_list("contact_id", flat=True)
    )
    if joined_ids:
        keys = sorted(
            narrowed(Contact.objects.filter(pk__in=joined_ids).exclude(recorded_by=user))
            .order_by()
            .values_list("occurred_at", "pk"),
            reverse=newest_first,
        )[:limit]
        if page and len(page) == limit:
            edge = contact_key(page[-1])
            keys = [k for k in keys if (k > edge if newest_first else k < edge)]
        if keys:
            page += Contact.objects.filter(pk__in=[pk for _moment, pk in keys]).select_related(
                "place", "case", "school"
            )
    page.sort(key=contact_key, reverse=newest_first)
    return page[:limit]


def contact_key(contact: Contact) -> keyset.Key:
    return contact.occurred_at, contact.pk


def contact_for_reading(user: User, pk: int) -> Contact:
    """One contact with its note and person; the read is logged, a refusal too. Who the
    person is (`contact.identity`) comes from cases.selectors.identity_for, through the case
    only when the user reads that case now."""
    contact = (
        Contact.objects.select_related("place", "school", "young_person", "case", "recorded_by")
        .prefetch_related(
            "co_workers",
            "young_person__names",
            Prefetch("revisions", queryset=ContactRevision.objects.select_related("changed_by")),
        )
        .filter(pk=pk)
        .first()
    )
    sharing = _case_sharing(user, contact) if contact is not None else None
    allowed = contact is not None and (
        visible_contacts(user).filter(pk=pk).exists()
        or (sharing is not None and sharing.reads_entry(user.organisation_id, contact))
    )
    if not allowed:
        log_denied(user, Contact, pk, obj=contact)
        raise Http404
    bases = sharing.under_disclosure(user.organisation_id, contact) if sharing else []
    log_access(user, contact, {"statutory_basis": bases} if bases else None)
    contact.identity = None
    if contact.young_person is not None:
        contact.identity = identity_for(
            user, contact.young_person, case=contact.case if sharing is not None else None
        )
    return contact


def _case_sharing(user: User, contact: Contact):
    """The sharing of the contact's case when the user reads that case now, else None."""
    if contact.case_id is None:
        return None
    case = access.prefetch_for_access(Case.objects.filter(pk=contact.case_id)).get()
    try:
        return access.check_case(user, case)
    except access.Refused:
        return None


def nameable_person(user: User, personnummer: str, case=None) -> YoungPerson | None:
    """The person with this number when the user may name them in a contact (the case's own
    person when a case is chosen), else None: the caller gives one answer for unknown and
    unnameable numbers alike. The lookup is logged (cases.selectors.person_by_number)."""
    person = person_by_number(user, personnummer)
    if person is None:
        return None
    if case is not None:
        return person if person.pk == case.young_person_id else None
    return person if person_visible_to(user, person) else None


def person_visible_to(user: User, person: YoungPerson) -> bool:
    """A field worker may name a young person they can see through a case, or whom their
    organisation has met before in named contacts."""
    if access.viewable_cases(user).filter(young_person=person).exists():
        return True
    return (
        _is_field_worker(user)
        and Contact.objects.filter(
            young_person=person, organisation_id=user.organisation_id
        ).exists()
    )


def last_place_id(user: User) -> int | None:
    return (
        Contact.objects.filter(recorded_by=user, place__active=True)
        .order_by("-occurred_at", "-id")
        .values_list("place_id", flat=True)
        .first()
    )


def night_and_weekend_intervals(since: datetime.date, until: datetime.date, tz) -> list:
    """The local nights (NIGHT_STARTS–NIGHT_ENDS) and weekends from the start of `since` to the
    end of `until`, as aware [start, end) pairs: Monday to Thursday nights, and Friday
    evening to Monday morning in one. Built from local wall-clock times, so a night across a
    change to or from summer time is as long as the clock says (11 or 13 hours)."""

    def local(day: datetime.date, hour: int) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)), tz)

    first = local(since, 0)
    last = local(until + datetime.timedelta(days=1), 0)
    intervals = []
    day = since - datetime.timedelta(days=3)  # a weekend that began before `since`
    while day <= until:
        weekday = day.isoweekday()
        if weekday <= 5:
            ends_on = day + datetime.timedelta(days=3 if weekday == 5 else 1)
            start, end = local(day, NIGHT_STARTS), local(ends_on, NIGHT_ENDS)
            start, end = max(start, first), min(end, last)
            if start < end:
                intervals.append((start, end))
        day += datetime.timedelta(days=1)
    return intervals


# Up to this many weeks the nights are given to the database as time ranges; beyond it, one
# range for the period and the local clock (see night_and_weekend_overview).
RANGES_UP_TO_WEEKS = 13


def night_and_weekend_overview(user: User, *, weeks: int = 8, today=None) -> list[dict]:
    """Per place and week: night and weekend contacts of the user's organisation with head
    counts by gender, aggregated in the database. A named contact counts its person once.

    The period starts at an aware local midnight, so the index on (organisation, occurred_at)
    finds its contacts instead of the database converting every timestamp (issue #15). For
    up to a term (RANGES_UP_TO_WEEKS) the nights and weekends themselves are aware ranges
    computed here; for a longer period PostgreSQL spends more time planning hundreds of
    ranges than reading the contacts (52 weeks: 93 ms planning), so the local hour and
    weekday are checked on the contacts of the period instead. Contacts cannot be recorded
    in the future (beyond a small clock skew), so the ranges end a day after today."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(weeks=weeks)
    tz = timezone.get_current_timezone()
    contacts = Contact.objects.filter(
        organisation_id=user.organisation_id,
        occurred_at__gte=day_start(since),
        voided_at__isnull=True,
    )
    if weeks <= RANGES_UP_TO_WEEKS:
        in_a_night = Q(pk__in=[])
        last_day = today + datetime.timedelta(days=1)
        for start, end in night_and_weekend_intervals(since, last_day, tz):
            in_a_night |= Q(occurred_at__gte=start, occurred_at__lt=end)
        contacts = contacts.filter(in_a_night)
    else:
        contacts = contacts.annotate(
            hour=ExtractHour("occurred_at", tzinfo=tz),
            weekday=ExtractIsoWeekDay("occurred_at", tzinfo=tz),
        ).filter(Q(hour__gte=NIGHT_STARTS) | Q(hour__lt=NIGHT_ENDS) | Q(weekday__gte=6))

    def named(gender):
        return When_(
            When(young_person__gender=gender, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )

    rows = (
        contacts.annotate(week=TruncWeek("occurred_at", tzinfo=tz))
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
    return list(rows)
