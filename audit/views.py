"""The auditors' workspace: search, extracts, findings, log reviews and integrity.

Auditors only (the `audit.use_workspace` permission); everyone else gets 403. Pages show
references, never names or case content, and every search and export is itself logged.
"""

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from audit import findings, selectors, services
from audit.access import log_audit_read
from audit.forms import (
    AssessForm,
    CloseForm,
    ConfirmForm,
    PeriodForm,
    PersonSearchForm,
    ReviewForm,
    SearchForm,
)
from audit.models import LogEntry, Review, ReviewSample, VerificationRun
from sspf import keyset
from sspf.csvexport import csv_response
from sspf.once import run_once
from sspf.pages import paginate, run_service

PER_PAGE = 50


def auditors_only(view):
    @login_required
    @permission_required(services.WORKSPACE, raise_exception=True)
    @wraps(view)
    def checked(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return checked


def _person(pk):
    from cases.models import YoungPerson

    return get_object_or_404(YoungPerson, pk=pk)


def _period(request, default_year=False):
    """The period asked for (GET since/until); by default the findings' period, or the last
    year for an extract."""
    form = PeriodForm(request.GET or None)
    since = until = None
    if form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    if since is None and until is None and default_year:
        until = timezone.localdate()
        since = until - datetime.timedelta(days=365)
    return form, since, until


def entry_row(entry) -> list:
    """One row of selectors.entries() as a CSV row: what the pages show."""
    return [
        timezone.localtime(entry["timestamp"]).strftime("%Y-%m-%d %H:%M:%S"),
        entry["actor_username"] or entry["actor_email"] or "",
        entry["organisation_name"] or "",
        selectors.action_label(entry),
        selectors.object_kind(entry),
        entry["object_repr"],
        entry["remote_addr"] or "",
        entry["cid"] or "",
    ]


def _csv_header():
    return [
        _("Time"),
        _("User"),
        _("Organisation"),
        _("Action"),
        _("Kind of object"),
        _("Reference"),
        _("Address"),
        _("Correlation id"),
    ]


@auditors_only
def workspace(request):
    """The start page: the chain's state, this period's findings, the latest reviews."""
    since, until = findings.default_period()
    return render(
        request,
        "audit/workspace.html",
        {
            "verification": selectors.last_verification(),
            "failures": list(selectors.unacknowledged_failures()),
            "findings": findings.summary(since, until),
            "since": since,
            "until": until,
            "reviews": list(selectors.reviews()[:5]),
            "person_search": PersonSearchForm(),
        },
    )


@auditors_only
@require_http_methods(["GET", "POST"])
def entries(request):
    """The log search. A personnummer comes by POST, is found through the blind index (the
    lookup is logged as an access to the person) and becomes the person's id in the address."""
    person_search = PersonSearchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if person_search.is_valid():
            from cases.selectors import person_by_number

            person = person_by_number(request.user, person_search.cleaned_data["personnummer"])
            if person is not None:
                return redirect(f"{reverse('audit:entries')}?person={person.pk}")
            person_search.add_error(
                "personnummer", _("No young person with this number is registered.")
            )
        form = SearchForm()
        found, criteria = None, None
    else:
        form = SearchForm(request.GET or None)
        criteria = _criteria(form)
        found = selectors.search(criteria) if criteria is not None else None
        if found is not None:
            log_audit_read(request.user, criteria.person, {"search": criteria.logged()})
    page = _keyset_page(request, found if found is not None else LogEntry.objects.none())
    return render(
        request,
        "audit/entries.html",
        {
            "form": form,
            "person_search": person_search,
            "criteria": criteria,
            "searched": found is not None,
            "page": page,
            "finding": findings.KINDS_BY_CODE.get(criteria.finding) if criteria else None,
            "references": selectors.case_references(criteria.person)
            if criteria and criteria.person
            else [],
        },
    )


def _keyset_page(request, found) -> keyset.KeysetPage:
    """One page of log rows (newest first) by keyset on (timestamp, id): no COUNT and no
    OFFSET over a log of millions (issue #15)."""
    return keyset.paginate(
        request,
        lambda direction, key, limit: keyset.ordered(found, direction, key, "timestamp")[:limit],
        PER_PAGE,
        lambda row: (row["timestamp"], row["id"]),
    )


def _criteria(form) -> selectors.Criteria | None:
    if not form.is_bound or not form.is_valid():
        return None
    data = form.cleaned_data
    criteria = selectors.Criteria(
        reference=data["case"].strip(),
        user=data["user"],
        organisation=data["organisation"],
        action=data["action"],
        object_type=data["object_type"],
        since=data["since"],
        until=data["until"],
        finding=data["finding"],
    )
    if data["person"]:
        from cases.models import YoungPerson

        criteria.person = YoungPerson.objects.filter(pk=data["person"]).first()
        if criteria.person is None:
            raise Http404
    if criteria.reference:
        from cases.models import Case

        criteria.case = Case.objects.filter(reference__iexact=criteria.reference).first()
    return criteria


@auditors_only
def person_extract(request, pk):
    """ "Who has read this person's record" as a printable page (GDPR art. 15)."""
    person = _person(pk)
    period, since, until = _period(request, default_year=True)
    rows = selectors.person_extract_rows(person, since, until)
    log_audit_read(request.user, person, _export("extract", since, until))
    return render(
        request,
        "audit/extract.html",
        {
            "person": person,
            "references": selectors.case_references(person),
            "rows": rows,
            "period": period,
            "since": since,
            "until": until,
            "query": request.GET.urlencode(),
            "now": timezone.now(),
        },
    )


@auditors_only
def person_extract_csv(request, pk):
    person = _person(pk)
    _form, since, until = _period(request, default_year=True)
    rows = [entry_row(entry) for entry in selectors.person_extract_rows(person, since, until)]
    log_audit_read(request.user, person, _export("extract_csv", since, until))
    return csv_response(f"registerutdrag-person-{person.pk}.csv", [_csv_header(), *rows])


def _export(what, since, until) -> dict:
    return {
        what: {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        }
    }


@auditors_only
def user_activity(request, pk):
    """What one user did over a period."""
    subject = get_object_or_404(User.objects.select_related("organisation"), pk=pk)
    period, since, until = _period(request)
    found = selectors.user_activity(subject, since, until)
    log_audit_read(request.user, subject, _export("activity", since, until))
    page = _keyset_page(request, found)
    return render(
        request, "audit/activity.html", {"subject": subject, "period": period, "page": page}
    )


@auditors_only
def user_activity_csv(request, pk):
    subject = get_object_or_404(User, pk=pk)
    _form, since, until = _period(request)
    rows = selectors.user_activity(subject, since, until)
    log_audit_read(request.user, subject, _export("activity_csv", since, until))
    return csv_response(
        f"aktivitet-{subject.username}.csv",
        [_csv_header(), *(entry_row(entry) for entry in rows.iterator(chunk_size=2000))],
    )


@auditors_only
def finding_list(request):
    period, since, until = _period(request)
    default_since, default_until = findings.default_period()
    since, until = since or default_since, until or default_until
    return render(
        request,
        "audit/findings.html",
        {
            "period": period,
            "since": since,
            "until": until,
            "findings": findings.summary(since, until),
        },
    )


@auditors_only
@require_http_methods(["GET", "POST"])
def review_list(request):
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        go_to = run_once(
            request,
            form,
            lambda: services.review_draw(by=request.user, **form.service_data()),
            _("The sample is drawn. Assess each entry, then close the review."),
            lambda review: reverse("audit:review", args=[review.pk]),
        )
        if go_to is not None:
            return redirect(go_to)
    page, query = paginate(request, selectors.reviews(), 25)
    return render(request, "audit/reviews.html", {"form": form, "page": page, "query": query})


def _review(pk) -> Review:
    return get_object_or_404(selectors.reviews(), pk=pk)


@auditors_only
def review_detail(request, pk):
    review = _review(pk)
    samples = list(
        review.samples.select_related("organisation", "assessed_by", "entry__actor__organisation")
    )
    return render(
        request,
        "audit/review.html",
        {
            "review": review,
            "samples": samples,
            "assessed": sum(1 for s in samples if s.verdict),
            "close_form": CloseForm(),
        },
    )


@auditors_only
@require_http_methods(["GET", "POST"])
def sample_assess(request, pk, sample_pk):
    review = _review(pk)
    sample = get_object_or_404(
        ReviewSample.objects.select_related("entry__actor__organisation"),
        review=review,
        pk=sample_pk,
    )
    initial = {"verdict": sample.verdict, "comment": sample.comment}
    form = AssessForm(request.POST if request.method == "POST" else None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            form,
            lambda: services.sample_assess(by=request.user, sample=sample, **form.cleaned_data),
            _("The assessment is saved."),
        )
    ):
        following = review.samples.filter(verdict="", position__gt=sample.position).first()
        if following is not None:
            return redirect("audit:sample_assess", review.pk, following.pk)
        return redirect("audit:review", review.pk)
    return render(request, "audit/assess.html", {"review": review, "sample": sample, "form": form})


@auditors_only
@require_http_methods(["GET", "POST"])
def review_close(request, pk):
    review = _review(pk)
    form = CloseForm(request.POST if request.method == "POST" else None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            form,
            lambda: services.review_close(by=request.user, review=review, **form.cleaned_data),
            _("The review is closed."),
        )
    ):
        return redirect("audit:review", review.pk)
    return render(request, "audit/close.html", {"review": review, "form": form})


@auditors_only
def integrity(request):
    page, query = paginate(request, VerificationRun.objects.select_related("acknowledged_by"), 25)
    return render(
        request,
        "audit/integrity.html",
        {"page": page, "query": query, "failures": list(selectors.unacknowledged_failures())},
    )


@auditors_only
@require_POST
def acknowledge(request, pk):
    run = get_object_or_404(VerificationRun, pk=pk)
    form = ConfirmForm(request.POST)
    run_service(
        request,
        form,
        lambda: services.verification_acknowledge(by=request.user, run=run),
        _("The broken chain is acknowledged. Find its cause before anything else."),
    )
    for error in form.non_field_errors():
        messages.error(request, error)
    return redirect("audit:integrity")
