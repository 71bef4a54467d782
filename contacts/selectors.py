"""Reads of contacts, always given the user."""

import datetime

from django.db.models import Case as When_
from django.db.models import Count, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncWeek
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from audit.access import log_access, log_denied
from cases import access
from cases.models import Case, YoungPerson
from cases.selectors import identity_for, person_by_number
from contacts.models import Contact, ContactRevision

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


def my_contacts(user: User, *, since=None, until=None, place=None, kind="") -> QuerySet[Contact]:
    """ "Mina kontakter": what I recorded or took part in, newest first. No names are shown."""
    contacts = Contact.objects.filter(
        Q(recorded_by=user)
        | Q(pk__in=Contact.co_workers.through.objects.filter(user=user).values("contact_id"))
    ).select_related("place", "case", "school")
    if since:
        contacts = contacts.filter(occurred_at__date__gte=since)
    if until:
        contacts = contacts.filter(occurred_at__date__lte=until)
    if place is not None:
        contacts = contacts.filter(place=place)
    if kind:
        contacts = contacts.filter(kind=kind)
    return contacts.order_by("-occurred_at", "-id")


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


def night_and_weekend_overview(user: User, *, weeks: int = 8, today=None) -> list[dict]:
    """Per place and week: night and weekend contacts of the user's organisation with head
    counts by gender, aggregated in the database. A named contact counts its person once."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(weeks=weeks)
    tz = timezone.get_current_timezone()
    hour = ExtractHour("occurred_at", tzinfo=tz)
    weekday = ExtractIsoWeekDay("occurred_at", tzinfo=tz)

    def named(gender):
        return When_(
            When(young_person__gender=gender, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )

    rows = (
        Contact.objects.filter(
            organisation_id=user.organisation_id,
            occurred_at__date__gte=since,
            voided_at__isnull=True,
        )
        .annotate(hour=hour, weekday=weekday)
        .filter(Q(hour__gte=NIGHT_STARTS) | Q(hour__lt=NIGHT_ENDS) | Q(weekday__gte=6))
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
    return list(rows)
