from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audit.access import log_denied
from schools import selectors, services
from schools.forms import (
    AssignmentFilterForm,
    AssignmentForm,
    EndAssignmentForm,
    VisitCorrectForm,
    VisitForm,
)
from schools.models import Assignment, SchoolVisit
from schools.terms import Term
from sspf import revisions
from sspf.csvexport import csv_response
from sspf.once import run_once
from sspf.pages import paginate, run_service
from sspf.revisions import VoidForm


@login_required
def my_schools(request):
    today = timezone.localdate()
    this_term = Term.of(today)
    schools = list(selectors.my_schools(request.user, today))
    for school in schools:
        school.visits_this_term = [v for v in school.recent_visits if v.term == this_term]
        school.visits_last_term = [v for v in school.recent_visits if v.term != this_term]
        school.other_contacts = [
            a for a in school.current_assignments if a.user_id != request.user.pk
        ]
        school.visit_form = VisitForm(auto_id=f"visit-{school.pk}-%s")
    return render(
        request,
        "schools/my_schools.html",
        {
            "schools": schools,
            "this_term": this_term,
            "last_term": this_term.previous(),
        },
    )


@login_required
def school_detail(request, pk):
    today = timezone.localdate()
    school = selectors.school_for_reading(request.user, pk, today)
    visits, _query = paginate(request, selectors.school_visits(school), 20)
    contacts = selectors.assignment_list(school=school, current_only=True, today=today).filter(
        start_date__lte=today
    )
    return render(
        request,
        "schools/school_detail.html",
        {
            "school": school,
            "contacts": contacts,
            "visits": visits,
            "my_organisation_id": request.user.organisation_id,
        },
    )


@login_required
@permission_required("schools.add_schoolvisit", raise_exception=True)
@require_http_methods(["GET", "POST"])
def visit_new(request, pk):
    school = selectors.school_for_reading(request.user, pk, timezone.localdate())
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        go_to = run_once(
            request,
            form,
            lambda: services.visit_log(by=request.user, school=school, **form.service_data()),
            _("Visit to %(school)s recorded.") % {"school": school.name},
            lambda visit: reverse("schools:visit_detail", args=[visit.pk]),
            then=f"{reverse('schools:mine')}#school-{school.pk}",
        )
        if go_to is not None:
            return redirect(go_to)
    return render(request, "schools/visit_form.html", {"school": school, "form": form})


@login_required
def visit_detail(request, pk):
    visit = selectors.visit_for_reading(request.user, pk, timezone.localdate())
    history = [
        {"revision": revision, "previous": revisions.describe(SchoolVisit, revision.previous)}
        for revision in visit.revisions.all()
    ]
    return render(
        request,
        "schools/visit_detail.html",
        {
            "visit": visit,
            "history": history,
            "may_correct": services.may_correct_visit(request.user, visit),
            "correction_open": services.visit_correction_open(visit),
        },
    )


def _visit_to_change(request, pk):
    """The visit, when the user reads it (else 404) and may change it (else 403)."""
    visit = selectors.visit_for_reading(request.user, pk, timezone.localdate())
    if not services.may_correct_visit(request.user, visit):
        log_denied(request.user, SchoolVisit, pk, obj=visit)
        raise PermissionDenied
    return visit


@login_required
@require_http_methods(["GET", "POST"])
def visit_correct(request, pk):
    visit = _visit_to_change(request, pk)
    form = VisitCorrectForm(request.POST or None, visit=visit)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            form,
            lambda: services.visit_correct(
                by=request.user, visit=visit, reason=form.cleaned_data["reason"], **form.values()
            ),
            _("The visit is corrected. The earlier values are kept in its history."),
        )
    ):
        return redirect("schools:visit_detail", pk=visit.pk)
    return render(
        request,
        "schools/visit_correct.html",
        {
            "visit": visit,
            "form": form,
            "correction_open": services.visit_correction_open(visit),
            "days": settings.SSPF_CORRECTION_DAYS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_void(request, pk):
    """The confirmation page before voiding, and the voiding itself."""
    visit = _visit_to_change(request, pk)
    form = VoidForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            form,
            lambda: services.visit_void(
                by=request.user, visit=visit, reason=form.cleaned_data["reason"]
            ),
            _("The visit is voided. It is kept in the history and counted nowhere."),
        )
    ):
        return redirect("schools:visit_detail", pk=visit.pk)
    return render(request, "schools/visit_void.html", {"visit": visit, "form": form})


@login_required
@permission_required("schools.view_assignment", raise_exception=True)
def coverage(request):
    table = selectors.coverage(timezone.localdate())
    return render(request, "schools/coverage.html", {"table": table})


@login_required
@permission_required("schools.view_assignment", raise_exception=True)
def coverage_csv(request):
    today = timezone.localdate()
    table = selectors.coverage(today)
    yes, no = _("yes"), _("no")
    header = [
        _("School"),
        _("Level"),
        _("Area"),
        _("Contact police officers"),
        _("Target"),
        _("Field workers"),
    ] + [str(term) for term in table.terms]
    rows = (
        [
            row.school.name,
            row.school.get_level_display(),
            row.school.area,
            row.police_contacts,
            table.target,
            row.field_workers,
        ]
        + [yes if visited else no for visited in row.visited]
        for row in table.rows
    )
    return csv_response(f"tackning-{today.isoformat()}.csv", [header, *rows])


@login_required
@permission_required("schools.view_assignment", raise_exception=True)
def assignment_list(request):
    filters = AssignmentFilterForm(request.GET or None)
    school = current = None
    if filters.is_valid():
        school, current = filters.cleaned_data["school"], filters.cleaned_data["current"]
    assignments = selectors.assignment_list(
        school=school, current_only=bool(current), today=timezone.localdate()
    )
    page, query = paginate(request, assignments, 50)
    return render(
        request,
        "schools/assignment_list.html",
        {"page": page, "filters": filters, "today": timezone.localdate(), "query": query},
    )


@login_required
@permission_required("schools.add_assignment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def assignment_new(request):
    form = AssignmentForm(request.POST or None, initial=_initial_from(request))
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            form,
            lambda: services.assignment_start(by=request.user, **form.cleaned_data),
            lambda assignment: (
                _("%(person)s now has an assignment at %(school)s.")
                % {
                    "person": assignment.user.get_full_name() or assignment.user.username,
                    "school": assignment.school.name,
                }
            ),
        )
    ):
        return redirect("schools:assignments")
    return render(request, "schools/assignment_form.html", {"form": form})


def _initial_from(request):
    initial = {"start_date": timezone.localdate()}
    if request.GET.get("school", "").isdigit():
        initial["school"] = int(request.GET["school"])
    return initial


@login_required
@permission_required("schools.change_assignment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def assignment_end(request, pk):
    assignment = get_object_or_404(Assignment.objects.select_related("school", "user"), pk=pk)
    form = EndAssignmentForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            form,
            lambda: services.assignment_end(
                by=request.user, assignment=assignment, end_date=form.cleaned_data["end_date"]
            ),
            _("The assignment has been ended."),
        )
    ):
        return redirect("schools:assignments")
    return render(request, "schools/assignment_end.html", {"assignment": assignment, "form": form})
