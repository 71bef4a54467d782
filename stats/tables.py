"""The gender-disaggregated tables (DESIGN §8), counted in the database.

Every table has the four genders as columns and, as rows, the split the user chose: period
(years, terms, months), age band, school, area, risk factor or signal source. Each measure
reads its live rows and the anonymous facts kept by a retention purge (stats.models.StatFact)
alike, so that a purge changes no figure. Rows come from GROUP BY queries; the number of
queries depends on the split (one per period for "active" measures), never on the data.

A case with two risk factors is in two rows, a case open in two months in both: such tables
are made additive by showing as totals the sums of their rows ("sum of rows"), which is what
the disclosure control (stats/disclosure.py) protects.

Meetings: a held network meeting counts under the gender of its case's young person, like
the case. Steering and operational group meetings are about no one and have no gender: they
are a table of their own whose columns are the two levels (never put under "not recorded",
which means a person's gender is not known). Referrals count from the day they were sent
(drafts are not referrals yet), under the young person's gender, split by kind or outcome.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Case as Choose
from django.db.models import (
    CharField,
    Count,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, ExtractMonth, ExtractYear
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from cases.models import Case, RiskFactor, YoungPerson
from contacts.models import Contact
from meetings.models import Level, Meeting
from referrals.models import Referral
from schools.models import School
from schools.terms import Term
from stats.disclosure import Protected, protect
from stats.models import StatFact

GENDERS = [g for g, _label in YoungPerson.Gender.choices]
GENDER_COLUMNS = [
    ("girl", _("Girls")),
    ("boy", _("Boys")),
    ("other", _("Other")),
    ("not_recorded", _("Not recorded")),
]
LEVEL_COLUMNS = [
    (Level.STEERING.value, _("Steering group")),
    (Level.OPERATIONAL.value, _("Operational group")),
]
YEARS_IN_TREND = 5

MEASURES = {
    "cases_new": _("New cases"),
    "cases_active": _("Active cases"),
    "cases_closed": _("Closed cases"),
    "people": _("Young people with an open case"),
    "contacts_named": _("Named contacts"),
    "contacts_group": _("Young people met in anonymous group contacts"),
    "meetings_network": _("Network meetings held"),
    "meetings_group": _("Steering and operational group meetings held"),
    "referrals": _("Referrals sent"),
}
# What a field worker may see of their own work.
OWN_WORK_MEASURES = ["contacts_named", "contacts_group"]

SPLITS = {
    "year": _("Year"),
    "term": _("Term"),
    "month": _("Month"),
    "age_band": _("Age band"),
    "school": _("School"),
    "area": _("Area"),
    "risk_factor": _("Risk factor"),
    "signal_source": _("Signal source"),
    "referral_kind": _("Kind of referral"),
    "referral_outcome": _("Outcome of the referral"),
}
PERIOD_SPLITS = ("year", "term", "month")
CASE_ONLY_SPLITS = ("risk_factor", "signal_source")
REFERRAL_ONLY_SPLITS = ("referral_kind", "referral_outcome")
# The rows of the outcome split besides the outcomes themselves: where a referral without an
# outcome stands.
REFERRAL_OPEN, REFERRAL_DECLINED, REFERRAL_WITHDRAWN = "open", "declined", "withdrawn"
# Measures whose rows may overlap: their totals are sums of rows.
OVERLAPPING = {"cases_active", "people"}


def splits_for(measure: str) -> list[str]:
    if measure.startswith("contacts"):
        excluded = CASE_ONLY_SPLITS + REFERRAL_ONLY_SPLITS
    elif measure == "meetings_group":
        excluded = ("age_band", *CASE_ONLY_SPLITS, *REFERRAL_ONLY_SPLITS)
    elif measure == "referrals":
        excluded = ("school", "area", *CASE_ONLY_SPLITS)
    else:
        excluded = REFERRAL_ONLY_SPLITS
    return [s for s in SPLITS if s not in excluded]


def columns_of(measure: str) -> list[tuple[str, str]]:
    """(key, label) of the table's columns: the four genders, or for group-level meetings
    (about no one) the two levels."""
    return LEVEL_COLUMNS if measure == "meetings_group" else GENDER_COLUMNS


def referral_outcome(status: str, outcome: str) -> str:
    """The row of a referral in the outcome split (the same as _referral_outcome_row)."""
    if outcome:
        return outcome
    if status in (REFERRAL_DECLINED, REFERRAL_WITHDRAWN):
        return status
    return REFERRAL_OPEN


@dataclass
class Source:
    """Where a measure's rows live and what its fields are called there."""

    queryset: object
    gender: str
    birth_year: object  # an expression
    school: str
    area: str
    date: str = ""  # the event's date (for events in a period)
    opened: str = ""
    closed: str = ""
    source: str = ""
    risk: str = ""
    person: object = None  # an expression: the person's key, for distinct counts
    datetime: bool = False
    kind: str = ""  # referrals: the kind
    outcome: object = None  # referrals: an expression giving the outcome row


def _live_cases():
    return Source(
        Case.objects.all(),
        gender="young_person__gender",
        birth_year=ExtractYear("young_person__birth_date"),
        school="school_id",
        area="school__area",
        opened="opened_on",
        closed="closed_on",
        source="signal_source",
        risk="risk_factors__factor",
        person=Concat(Value("p"), Cast("young_person_id", CharField())),
    )


def _fact_cases():
    return Source(
        StatFact.objects.filter(kind=StatFact.Kind.CASE),
        gender="gender",
        birth_year=F("birth_year"),
        school="school_id",
        area="school__area",
        opened="opened_month",
        closed="closed_month",
        source="signal_source",
        risk="risk_factors__factor",
        # Concat never gives NULL (it reads NULL as ""), so the choice is explicit.
        person=Choose(
            When(
                young_person__isnull=False,
                then=Concat(Value("p"), Cast("young_person_id", CharField())),
            ),
            default=Concat(Value("t"), Cast("person_token", CharField())),
            output_field=CharField(),
        ),
    )


def _live_named_contacts(recorded_by=None):
    contacts = Contact.objects.filter(young_person__isnull=False, voided_at__isnull=True)
    if recorded_by is not None:
        contacts = contacts.filter(recorded_by=recorded_by)
    return Source(
        contacts,
        gender="young_person__gender",
        birth_year=ExtractYear("young_person__birth_date"),
        school="school_id",
        area="school__area",
        date="occurred_at",
        datetime=True,
    )


def _fact_named_contacts(recorded_by=None):
    facts = StatFact.objects.filter(kind=StatFact.Kind.NAMED_CONTACT)
    if recorded_by is not None:
        facts = facts.filter(recorded_by=recorded_by)
    return Source(
        facts,
        gender="gender",
        birth_year=F("birth_year"),
        school="school_id",
        area="school__area",
        date="occurred_month",
    )


def _live_network_meetings():
    return Source(
        Meeting.objects.filter(level=Level.NETWORK, status=Meeting.Status.HELD),
        gender="case__young_person__gender",
        birth_year=ExtractYear("case__young_person__birth_date"),
        school="case__school_id",
        area="case__school__area",
        date="date",
        source="case__signal_source",
        risk="case__risk_factors__factor",
    )


def _fact_network_meetings():
    return Source(
        StatFact.objects.filter(kind=StatFact.Kind.NETWORK_MEETING),
        gender="gender",
        birth_year=F("birth_year"),
        school="school_id",
        area="school__area",
        date="occurred_month",
        source="signal_source",
        risk="risk_factors__factor",
    )


def _group_meetings():
    """Group-level meetings are never purged (they are about no one): live rows only. The
    "gender" of their table is the level."""
    return Source(
        Meeting.objects.filter(status=Meeting.Status.HELD).exclude(level=Level.NETWORK),
        gender="level",
        birth_year=None,
        school="schools",
        area="area",
        date="date",
    )


def _referral_outcome_row():
    return Choose(
        When(~Q(outcome=""), then=F("outcome")),
        When(
            status__in=[REFERRAL_DECLINED, REFERRAL_WITHDRAWN],
            then=F("status"),
        ),
        default=Value(REFERRAL_OPEN),
        output_field=CharField(),
    )


def _live_referrals():
    return Source(
        Referral.objects.filter(sent_at__isnull=False),
        gender="young_person__gender",
        birth_year=ExtractYear("young_person__birth_date"),
        school="",
        area="",
        date="sent_at",
        datetime=True,
        kind="kind",
        outcome=_referral_outcome_row(),
    )


def _fact_referrals():
    return Source(
        StatFact.objects.filter(kind=StatFact.Kind.REFERRAL),
        gender="gender",
        birth_year=F("birth_year"),
        school="",
        area="",
        date="occurred_month",
        kind="referral_kind",
        outcome=F("referral_outcome"),
    )


SOURCES = {
    "meetings_network": lambda recorded_by: [_live_network_meetings(), _fact_network_meetings()],
    "meetings_group": lambda recorded_by: [_group_meetings()],
    "referrals": lambda recorded_by: [_live_referrals(), _fact_referrals()],
    "contacts_named": lambda recorded_by: [
        _live_named_contacts(recorded_by),
        _fact_named_contacts(recorded_by),
    ],
}


def age_bands() -> list[tuple[int, int | None]]:
    """[(from, up to but not including), …] from SSPF_STATS_AGE_BANDS ("13,16,18")."""
    bounds = settings.SSPF_STATS_AGE_BANDS
    edges = [0, *bounds]
    return [(edges[k], edges[k + 1]) for k in range(len(bounds))] + [(bounds[-1], None)]


def age_band_label(band: tuple[int, int | None]) -> str:
    low, high = band
    if low == 0:
        return _("Under %(age)s") % {"age": high}
    if high is None:
        return _("%(age)s or older") % {"age": low}
    return f"{low}–{high - 1}"


def period_rows(split: str, year: int) -> list[tuple[object, str, datetime.date, datetime.date]]:
    """(key, label, first day, last day) of each period row."""
    if split == "year":
        return [
            (y, str(y), datetime.date(y, 1, 1), datetime.date(y, 12, 31))
            for y in range(year - YEARS_IN_TREND + 1, year + 1)
        ]
    if split == "term":
        return [(t.half, t.label, t.start, t.end) for t in (Term(year, 1), Term(year, 2))]
    rows = []
    for month in range(1, 13):
        first = datetime.date(year, month, 1)
        last = (first + datetime.timedelta(days=31)).replace(day=1) - datetime.timedelta(days=1)
        rows.append((month, formats.date_format(first, "F Y"), first, last))
    return rows


@dataclass
class Table:
    """A measure split one way, with the gender columns, after disclosure control."""

    measure: str
    split: str
    year: int
    keys: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    protected: Protected | None = None
    sum_of_rows: bool = False
    column_keys: list = field(default_factory=lambda: list(GENDERS))
    column_labels: list = field(default_factory=lambda: [label for _g, label in GENDER_COLUMNS])

    @property
    def title(self):
        return MEASURES[self.measure]

    @property
    def gendered(self) -> bool:
        return self.column_keys == GENDERS

    @property
    def split_label(self):
        return SPLITS[self.split]

    def rows(self):
        """[(label, [cell…], total)] with None for a suppressed value."""
        table = self.protected
        return [
            (
                label,
                [table.shown(("cell", i, j)) for j in range(len(self.column_keys))],
                table.shown(("row", i)),
            )
            for i, label in enumerate(self.labels)
        ]

    def totals(self):
        table = self.protected
        columns = range(len(self.column_keys))
        return [table.shown(("col", j)) for j in columns], table.shown(("grand",))


def build(measure: str, split: str, year: int, *, recorded_by=None) -> Table:
    """The table of `measure` split by `split` for `year` (for "year": the five years up to
    it). `recorded_by` restricts contacts to one worker's own (a field worker's own figures)."""
    counts, keys, labels = _count(measure, split, year, recorded_by)
    columns = columns_of(measure)
    cells = [[counts.get((key, c), 0) for c, _label in columns] for key in keys]
    threshold = settings.SSPF_SUPPRESSION_THRESHOLD
    return Table(
        measure=measure,
        split=split,
        year=year,
        keys=keys,
        labels=labels,
        protected=protect(cells, threshold)
        if cells
        else Protected([], [], [0] * len(columns), 0, threshold),
        sum_of_rows=measure in OVERLAPPING
        or split == "risk_factor"
        or (measure == "meetings_group" and split == "school"),
        column_keys=[c for c, _label in columns],
        column_labels=[label for _c, label in columns],
    )


def year_totals(measure: str, year: int) -> dict[int, int]:
    """{year: count} for the five years up to `year`, before disclosure control (the caller
    publishes each as a number of its own, see stats.followup.counted)."""
    counts, keys, _labels = _count(measure, "year", year, None)
    columns = [c for c, _label in columns_of(measure)]
    return {key: sum(counts.get((key, c), 0) for c in columns) for key in keys}


def _count(measure, split, year, recorded_by):
    if measure == "contacts_group":
        return _group_head_counts(split, year, recorded_by)
    if measure in SOURCES:
        sources = SOURCES[measure](recorded_by)
    else:
        sources = [_live_cases(), _fact_cases()]
    first, last = _span(split, year)
    counts: dict = {}
    found_keys: set = set()
    if measure in OVERLAPPING and split in PERIOD_SPLITS:
        # One query per period: a case open in March and April counts in both.
        for key, _label, start, end in period_rows(split, year):
            for (_k, gender), n in _tally(measure, sources, None, start, end).items():
                counts[(key, gender)] = counts.get((key, gender), 0) + n
    else:
        for (key, gender), n in _tally(measure, sources, split, first, last).items():
            counts[(key, gender)] = counts.get((key, gender), 0) + n
            found_keys.add(key)
    keys, labels = _split_keys(split, year, found_keys)
    return counts, keys, labels


def _span(split, year):
    if split == "year":
        return datetime.date(year - YEARS_IN_TREND + 1, 1, 1), datetime.date(year, 12, 31)
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _tally(measure, sources, split, start, end) -> dict:
    """{(row key, gender): count} over all sources; split None: one row (key None)."""
    grouped = []
    for source in sources:
        date = source.date or (source.closed if measure == "cases_closed" else source.opened)
        rows = _in_period(measure, source, start, end)
        if split == "age_band":
            rows = rows.annotate(born=source.birth_year)
        rows = rows.annotate(
            split_key=_row_expression(split, source, end.year, date) if split else Value(0),
            g=F(source.gender),
        )
        grouped.append((source, rows))
    if measure == "people":
        return _distinct_people(grouped)
    counts: dict = {}
    for _source, rows in grouped:
        # A meeting is in one row per risk factor of its case, or per school it concerns.
        distinct = split in ("risk_factor", "school")
        for row in (
            rows.values("split_key", "g").annotate(n=Count("pk", distinct=distinct)).order_by()
        ):
            key = (row["split_key"], row["g"])
            counts[key] = counts.get(key, 0) + row["n"]
    return counts


def _in_period(measure, source: Source, start, end):
    rows = source.queryset
    if measure == "cases_new":
        return rows.filter(**{f"{source.opened}__range": (start, end)})
    if measure == "cases_closed":
        return rows.filter(**{f"{source.closed}__range": (start, end)})
    if measure in ("cases_active", "people"):
        return rows.filter(
            Q(**{f"{source.closed}__isnull": True}) | Q(**{f"{source.closed}__gte": start}),
            **{f"{source.opened}__lte": end},
        )
    if source.datetime:
        return rows.filter(**{f"{source.date}__date__range": (start, end)})
    return rows.filter(**{f"{source.date}__range": (start, end)})


def _row_expression(split, source: Source, year: int, date: str):
    if split == "year":
        return ExtractYear(date)
    if split == "month":
        return ExtractMonth(date)
    if split == "term":
        return Choose(
            When(**{f"{date}__month__lte": 6}, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    if split == "age_band":
        # The age reached during the year (age on 31 December): the year minus the birth year.
        return Choose(
            *(
                When(born__gt=year - high, then=Value(k))
                for k, (_low, high) in enumerate(age_bands())
                if high is not None
            ),
            default=Value(len(age_bands()) - 1),
            output_field=IntegerField(),
        )
    if split == "school":
        return F(source.school)
    if split == "area":
        return Coalesce(F(source.area), Value(""))
    if split == "risk_factor":
        return Coalesce(F(source.risk), Value(""))
    if split == "referral_kind":
        return F(source.kind)
    if split == "referral_outcome":
        return source.outcome
    return F(source.source)


def _distinct_people(grouped) -> dict:
    """Distinct young people per (row, gender) over live cases and facts: the UNION of
    (row, gender, person key) removes a person counted in both, then GROUP BY counts."""
    parts, params = [], []
    for source, rows in grouped:
        sql, p = (
            rows.annotate(person_key=source.person)
            .values_list("split_key", "g", "person_key")
            .order_by()
            .query.sql_with_params()
        )
        parts.append(sql)
        params.extend(p)
    # The SQL is Django's own, compiled from the querysets above; the values are parameters.
    union = " UNION ".join(f"SELECT * FROM ({sql}) AS part{k}" for k, sql in enumerate(parts))  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT split_key, g, COUNT(*) FROM ({union}) AS people "  # noqa: S608
            "GROUP BY split_key, g",
            params,
        )
        return {(row, gender): n for row, gender, n in cursor.fetchall()}


def _group_head_counts(split, year, recorded_by):
    """Anonymous group contacts: the head counts per gender, summed in the database."""
    first, last = _span(split, year)
    contacts = Contact.objects.filter(
        young_person__isnull=True, occurred_at__date__range=(first, last), voided_at__isnull=True
    )
    if recorded_by is not None:
        contacts = contacts.filter(recorded_by=recorded_by)
    if split == "age_band":
        row = Coalesce(F("age_band"), Value(""))
    else:
        place = Source(None, "", None, "school_id", "school__area", date="occurred_at")
        row = _row_expression(split, place, year, "occurred_at")
    found = (
        contacts.annotate(split_key=row)
        .values("split_key")
        .annotate(
            girl=Sum("girls"),
            boy=Sum("boys"),
            other=Sum("others"),
            not_recorded=Sum("not_recorded"),
        )
        .order_by()
    )
    counts, keys = {}, set()
    for group in found:
        keys.add(group["split_key"])
        for gender in GENDERS:
            counts[(group["split_key"], gender)] = group[gender] or 0
    if split == "age_band":
        bands = [(b, label) for b, label in Contact.AgeBand.choices]
        present = [b for b, _l in bands if b in keys]
        labels = dict(bands)
        extra = [""] if "" in keys else []
        return (
            counts,
            present + extra,
            [labels[b] for b in present] + [_("Not recorded")] * len(extra),
        )
    split_keys, labels = _split_keys(split, year, keys)
    return counts, split_keys, labels


def _split_keys(split, year, found):
    """The rows to show, in order, with their labels."""
    if split in PERIOD_SPLITS:
        periods = period_rows(split, year)
        return [key for key, *_rest in periods], [label for _k, label, *_rest in periods]
    if split == "age_band":
        bands = age_bands()
        return list(range(len(bands))), [age_band_label(b) for b in bands]
    if split == "signal_source":
        return list(Case.Source.values), list(Case.Source.labels)
    if split == "risk_factor":
        factors = RiskFactor.Factor
        return [*factors.values, ""], [*factors.labels, _("None recorded")]
    if split == "referral_kind":
        return list(Referral.Kind.values), list(Referral.Kind.labels)
    if split == "referral_outcome":
        outcomes = Referral.Outcome
        return [*outcomes.values, REFERRAL_DECLINED, REFERRAL_WITHDRAWN, REFERRAL_OPEN], [
            *outcomes.labels,
            _("Declined by the receiving service"),
            _("Withdrawn"),
            _("No outcome yet"),
        ]
    if split == "school":
        names = dict(
            School.objects.filter(pk__in=[k for k in found if k]).values_list("pk", "name")
        )
        keys = sorted((k for k in found if k), key=lambda k: names.get(k, ""))
        return keys + ([None] if None in found else []), [names[k] for k in keys] + (
            [_("No school")] if None in found else []
        )
    keys = sorted(k for k in found if k)
    return keys + ([""] if "" in found else []), keys + ([_("No area")] if "" in found else [])
