"""Findings (avvikelser): what in the log deserves an auditor's look.

Each finding is a query over the log entries of a period; the workspace shows its count and
links to the entries (the search page with `finding=<code>`). They point, they do not judge:
a field worker reads at night for good reasons. Thresholds are settings (docs/auditing.md).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.access import DENIED
from audit.models import LogEntry, TeamMembership
from audit.selectors import case_models, period_filter


@dataclass(frozen=True)
class Kind:
    code: str
    title: str
    description: str


KINDS = [
    Kind(
        "after_team",
        _("Reads by users not on the case team at the time"),
        _(
            "Reads of a case or of something belonging to it (a contact, a plan item...) by "
            "someone who had left the case team, or was never on it, when they read it."
        ),
    ),
    Kind(
        "probing",
        _("Repeated refused attempts"),
        _(
            "Users refused at least %(attempts)s times in the period, or on at least %(ids)s "
            "different objects."
        ),
    ),
    Kind(
        "disclosure",
        _("Reads under a statutory disclosure"),
        _("Reads that only a disclosure without consent allowed (10 kap. 18 a §, 28 § OSL)."),
    ),
    Kind(
        "outside_schools",
        _("Reads outside the user's assigned schools"),
        _(
            "Contact police officers and field workers reading a case, contact or school of a "
            "school they were not assigned to on the day."
        ),
    ),
    Kind(
        "volume",
        _("Unusual volume of reads"),
        _(
            "Users with at least %(minimum)s reads who read more than %(factor)s times their "
            "own usual (the %(baseline)s days before), or their role's average."
        ),
    ),
    Kind(
        "night",
        _("Activity at night or at weekends"),
        _("Anything done between %(starts)s:00 and %(ends)s:00, or on a Saturday or Sunday."),
    ),
]
KINDS_BY_CODE = {kind.code: kind for kind in KINDS}
CODES = [kind.code for kind in KINDS]


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=settings.SSPF_AUDIT_FINDINGS_DAYS - 1), today


def description(kind: Kind) -> str:
    return str(kind.description) % {
        "attempts": settings.SSPF_AUDIT_PROBE_ATTEMPTS,
        "ids": settings.SSPF_AUDIT_PROBE_IDS,
        "minimum": settings.SSPF_AUDIT_VOLUME_MINIMUM,
        "factor": settings.SSPF_AUDIT_VOLUME_FACTOR,
        "baseline": settings.SSPF_AUDIT_BASELINE_DAYS,
        "starts": settings.SSPF_AUDIT_NIGHT_STARTS,
        "ends": settings.SSPF_AUDIT_NIGHT_ENDS,
    }


def _reads(period: Q) -> QuerySet[LogEntry]:
    """Granted reads by a user in the period."""
    return LogEntry.objects.filter(
        period, action=LogEntry.Action.ACCESS, actor__isnull=False
    ).exclude(additional_data=DENIED)


def _after_team(period: Q) -> QuerySet[LogEntry]:
    on_team = TeamMembership.objects.filter(
        case_id=OuterRef("case_ref"),
        user_id=OuterRef("actor_id"),
        joined_at__lte=OuterRef("timestamp"),
    ).filter(Q(left_at__isnull=True) | Q(left_at__gt=OuterRef("timestamp")))
    matched = Q(pk__in=[])
    for model, path in case_models():
        reads = _reads(period).filter(content_type=ContentType.objects.get_for_model(model))
        if path == "":
            reads = reads.annotate(case_ref=F("object_id"))
        else:
            case_id = model.objects.filter(pk=OuterRef("object_id")).values(f"{path}_id")[:1]
            reads = reads.annotate(case_ref=Subquery(case_id))
        reads = reads.filter(case_ref__isnull=False).exclude(Exists(on_team))
        matched |= Q(pk__in=reads.values("pk"))
    return LogEntry.objects.filter(matched)


def _probing(period: Q) -> QuerySet[LogEntry]:
    refused = LogEntry.objects.filter(
        period, action=LogEntry.Action.ACCESS, additional_data=DENIED, actor__isnull=False
    )
    probers = (
        refused.values("actor")
        .annotate(attempts=Count("id"), ids=Count("object_pk", distinct=True))
        .filter(
            Q(attempts__gte=settings.SSPF_AUDIT_PROBE_ATTEMPTS)
            | Q(ids__gte=settings.SSPF_AUDIT_PROBE_IDS)
        )
        .values("actor")
    )
    return refused.filter(actor__in=probers)


def _disclosure(period: Q) -> QuerySet[LogEntry]:
    return _reads(period).filter(additional_data__has_key="statutory_basis")


def _outside_schools(period: Q) -> QuerySet[LogEntry]:
    from cases.models import Case
    from contacts.models import Contact
    from schools.models import Assignment, School

    assigned = Assignment.objects.filter(
        user_id=OuterRef("actor_id"),
        school_id=OuterRef("school_ref"),
        start_date__lte=OuterRef("day"),
    ).filter(Q(end_date__isnull=True) | Q(end_date__gt=OuterRef("day")))
    with_assignments = Assignment.objects.values("user_id")
    matched = Q(pk__in=[])
    for model in (School, Case, Contact):
        reads = _reads(period).filter(
            content_type=ContentType.objects.get_for_model(model), actor__in=with_assignments
        )
        if model is School:
            reads = reads.annotate(school_ref=F("object_id"))
        else:
            school = model.objects.filter(pk=OuterRef("object_id")).values("school_id")[:1]
            reads = reads.annotate(school_ref=Subquery(school))
        reads = reads.annotate(day=TruncDate("timestamp")).filter(school_ref__isnull=False)
        matched |= Q(pk__in=reads.exclude(Exists(assigned)).values("pk"))
    return LogEntry.objects.filter(matched)


def unusual_readers(since: datetime.date, until: datetime.date, period: Q) -> set[int]:
    """Users who read far more than their own usual or than others of their role."""
    from accounts.models import User

    days = (until - since).days + 1
    counts = dict(_reads(period).values_list("actor").annotate(n=Count("id")))
    if not counts:
        return set()
    baseline_start = since - datetime.timedelta(days=settings.SSPF_AUDIT_BASELINE_DAYS)
    before = dict(
        _reads(period_filter(baseline_start, since - datetime.timedelta(days=1)))
        .values_list("actor")
        .annotate(n=Count("id"))
    )
    roles = dict(
        User.groups.through.objects.filter(user_id__in=counts).values_list("user_id", "group_id")
    )
    factor, minimum = settings.SSPF_AUDIT_VOLUME_FACTOR, settings.SSPF_AUDIT_VOLUME_MINIMUM
    flagged = set()
    for actor, n in counts.items():
        if n < minimum:
            continue
        usual = before.get(actor, 0) * days / settings.SSPF_AUDIT_BASELINE_DAYS
        peers = [
            m
            for other, m in counts.items()
            if other != actor and roles.get(other) == roles.get(actor)
        ]
        role_mean = sum(peers) / len(peers) if peers else 0
        if (usual and n > factor * usual) or (role_mean and n > factor * role_mean):
            flagged.add(actor)
    return flagged


def _night(period: Q) -> QuerySet[LogEntry]:
    starts, ends = settings.SSPF_AUDIT_NIGHT_STARTS, settings.SSPF_AUDIT_NIGHT_ENDS
    return (
        LogEntry.objects.filter(period, actor__isnull=False)
        .annotate(hour=ExtractHour("timestamp"), weekday=ExtractIsoWeekDay("timestamp"))
        .filter(Q(hour__gte=starts) | Q(hour__lt=ends) | Q(weekday__gte=6))
    )


def entries(
    code: str, since: datetime.date | None, until: datetime.date | None
) -> QuerySet[LogEntry]:
    """The entries of one finding over a period (by default the findings' period)."""
    if since is None or until is None:
        default_since, default_until = default_period()
        since, until = since or default_since, until or default_until
    period = period_filter(since, until)
    if code == "volume":
        return _reads(period).filter(actor__in=unusual_readers(since, until, period))
    return {
        "after_team": _after_team,
        "probing": _probing,
        "disclosure": _disclosure,
        "outside_schools": _outside_schools,
        "night": _night,
    }[code](period)


@dataclass
class Summary:
    kind: Kind
    description: str
    count: int


def summary(since: datetime.date, until: datetime.date) -> list[Summary]:
    """Every finding with its count over the period: one query each (two more for volume)."""
    return [
        Summary(kind, description(kind), entries(kind.code, since, until).count()) for kind in KINDS
    ]
