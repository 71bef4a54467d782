from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from audit.access import log_access
from cases import selectors, services
from cases.forms import (
    AdvanceForm,
    CaseFilterForm,
    CloseForm,
    ConfirmForm,
    ConsentForm,
    CustodyForm,
    DisclosureForm,
    EditForm,
    FollowUpForm,
    GuardianForm,
    MemberForm,
    NoteForm,
    NumberSearchForm,
    PlanItemForm,
    ReopenForm,
    SearchPersonForm,
    SignalForm,
    WithdrawForm,
)
from cases.models import Case, CaseMember, Disclosure
from sspf.once import run_once
from sspf.pages import paginate, run_service


def _form_page(request, form, *, case, title, button, intro="", danger=False):
    return render(
        request,
        "cases/form.html",
        {
            "form": form,
            "case": case,
            "title": title,
            "button": button,
            "intro": intro,
            "danger": danger,
        },
    )


def _case_form(
    request, case, form, *, service, success, title, button, next_url=None, intro="", danger=False
):
    """A one-form page on a case: the service gets the actor and the form's data. A form that
    creates something (a OnceForm) makes it once per token: sent again, it leads to the page
    that shows it."""
    next_url = next_url or reverse("cases:detail", args=[case.pk])
    if request.method == "POST" and form.is_valid():
        if "form_token" in form.fields:
            go_to = run_once(
                request,
                form,
                lambda: service(by=request.user, **form.service_data()),
                success,
                lambda _made: next_url,
            )
        else:
            done = run_service(
                request, form, lambda: service(by=request.user, **form.cleaned_data), success
            )
            go_to = next_url if done else None
            if not done and isinstance(form, EditForm):
                form.keep_input_after_conflict()
        if go_to is not None:
            return redirect(go_to)
    return _form_page(
        request, form, case=case, title=title, button=button, intro=intro, danger=danger
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_list(request):
    """Filters by GET; a search by personnummer by POST, so the number is never in a URL."""
    filters = CaseFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    number_search = NumberSearchForm(request.POST if request.method == "POST" else None)
    number = number_search.cleaned_data["personnummer"] if number_search.is_valid() else ""
    if request.method == "POST" and not number:
        cases = Case.objects.none()
    else:
        cases = selectors.case_list(
            request.user,
            status=criteria.get("status", ""),
            school=criteria.get("school"),
            risk_factor=criteria.get("risk_factor", ""),
            reference=criteria.get("q", ""),
            personnummer=number,
        )
    page, query = paginate(request, cases, 25)
    return render(
        request,
        "cases/list.html",
        {
            "page": page,
            "filters": filters,
            "query": query,
            "number_search": number_search,
            "searched_by_number": request.method == "POST",
        },
    )


@login_required
@permission_required("cases.add_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def case_new(request):
    """Register a signal: the number first, then one form for the person and the case. The
    form and its answers are the same whether the number is known or not (DESIGN §4); a
    known person is linked silently, and the lookup is logged."""
    search = SearchPersonForm(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not search.is_valid():
        return render(request, "cases/new.html", {"search": search})
    number = search.cleaned_data["personnummer"]
    step = request.POST.get("step")
    form = SignalForm(request.POST if step == "create" else None)
    if step == "create" and form.is_valid():
        data = form.service_data()
        person = {name: data.pop(name) for name in SignalForm.PERSON_FIELDS}
        person["school"] = data.get("school")
        selectors.person_by_number(request.user, number)
        go_to = run_once(
            request,
            form,
            lambda: services.signal_register_for_number(
                by=request.user, personnummer=number, person=person, **data
            ),
            _("The signal is registered."),
            lambda case: reverse("cases:detail", args=[case.pk]),
        )
        if go_to is not None:
            return redirect(go_to)
    return render(request, "cases/new.html", {"search": search, "form": form, "number": number})


@login_required
def case_detail(request, pk):
    view = selectors.case_for_reading(request.user, pk)
    return render(
        request,
        "cases/detail.html",
        {
            "view": view,
            "case": view.case,
            "perms_on_case": selectors.case_rights(request.user, view.case),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def note_new(request, pk):
    case = selectors.case_for_writing(request.user, pk, "add_note")
    corrects_id = request.GET.get("corrects", "")
    initial = {"corrects": corrects_id} if corrects_id.isdigit() else None
    form = NoteForm(request.POST or None, initial=initial, author=request.user)
    if request.method == "POST" and form.is_valid():
        corrects = None
        if form.cleaned_data["corrects"]:
            corrects = selectors.note_for_correction(
                request.user, case, form.cleaned_data["corrects"]
            )
        go_to = run_once(
            request,
            form,
            lambda: services.note_write(
                by=request.user,
                case=case,
                text=form.cleaned_data["text"],
                category=form.cleaned_data["category"],
                corrects=corrects,
            ),
            _("The note is saved."),
            lambda _note: reverse("cases:detail", args=[case.pk]),
        )
        if go_to is not None:
            return redirect(go_to)
    return _form_page(
        request,
        form,
        case=case,
        title=gettext_lazy("New journal note"),
        button=gettext_lazy("Save note"),
        intro=gettext_lazy(
            "Notes cannot be changed afterwards; a mistake is corrected by a new note."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def team(request, pk):
    case = selectors.case_for_writing(request.user, pk, "manage_team")
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        go_to = run_once(
            request,
            form,
            lambda: services.member_add(by=request.user, case=case, **form.service_data()),
            _("The team member is added."),
            lambda _member: reverse("cases:team", args=[case.pk]),
        )
        if go_to is not None:
            return redirect(go_to)
    return render(
        request,
        "cases/team.html",
        {"case": case, "form": form, "members": case.members.all(), "sharing": case.sharing},
    )


@login_required
@require_http_methods(["GET", "POST"])
def consents(request, pk):
    """Record a party's consent; the page shows who is still missing and who gains access."""
    case = selectors.case_for_writing(request.user, pk, "manage_consent")
    guardians = list(case.guardians.all())
    form = ConsentForm(
        request.POST or None, case=case, guardians=[g for g in guardians if g.has_custody]
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        go_to = run_once(
            request,
            form,
            lambda: services.consent_record(
                by=request.user, case=case, guardian=data.pop("party"), **data
            ),
            _("The consent is recorded."),
            lambda _consent: reverse("cases:consents", args=[case.pk]),
        )
        if go_to is not None:
            return redirect(go_to)
    log_access(request.user, case, {"page": "consents"})  # guardians' names are shown
    return render(
        request,
        "cases/consents.html",
        {
            "case": case,
            "form": form,
            "custody_form": CustodyForm(initial={"custody": case.custody}, row=case),
            **selectors.consent_overview(case, guardians),
        },
    )


@login_required
@require_POST
def custody(request, pk):
    case = selectors.case_for_writing(request.user, pk, "manage_consent")
    form = CustodyForm(request.POST, row=case)
    if form.is_valid():
        try:
            services.custody_declare(by=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The custody arrangement is saved."))
    else:
        errors = form.non_field_errors() or [_("Choose the custody arrangement.")]
        messages.error(request, " ".join(errors))
    return redirect("cases:consents", case.pk)


@login_required
@require_POST
def advance(request, pk):
    case = selectors.case_for_writing(request.user, pk, "change_case")
    form = AdvanceForm(request.POST, row=case)
    try:
        if not form.is_valid():
            raise ValidationError(form.non_field_errors())
        case = services.case_advance(by=request.user, case=case, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The case is now: %(status)s.") % {"status": case.get_status_display()}
        )
    return redirect("cases:detail", case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request, pk):
    case = selectors.case_for_writing(request.user, pk, "change_case")
    return _case_form(
        request,
        case,
        PlanItemForm(request.POST or None, case=case, author=request.user),
        service=partial(services.plan_item_add, case=case),
        success=_("The commitment is added to the plan."),
        title=gettext_lazy("New commitment"),
        button=gettext_lazy("Add to the plan"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_follow_up(request, pk, item_pk):
    case = selectors.case_for_writing(request.user, pk, "add_note")
    item = selectors.plan_item_for_reading(request.user, case, item_pk)
    form = FollowUpForm(
        request.POST or None,
        initial={"status": item.status, "follow_up": item.follow_up},
        row=item,
    )
    return _case_form(
        request,
        case,
        form,
        service=partial(services.plan_item_follow_up, item=item),
        success=_("The follow-up is saved."),
        intro=item.action,
        title=gettext_lazy("Follow up a commitment"),
        button=gettext_lazy("Save follow-up"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request, pk, member_pk):
    case = selectors.case_for_writing(request.user, pk, "manage_team")
    member = get_object_or_404(CaseMember.objects.select_related("user"), pk=member_pk, case=case)
    return _case_form(
        request,
        case,
        ConfirmForm(request.POST if request.method == "POST" else None),
        service=lambda by: services.member_remove(by=by, member=member),
        success=_("The team member is removed."),
        next_url=reverse("cases:team", args=[pk]),
        title=gettext_lazy("Remove from the team"),
        button=gettext_lazy("Remove"),
        danger=True,
        intro=_("%(person)s loses access to the case at once.")
        % {"person": member.user.get_full_name() or member.user.username},
    )


@login_required
@require_http_methods(["GET", "POST"])
def guardian_new(request, pk):
    case = selectors.case_for_writing(request.user, pk, "manage_consent")
    return _case_form(
        request,
        case,
        GuardianForm(request.POST or None),
        service=partial(services.guardian_add, case=case),
        success=_("The guardian is added."),
        next_url=reverse("cases:consents", args=[pk]),
        title=gettext_lazy("Add a guardian"),
        button=gettext_lazy("Add guardian"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw(request, pk, consent_pk):
    case = selectors.case_for_writing(request.user, pk, "manage_consent")
    consent = get_object_or_404(case.consents.all(), pk=consent_pk)
    return _case_form(
        request,
        case,
        WithdrawForm(request.POST or None, row=consent),
        service=partial(services.consent_withdraw, consent=consent),
        success=_("The consent is withdrawn. Access has closed at once."),
        next_url=reverse("cases:consents", args=[case.pk]),
        title=gettext_lazy("Withdraw consent"),
        button=gettext_lazy("Withdraw consent"),
        danger=True,
        intro=gettext_lazy(
            "Organisations that depended on this consent lose access to the case at once."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def close(request, pk):
    case = selectors.case_for_writing(request.user, pk, "change_case")
    return _case_form(
        request,
        case,
        CloseForm(request.POST or None, row=case),
        service=partial(services.case_close, case=case),
        success=_("The case is closed."),
        title=gettext_lazy("Close the case"),
        button=gettext_lazy("Close the case"),
        danger=True,
        intro=gettext_lazy(
            "Nothing can be written in a closed case. Only the owning organisation can reopen it."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def reopen(request, pk):
    case = selectors.case_for_writing(request.user, pk, "change_case")
    if request.user.organisation_id != case.owner_id:
        raise PermissionDenied
    return _case_form(
        request,
        case,
        ReopenForm(request.POST or None, row=case),
        service=partial(services.case_reopen, case=case),
        success=_("The case is reopened."),
        title=gettext_lazy("Reopen the case"),
        button=gettext_lazy("Reopen"),
        intro=gettext_lazy("The reopening is recorded in the audit log with its reason."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def disclosure_new(request, pk):
    case = selectors.case_for_writing(request.user, pk, "change_case")
    if not request.user.has_perm("cases.disclose_without_consent"):
        raise PermissionDenied
    return _case_form(
        request,
        case,
        DisclosureForm(request.POST or None),
        service=partial(services.disclosure_record, case=case),
        success=_("The disclosure is recorded and flagged for audit."),
        title=gettext_lazy("Disclose without consent"),
        button=gettext_lazy("Record disclosure"),
        intro=_(
            "Only where a statutory exception to secrecy applies. It opens only your "
            "organisation's entries of the kinds you name, for at most %(days)d days, and "
            "every read under it is flagged in the audit log."
        )
        % {"days": settings.SSPF_DISCLOSURE_MAX_DAYS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def disclosure_end(request, pk, disclosure_pk):
    case = selectors.case_for_writing(request.user, pk, "change_case")
    disclosure = get_object_or_404(
        Disclosure.objects.filter(case=case, from_organisation=request.user.organisation),
        pk=disclosure_pk,
    )
    return _case_form(
        request,
        case,
        ConfirmForm(request.POST if request.method == "POST" else None),
        service=lambda by: services.disclosure_end(by=by, disclosure=disclosure),
        success=_("The disclosure has ended. The organisation's reads under it stop at once."),
        title=gettext_lazy("End the disclosure"),
        button=gettext_lazy("End now"),
        danger=True,
    )
