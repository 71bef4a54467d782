"""The yearly follow-up for the local crime-prevention council (BRÅ-rådet): the targets
against their actual values with the trend, SSPF activity by gender (and the group-level
meetings, which have no gender: by level), school-visit coverage."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from schools.models import School, SchoolVisit
from schools.terms import Term
from stats import tables
from stats.models import Target

COUNTED = _("counted in SSPF")

ACTIVITY = [
    "cases_new",
    "people",
    "contacts_named",
    "contacts_group",
    "meetings_network",
    "referrals",
    "meetings_group",
]


@dataclass
class TargetLine:
    target: Target
    year: int
    expected: Decimal
    actual: Decimal | None
    previous: Decimal | None
    source: str
    suppressed: bool = False  # counted in SSPF, but a small total: not published

    @property
    def met(self) -> bool | None:
        return None if self.actual is None else self.target.met(self.year, self.actual)

    @property
    def trend(self) -> str:
        """ "up", "down", "same" or "" (no two years to compare)."""
        if self.actual is None or self.previous is None:
            return ""
        if self.actual == self.previous:
            return "same"
        return "up" if self.actual > self.previous else "down"


def counted(measure: str, year: int) -> dict[int, int | None]:
    """{year: total} of a measure SSPF counts itself. Each year's total is published as a
    number of its own (the year and the one before, for the trend), so each is protected
    alone: a total from 1 to the threshold − 1 is suppressed (None); zero stays zero."""
    threshold = settings.SSPF_SUPPRESSION_THRESHOLD
    return {
        y: n if n == 0 or n >= threshold else None
        for y, n in tables.year_totals(measure, year).items()
    }


def target_lines(year: int) -> list[TargetLine]:
    """A value entered for the year wins; otherwise a target SSPF counts itself gets the
    count (one table per measure, however many targets share it)."""
    lines = []
    counts: dict[str, dict] = {}
    for target in Target.objects.prefetch_related("values"):
        values = {v.year: v for v in target.values.all()}
        if target.measure and target.measure in tables.MEASURES:
            if target.measure not in counts:
                counts[target.measure] = counted(target.measure, year)
            found = counts[target.measure]
        else:
            found = {}

        def actual(y, values=values, found=found):
            if y in values:
                return values[y].value, values[y].source
            if found.get(y) is not None:
                return Decimal(found[y]), str(COUNTED)
            return None, ""

        now, source = actual(year)
        before, _source = actual(year - 1)
        hidden = now is None and year in found
        lines.append(
            TargetLine(
                target=target,
                year=year,
                expected=target.expected(year),
                actual=now,
                previous=before,
                source=source,
                suppressed=hidden,
            )
        )
    return lines


def coverage(year: int) -> list[dict]:
    """Per term: active schools, schools visited by their contact police, the share."""
    schools = School.objects.filter(active=True).count()
    visited = SchoolVisit.objects.filter(
        date__year=year, school__active=True, voided_at__isnull=True
    ).aggregate(
        **{
            f"term{half}": Count(
                "school",
                distinct=True,
                filter=Q(date__month__lte=6) if half == 1 else Q(date__month__gt=6),
            )
            for half in (1, 2)
        }
    )
    return [
        {
            "term": Term(year, half),
            "schools": schools,
            "visited": visited[f"term{half}"],
            "share": round(100 * visited[f"term{half}"] / schools) if schools else 0,
        }
        for half in (1, 2)
    ]


def report(year: int) -> dict:
    return {
        "year": year,
        "targets": target_lines(year),
        "activity": [tables.build(measure, "term", year) for measure in ACTIVITY],
        "coverage": coverage(year),
    }
