"""The yearly follow-up for the local crime-prevention council (BRÅ-rådet): the targets
against their actual values with the trend, SSPF activity by gender (and the group-level
meetings, which have no gender: by level), school-visit coverage."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q

from schools.models import School, SchoolVisit
from schools.terms import Term
from stats import tables
from stats.models import Target

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


def target_lines(year: int) -> list[TargetLine]:
    lines = []
    for target in Target.objects.prefetch_related("values"):
        values = {v.year: v for v in target.values.all()}
        now, before = values.get(year), values.get(year - 1)
        line = TargetLine(
            target=target,
            year=year,
            expected=target.expected(year),
            actual=now.value if now else None,
            previous=before.value if before else None,
            source=now.source if now else "",
        )
        lines.append(line)
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
