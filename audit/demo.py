"""Demo log entries for the auditors' workspace: ordinary reads over the last weeks, and at
least one example of every finding (audit/findings.py), so the demo auditor `granskare` has
something to review. Written straight into the sealed log with the times they pretend to have
happened; nothing here is a real request."""

import datetime
import uuid

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import User
from audit.models import LogEntry, TeamMembership
from cases.models import Case, YoungPerson
from schools.models import Assignment

OFFICE = "10.20.30.40"
MOBILE = "10.20.31.77"


def _at(days_ago: int, hour: int, minute: int = 0, today=None) -> datetime.datetime:
    """A weekday moment `days_ago` days back (moved to the Friday before a weekend)."""
    day = (today or timezone.localdate()) - datetime.timedelta(days=days_ago)
    while day.isoweekday() > 5:
        day -= datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _entry(user, obj, when, *, address=OFFICE, data=None, denied_pk=None, model=None):
    kind = ContentType.objects.get_for_model(model or type(obj))
    pk = denied_pk if denied_pk is not None else obj.pk
    return LogEntry.objects.create(
        content_type=kind,
        object_pk=str(pk),
        object_id=pk,
        object_repr=str(obj) if obj is not None else "",
        action=LogEntry.Action.ACCESS,
        actor=user,
        actor_email=user.email,
        remote_addr=address,
        cid=uuid.uuid4().hex,
        timestamp=when,
        additional_data=data,
    )


def load(users: dict[str, User], today: datetime.date | None = None) -> None:
    if LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists():
        return
    cases = list(Case.objects.select_related("young_person").order_by("id"))
    if len(cases) < 5:
        return
    shared, no_police, _protected, _signal, waiting = cases[:5]
    u = users
    # The demo teams were formed when the cases were opened, not when the demo was loaded.
    TeamMembership.objects.filter(left_at__isnull=True).update(joined_at=_at(60, 8, today=today))

    # Ordinary work: the team reads the shared case and the person during office hours.
    for days_ago, who in [(20, "samordnare"), (14, "skolpersonal"), (9, "socialsekreterare")]:
        _entry(u[who], shared, _at(days_ago, 10, today=today))
        _entry(u[who], shared.young_person, _at(days_ago, 10, 1, today=today))
    _entry(u["kontaktpolis"], shared, _at(6, 13, today=today))

    # After leaving the team: faltare2 was on the shared case for a while, then read it.
    TeamMembership.objects.create(
        case_id=shared.pk,
        user=u["faltare2"],
        joined_at=_at(40, 9, today=today),
        left_at=_at(12, 9, today=today),
    )
    _entry(u["faltare2"], shared, _at(4, 15, today=today), address=MOBILE)

    # Probing: the leisure worker tries cases he is not allowed to read.
    for minute, case in enumerate([no_police, shared, waiting, waiting]):
        _entry(
            u["fritidsledare"],
            case,
            _at(3, 16, minute, today=today),
            data={"denied": True},
        )

    # A read under a statutory disclosure, and one outside the officer's schools.
    _entry(
        u["kontaktpolis"],
        waiting,
        _at(5, 11, today=today),
        data={"statutory_basis": ["osl_10_18a"]},
    )
    assigned = Assignment.objects.filter(user=u["kontaktpolis"]).values_list("school_id", flat=True)
    outside = next((c for c in cases if c.school_id and c.school_id not in set(assigned)), None)
    if outside is not None:
        _entry(u["kontaktpolis"], outside, _at(2, 14, today=today))

    # Unusual volume: the social worker's usual is a couple of reads a month.
    people = list(YoungPerson.objects.order_by("id"))
    for n in range(3):
        _entry(u["socialsekreterare"], shared, _at(45 + 20 * n, 10, today=today))
    for n in range(30):
        person = people[n % len(people)]
        _entry(u["socialsekreterare"], person, _at(1, 8 + n // 6, (n * 7) % 60, today=today))

    # At night: the field worker looks up a case at half past eleven.
    _entry(u["faltare"], shared, _at(7, 23, 30, today=today), address=MOBILE)
