"""Reads of the audit log for the auditors' workspace (DESIGN §6).

Auditors read the log, never case content: entries show references ("SSPF-2026-0042",
"person 17"), and nothing here loads a name, a note or a personnummer in clear. Every search
and export is itself logged (audit.access.log_audit_read) by the view that shows it.
"""

import datetime
from dataclasses import dataclass

from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import subjects
from audit.access import DENIED
from audit.models import LogEntry, Review, VerificationRun

ACTIONS = [
    ("create", _("Created")),
    ("update", _("Changed")),
    ("delete", _("Deleted")),
    ("access", _("Read")),
    ("denied", _("Refused")),
    ("disclosure", _("Read under a statutory disclosure")),
]
ACTION_FILTERS = {
    "create": Q(action=LogEntry.Action.CREATE),
    "update": Q(action=LogEntry.Action.UPDATE),
    "delete": Q(action=LogEntry.Action.DELETE),
    "access": Q(action=LogEntry.Action.ACCESS) & ~Q(additional_data=DENIED),
    "denied": Q(action=LogEntry.Action.ACCESS, additional_data=DENIED),
    "disclosure": Q(action=LogEntry.Action.ACCESS, additional_data__has_key="statutory_basis"),
}


def action_label(entry: LogEntry) -> str:
    """What happened, in words: refusals and reads under a disclosure told apart. `entry` is
    a LogEntry or a row of entries()."""
    labels = dict(ACTIONS)
    action = _value(entry, "action")
    if action == LogEntry.Action.ACCESS:
        if isinstance(entry, dict):
            refused, disclosure = entry["refused"], entry["under_disclosure"]
        else:
            data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
            refused, disclosure = data == DENIED, "statutory_basis" in data
        if refused:
            return labels["denied"]
        return labels["disclosure" if disclosure else "access"]
    return labels[{0: "create", 1: "update", 2: "delete"}.get(action, "update")]


def logged_types() -> QuerySet[ContentType]:
    """The object types the log holds: every model registered for auditing."""
    types = ContentType.objects.get_for_models(*auditlog.get_models())
    return ContentType.objects.filter(pk__in=[t.pk for t in types.values()]).order_by(
        "app_label", "model"
    )


def day_start(day: datetime.date) -> datetime.datetime:
    """The first moment of `day` in the installation's time zone (an aware boundary, so the
    timestamp index is used, not a converted timestamp)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def period_filter(since: datetime.date | None, until: datetime.date | None) -> Q:
    """Entries from the start of `since` up to the end of `until` (both days included)."""
    q = Q()
    if since:
        q &= Q(timestamp__gte=day_start(since))
    if until:
        q &= Q(timestamp__lt=day_start(until + datetime.timedelta(days=1)))
    return q


def _union_of(branches: list[Q]) -> QuerySet:
    """The ids of entries matching any branch, as `a UNION ALL b ...`: each branch is its own
    indexed lookup on (content type, object id), which an OR of the branches would defeat."""
    selects = [LogEntry.objects.filter(branch).order_by().values("pk") for branch in branches]
    return selects[0].union(*selects[1:], all=True)


# A sentinel id the compiled SQL is built with, then replaced by the real one. Building the
# ORM query for a dozen models costs more than running it, and it only depends on the models.
_SENTINEL = -7_130_917_431
_compiled: dict[tuple, tuple[str, tuple]] = {}


def _entries_about(kind: str, builder, pk: int) -> Q:
    """`id IN (...)` for the entries about object `pk`, with the SQL compiled once per
    process and set of registered models."""
    # Content type ids are part of the SQL: a database whose ids differ gets its own.
    types = ContentType.objects.get_for_models(*subjects.ABOUT_PERSON)
    key = (
        kind,
        connection.alias,
        tuple((m, p, types[m].pk) for m, p in subjects.ABOUT_PERSON.items()),
    )
    if key not in _compiled:
        _compiled[key] = _union_of(builder(_SENTINEL)).query.sql_with_params()
    sql, params = _compiled[key]
    # The SQL is Django's own, compiled above; only the parameters change.
    return Q(pk__in=RawSQL(sql, tuple(pk if p == _SENTINEL else p for p in params)))  # noqa: S611


def _person_branches(person_pk: int) -> list[Q]:
    types = ContentType.objects.get_for_models(*subjects.ABOUT_PERSON)
    branches = []
    for model, path in subjects.ABOUT_PERSON.items():
        if path == "":
            branches.append(Q(content_type=types[model], object_id=person_pk))
        else:
            ids = model.objects.filter(**{f"{path}_id": person_pk}).order_by().values("pk")
            branches.append(Q(content_type=types[model], object_id__in=ids))
    return branches


def about_person(person) -> Q:
    """Entries about the person and about every object registered as being about them
    (audit/subjects.py: cases, notes, plan items, contacts, minutes, referrals...)."""
    return _entries_about("person", _person_branches, person.pk)


def case_path(model, person_path: str) -> str | None:
    """The lookup from a model to its case, or None when it has none."""
    from cases.models import Case

    if model is Case:
        return ""
    if person_path.endswith("case__young_person"):
        return person_path.removesuffix("__young_person")
    field = next((f for f in model._meta.concrete_fields if f.name == "case"), None)
    if field is not None and field.related_model is Case:
        return "case"
    return None


def case_models() -> list[tuple[type, str]]:
    """(model, path to its case) for the case itself and every model about a case."""
    found = []
    for model, path in subjects.ABOUT_PERSON.items():
        to_case = case_path(model, path)
        if to_case is not None:
            found.append((model, to_case))
    return found


def _case_branches(case_pk: int) -> list[Q]:
    found = case_models()
    types = ContentType.objects.get_for_models(*(model for model, _path in found))
    branches = []
    for model, path in found:
        if path == "":
            branches.append(Q(content_type=types[model], object_id=case_pk))
        else:
            ids = model.objects.filter(**{f"{path}_id": case_pk}).order_by().values("pk")
            branches.append(Q(content_type=types[model], object_id__in=ids))
    return branches


def about_case(case) -> Q:
    """Entries about the case and about every object that belongs to it."""
    return _entries_about("case", _case_branches, case.pk)


# What a row shows, as plain values (no model instances: an extract can be long): the
# entry's own columns but its diff, and the user's name and organisation. The object type
# comes from ContentType's cache (object_kind), not a join.
ROW_FIELDS = [
    "id",
    "timestamp",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "actor_id",
    "actor_email",
    "remote_addr",
    "cid",
]


def entries() -> QuerySet:
    """Every entry as a row (a dict of ROW_FIELDS, actor_username and organisation_name),
    newest first."""
    return LogEntry.objects.values(
        *ROW_FIELDS,
        actor_username=F("actor__username"),
        organisation_name=F("actor__organisation__name"),
        refused=ExpressionWrapper(Q(additional_data=DENIED), output_field=BooleanField()),
        under_disclosure=ExpressionWrapper(
            Q(additional_data__has_key="statutory_basis"), output_field=BooleanField()
        ),
    ).order_by("-timestamp", "-id")


def _value(entry, name):
    return entry[name] if isinstance(entry, dict) else getattr(entry, name)


def object_kind(entry) -> str:
    """The kind of object an entry is about, in words ("case", "young person")."""
    content_type = ContentType.objects.get_for_id(_value(entry, "content_type_id"))
    model = content_type.model_class()
    return str(model._meta.verbose_name) if model else content_type.model


@dataclass
class Criteria:
    """What the auditor searched for; every part optional."""

    person: object = None
    case: object = None
    reference: str = ""
    user: object = None
    organisation: object = None
    action: str = ""
    object_type: object = None
    since: datetime.date | None = None
    until: datetime.date | None = None
    finding: str = ""

    def logged(self) -> dict:
        """The criteria as they go into the log: ids, codes and dates only."""
        values = {
            "person": getattr(self.person, "pk", None),
            "case": self.reference or None,
            "user": getattr(self.user, "pk", None),
            "organisation": getattr(self.organisation, "pk", None),
            "action": self.action or None,
            "object_type": getattr(self.object_type, "model", None),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "finding": self.finding or None,
        }
        return {name: value for name, value in values.items() if value is not None}


def search(criteria: Criteria) -> QuerySet[LogEntry]:
    """The entries matching every criterion given, newest first."""
    from audit import findings

    found = entries()
    if criteria.finding:
        found = found.filter(
            pk__in=findings.entries(criteria.finding, criteria.since, criteria.until).values("pk")
        )
    if criteria.person is not None:
        found = found.filter(about_person(criteria.person))
    if criteria.reference:
        if criteria.case is None:
            return found.none()
        found = found.filter(about_case(criteria.case))
    if criteria.user is not None:
        found = found.filter(actor=criteria.user)
    if criteria.organisation is not None:
        found = found.filter(actor__organisation=criteria.organisation)
    if criteria.action:
        found = found.filter(ACTION_FILTERS[criteria.action])
    if criteria.object_type is not None:
        found = found.filter(content_type=criteria.object_type)
    return found.filter(period_filter(criteria.since, criteria.until))


def person_extract(person, since=None, until=None) -> QuerySet[LogEntry]:
    """ "Who has read this person's record": every granted read of the person and of every
    object about them (the extract a data subject may request, GDPR art. 15)."""
    return (
        entries()
        .filter(about_person(person))
        .filter(ACTION_FILTERS["access"])
        .filter(period_filter(since, until))
    )


# Sentinel days the extract's SQL is compiled with (see person_extract_rows).
_SINCE, _UNTIL = datetime.date(1901, 1, 1), datetime.date(1901, 1, 2)
_extracts: dict[tuple, tuple] = {}


@dataclass
class _Stub:
    pk: int


def person_extract_rows(person, since=None, until=None) -> list[dict]:
    """The rows of person_extract, as a list: the query is compiled once per process (per
    database, set of registered models and kind of period) with sentinel values, then run with
    the real ones. Compiling this query costs about as much as running it on a large log, and
    an extract is the auditor's everyday question. Rows go through Django's own converters, so
    they equal list(person_extract(...)) on every database."""
    types = ContentType.objects.get_for_models(*subjects.ABOUT_PERSON)
    key = (
        connection.alias,
        since is None,
        until is None,
        tuple((m, p, types[m].pk) for m, p in subjects.ABOUT_PERSON.items()),
    )
    if key not in _extracts:
        queryset = person_extract(_Stub(_SENTINEL), since and _SINCE, until and _UNTIL)
        query = queryset.query
        compiler = query.get_compiler(connection.alias)
        sql, params = compiler.as_sql()
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        _extracts[key] = (sql, params, compiler, converters, names)
    sql, params, compiler, converters, names = _extracts[key]
    # The parameters as the database adapter gets them (SQLite takes timestamps as text).
    field = LogEntry._meta.get_field("timestamp")

    def prepared(day):
        return field.get_db_prep_value(day_start(day), connection)

    real = {_SENTINEL: person.pk}
    next_day = datetime.timedelta(days=1)
    if since is not None:
        real[prepared(_SINCE)] = prepared(since)
    if until is not None:
        real[prepared(_UNTIL + next_day)] = prepared(until + next_day)
    params = tuple(
        real.get(p, p) if isinstance(p, int | str | datetime.datetime) else p for p in params
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if converters:
        rows = compiler.apply_converters(rows, converters)
    return [dict(zip(names, row, strict=True)) for row in rows]


def user_activity(user, since=None, until=None) -> QuerySet[LogEntry]:
    """Everything one user did over a period."""
    return entries().filter(actor=user).filter(period_filter(since, until))


def case_references(person) -> list[str]:
    from cases.models import Case

    return list(
        Case.objects.filter(young_person=person)
        .order_by("reference")
        .values_list("reference", flat=True)
    )


def last_verification() -> VerificationRun | None:
    return VerificationRun.objects.filter(finished_at__isnull=False).first()


def unacknowledged_failures() -> QuerySet[VerificationRun]:
    """Failed verifications no auditor has acknowledged yet: shown on every auditor's home."""
    return VerificationRun.objects.filter(
        finished_at__isnull=False, intact=False, acknowledged_at__isnull=True
    )


def reviews() -> QuerySet[Review]:
    return Review.objects.select_related("created_by", "closed_by")
