from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sspf.csvexport import csv_response
from sspf.once import run_once, sent_before
from stats import charts, followup, selectors, services
from stats.forms import FollowUpForm, TableForm, TargetForm, TargetValueForm
from stats.models import Target

SUPPRESSED = "×"


def _table_from_request(request):
    """The form of choices and the table it asks for (the defaults when nothing is chosen)."""
    measures = selectors.measures_for(request.user)
    if not measures:
        raise PermissionDenied
    form = TableForm(request.GET or None, measures=measures)
    choices = form.cleaned_data if form.is_bound and form.is_valid() else None
    if choices is None:
        choices = TableForm.defaults(measures)
        if not form.is_bound:
            form = TableForm(choices, measures=measures)
            form.is_valid()
    table = selectors.table_for(request.user, **choices)
    return form, table


@login_required
def gender_view(request):
    form, table = _table_from_request(request)
    return render(
        request,
        "stats/index.html",
        {
            "form": form,
            "table": table,
            "chart": charts.bars(table),
            "own_work": selectors.sees_own_work(request.user),
            "query": request.GET.urlencode(),
            "threshold": table.protected.threshold,
        },
    )


def _csv_cell(value):
    return _("suppressed") if value is None else value


@login_required
def gender_csv(request):
    _form, table = _table_from_request(request)
    header = [str(table.split_label), *map(str, table.column_labels)]
    header.append(_("Sum of rows") if table.sum_of_rows else _("Total"))
    rows = [header]
    for label, cells, total in table.rows():
        rows.append([str(label), *map(_csv_cell, cells), _csv_cell(total)])
    column_totals, grand = table.totals()
    rows.append(
        [_("Sum of rows") if table.sum_of_rows else _("Total"), *map(_csv_cell, column_totals)]
        + [_csv_cell(grand)]
    )
    name = f"statistik-{table.measure}-{table.split}-{table.year}.csv"
    selectors.log_export(
        request.user,
        name,
        {
            "measure": table.measure,
            "split": table.split,
            "year": table.year,
            "scope": "own work" if selectors.sees_own_work(request.user) else "all",
        },
    )
    return csv_response(name, [[str(table.title)], *rows])


@login_required
@permission_required("stats.view_statistics", raise_exception=True)
def follow_up(request):
    form = FollowUpForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_bound and form.is_valid() else None
    if year is None:
        year = int(form.fields["year"].choices[1][0])  # last year: the year to follow up
        form = FollowUpForm({"year": year})
        form.is_valid()
    return render(request, "stats/follow_up.html", {"form": form, **followup.report(year)})


@login_required
@permission_required("stats.view_statistics", raise_exception=True)
def follow_up_csv(request):
    form = FollowUpForm(request.GET or None)
    if not (form.is_bound and form.is_valid()):
        return redirect("stats:follow_up")
    report = followup.report(form.cleaned_data["year"])
    year = report["year"]
    rows = [
        [_("Yearly follow-up %(year)s") % {"year": year}],
        [_("Target"), _("Baseline"), _("Target value"), _("Actual"), _("Previous year"), _("Met")],
    ]
    yes, no = _("yes"), _("no")
    for line in report["targets"]:
        rows.append(
            [
                line.target.name,
                f"{line.target.baseline_value} ({line.target.baseline_year})",
                line.expected,
                "" if line.actual is None else line.actual,
                "" if line.previous is None else line.previous,
                "" if line.met is None else (yes if line.met else no),
            ]
        )
    for table in report["activity"]:
        rows.append([])
        header = [str(table.title), *map(str, table.column_labels)]
        rows.append([*header, _("Sum of rows") if table.sum_of_rows else _("Total")])
        for label, cells, total in table.rows():
            rows.append([str(label), *map(_csv_cell, cells), _csv_cell(total)])
    rows.append([])
    rows.append([_("Term"), _("Schools"), _("Visited"), _("Coverage (%)")])
    for term in report["coverage"]:
        rows.append([str(term["term"]), term["schools"], term["visited"], term["share"]])
    name = f"uppfoljning-{year}.csv"
    selectors.log_export(request.user, name, {"report": "follow-up", "year": year})
    return csv_response(name, rows)


@login_required
@permission_required("stats.view_statistics", raise_exception=True)
@require_http_methods(["GET", "POST"])
def targets(request):
    may_add = request.user.has_perm("stats.add_target")
    form = TargetForm(request.POST or None)
    if request.method == "POST":
        if not may_add:
            raise PermissionDenied
        if again := sent_before(request):  # the name is taken now: by this very form
            return redirect(again)
        go_to = form.is_valid() and run_once(
            request,
            form,
            lambda: services.target_create(by=request.user, **form.service_data()),
            _("The target is added."),
            lambda _target: reverse("stats:targets"),
        )
        if go_to:
            return redirect(go_to)
    return render(
        request,
        "stats/targets.html",
        {
            "form": form if may_add else None,
            "targets": Target.objects.prefetch_related("values"),
            "value_form": TargetValueForm()
            if request.user.has_perm("stats.add_targetvalue")
            else None,
        },
    )


@login_required
@permission_required("stats.add_targetvalue", raise_exception=True)
@require_http_methods(["GET", "POST"])
def target_value_new(request, pk):
    target = get_object_or_404(Target, pk=pk)
    form = TargetValueForm(request.POST or None)
    go_to = (
        request.method == "POST"
        and form.is_valid()
        and run_once(
            request,
            form,
            lambda: services.target_value_record(
                by=request.user, target=target, **form.service_data()
            ),
            _("The value is recorded."),
            lambda _value: reverse("stats:targets"),
        )
    )
    if go_to:
        return redirect(go_to)
    return render(request, "stats/target_value.html", {"form": form, "target": target})
