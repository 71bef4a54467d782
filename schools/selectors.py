"""Every read about schools, always given the user."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import User
from audit.access import log_access, log_denied
from schools.models import (
    Assignment,
    School,
    SchoolUserObjectPermission,
    SchoolVisit,
    VisitRevision,
)
from schools.terms import Term


def sees_all_schools(user: User) -> bool:
    """Coordinators hold `view_school` for the model, not per school."""
    return user.has_perm("schools.view_school")


def _granted(user: User):
    return Exists(
        SchoolUserObjectPermission.objects.filter(
            user=user, permission__codename="view_school", content_object=OuterRef("pk")
        )
    )


def _running_assignment(user: User, today: datetime.date, **filters):
    return Exists(
        Assignment.objects.running(today).filter(user=user, school=OuterRef("pk"), **filters)
    )


def schools_for(user: User, today: datetime.date) -> QuerySet[School]:
    """The schools the user may open: all for coordinators; otherwise those with a guardian
    grant and an assignment running today (the grant alone would outlive an ended day)."""
    schools = School.objects.select_related("organisation")
    if sees_all_schools(user):
        return schools
    return schools.filter(_granted(user), _running_assignment(user, today))


def my_schools(user: User, today: datetime.date) -> QuerySet[School]:
    """ "Mina skolor": the active schools assigned to me now, with what the page shows of each."""
    this_term = Term.of(today)
    contacts = (
        Assignment.objects.running(today)
        .select_related("user", "user__organisation")
        .order_by("kind", "user__last_name", "user__first_name")
    )
    visits = SchoolVisit.objects.filter(
        date__gte=this_term.previous().start, date__lte=today, voided_at__isnull=True
    ).select_related("officer")
    return (
        School.objects.filter(active=True)
        .filter(_granted(user), _running_assignment(user, today))
        .annotate(
            i_am_police_contact=_running_assignment(
                user, today, kind=Assignment.Kind.POLICE_CONTACT
            )
        )
        .prefetch_related(
            Prefetch("assignments", queryset=contacts, to_attr="current_assignments"),
            Prefetch("visits", queryset=visits, to_attr="recent_visits"),
        )
    )


def school_for_reading(user: User, pk: int, today: datetime.date) -> School:
    """The school, or 404 (and a logged refusal) when the user may not open it."""
    school = schools_for(user, today).filter(pk=pk).first()
    if school is None:
        log_denied(user, School, pk, obj=School.objects.filter(pk=pk).first())
        raise Http404
    return school


def school_visits(school: School) -> QuerySet[SchoolVisit]:
    return school.visits.select_related("officer", "officer__organisation")


def may_read_visit_note(user: User, visit: SchoolVisit) -> bool:
    """Visit notes are police records: only the officer's own organisation reads them."""
    return user.organisation_id == visit.officer.organisation_id


def visit_for_reading(user: User, pk: int, today: datetime.date) -> SchoolVisit:
    """One visit with its note; the read is logged, a refusal too."""
    visit = (
        SchoolVisit.objects.select_related("school", "officer", "officer__organisation")
        .prefetch_related(
            Prefetch("revisions", queryset=VisitRevision.objects.select_related("changed_by"))
        )
        .filter(pk=pk, school__in=schools_for(user, today))
        .first()
    )
    if visit is None or not may_read_visit_note(user, visit):
        log_denied(user, SchoolVisit, pk, obj=visit or SchoolVisit.objects.filter(pk=pk).first())
        raise Http404
    log_access(user, visit)
    return visit


@dataclass
class CoverageRow:
    school: School
    police_contacts: int
    field_workers: int
    visited: list[bool]  # one per term in CoverageTable.terms, oldest first

    @property
    def missing_police(self) -> int:
        return max(settings.SSPF_POLICE_CONTACTS_PER_SCHOOL - self.police_contacts, 0)

    @property
    def visited_this_term(self) -> bool:
        return self.visited[-1]


@dataclass
class CoverageTable:
    terms: list[Term]
    rows: list[CoverageRow]
    target: int


def coverage(today: datetime.date, *, term_count: int = 4) -> CoverageTable:
    """Täckning: per active school its current contacts and a visit per term, in one query."""
    terms = Term.of(today).last(term_count)
    running = Q(assignments__start_date__lte=today) & (
        Q(assignments__end_date__isnull=True) | Q(assignments__end_date__gt=today)
    )
    annotations = {
        "police_count": Count(
            "assignments",
            filter=running & Q(assignments__kind=Assignment.Kind.POLICE_CONTACT),
            distinct=True,
        ),
        "field_worker_count": Count(
            "assignments",
            filter=running & Q(assignments__kind=Assignment.Kind.FIELD_WORKER),
            distinct=True,
        ),
    }
    for index, term in enumerate(terms):
        annotations[f"visited_{index}"] = Exists(
            SchoolVisit.objects.filter(
                school=OuterRef("pk"),
                date__gte=term.start,
                date__lte=term.end,
                voided_at__isnull=True,
            )
        )
    schools = School.objects.filter(active=True).annotate(**annotations).order_by("name")
    rows = [
        CoverageRow(
            school=school,
            police_contacts=school.police_count,
            field_workers=school.field_worker_count,
            visited=[getattr(school, f"visited_{i}") for i in range(len(terms))],
        )
        for school in schools
    ]
    return CoverageTable(terms, rows, settings.SSPF_POLICE_CONTACTS_PER_SCHOOL)


def assignment_list(
    *, school: School | None = None, current_only: bool = False, today: datetime.date
) -> QuerySet[Assignment]:
    assignments = Assignment.objects.select_related(
        "school", "user", "user__organisation", "created_by"
    ).order_by("school__name", "kind", "-start_date")
    if school is not None:
        assignments = assignments.filter(school=school)
    if current_only:
        assignments = assignments.not_ended(today)
    return assignments
