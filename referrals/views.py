from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cases.selectors import person_by_number
from referrals import access, selectors, services
from referrals.forms import (
    ActivityForm,
    CompleteForm,
    ConsentForm,
    ExpectedForm,
    ReasonForm,
    ReferralForm,
)
from referrals.models import Referral
from sspf.once import run_once
from sspf.pages import paginate, run_service

TITLES = {
    Referral.Kind.MEDIATION: gettext_lazy("New referral to mediation"),
    Referral.Kind.VICTIM_SUPPORT: gettext_lazy("New referral to the young-victims support centre"),
}


def _form_page(request, form, *, referral, title, button, intro="", danger=False):
    return render(
        request,
        "referrals/form.html",
        {
            "form": form,
            "referral": referral,
            "title": title,
            "button": button,
            "intro": intro,
            "danger": danger,
        },
    )


def _referral_form(
    request, referral, form, *, service, success, title, button, intro="", danger=False
):
    """A one-form page of one party on a referral: the service gets the actor, the referral
    and the form's data (with the status the page showed, for the compare-and-set)."""
    if request.method == "POST" and form.is_valid():
        referral_url = reverse("referrals:detail", args=[referral.pk])
        if "form_token" in form.fields:  # it creates something: once per token
            go_to = run_once(
                request,
                form,
                lambda: service(by=request.user, referral=referral, **form.service_data()),
                success,
                lambda _made: referral_url,
            )
        else:
            done = run_service(
                request,
                form,
                lambda: service(by=request.user, referral=referral, **form.cleaned_data),
                success,
            )
            go_to = referral_url if done else None
        if go_to is not None:
            return redirect(go_to)
    return _form_page(
        request, form, referral=referral, title=title, button=button, intro=intro, danger=danger
    )


@login_required
def inbox(request):
    """The receiving service's referrals: new, overdue, in progress, withdrawn, closed."""
    if not access.receiving_kinds(request.user):
        raise PermissionDenied
    show = request.GET.get("show", "new")
    if show not in selectors.INBOX_FILTERS:
        show = "new"
    page, query = paginate(request, selectors.inbox(request.user, show), 25)
    return render(
        request,
        "referrals/list.html",
        {
            "page": page,
            "query": query,
            "show": show,
            "box": "inbox",
            "tabs": [
                ("new", _("New")),
                ("overdue", _("Overdue")),
                ("in_progress", _("In progress")),
                ("withdrawn", _("Withdrawn by the sender")),
                ("closed", _("Closed")),
            ],
        },
    )


@login_required
@permission_required("referrals.add_referral", raise_exception=True)
def outbox(request):
    show = request.GET.get("show", "open")
    if show not in selectors.OUTBOX_FILTERS:
        show = "open"
    page, query = paginate(request, selectors.outbox(request.user, show), 25)
    return render(
        request,
        "referrals/list.html",
        {
            "page": page,
            "query": query,
            "show": show,
            "box": "outbox",
            "tabs": [("open", _("Open")), ("closed", _("Closed"))],
        },
    )


@login_required
@permission_required("referrals.add_referral", raise_exception=True)
@require_http_methods(["GET", "POST"])
def referral_new(request, kind):
    """The sender's form; it saves a draft, which the sender checks and sends. A personal
    identity number is sent by POST only, never in a URL."""
    form = ReferralForm(request.POST or None, user=request.user, kind=kind)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["personnummer"]:
            person_by_number(request.user, form.cleaned_data["personnummer"])  # logs the lookup
        go_to = run_once(
            request,
            form,
            lambda: services.referral_create(by=request.user, kind=kind, **form.service_data()),
            _("The referral is saved as a draft. Check it and send it."),
            lambda referral: reverse("referrals:detail", args=[referral.pk]),
        )
        if go_to is not None:
            return redirect(go_to)
    return render(
        request,
        "referrals/new.html",
        {"form": form, "kind": kind, "title": TITLES[kind]},
    )


@login_required
def referral_detail(request, pk):
    view = selectors.referral_for_reading(request.user, pk)
    referral = view.referral
    consents_missing = []
    if view.side == access.RECEIVER and referral.is_mediation:
        consents_missing = services.missing_consents(referral)
    return render(
        request,
        "referrals/detail.html",
        {
            "view": view,
            "referral": referral,
            "sender": view.side == access.SENDER,
            "receiver": view.side == access.RECEIVER,
            "consents_missing": consents_missing,
        },
    )


def _transition(request, pk, side, service, success):
    referral = selectors.referral_for_writing(request.user, pk, side)
    form = ExpectedForm(request.POST)
    expected = form.cleaned_data["expected"] if form.is_valid() else None
    try:
        service(by=request.user, referral=referral, expected=expected)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("referrals:detail", referral.pk)


@login_required
@require_POST
def send(request, pk):
    return _transition(
        request, pk, access.SENDER, services.referral_send, _("The referral is sent.")
    )


@login_required
@require_POST
def accept(request, pk):
    return _transition(
        request, pk, access.RECEIVER, services.referral_accept, _("The referral is accepted.")
    )


@login_required
@require_POST
def start(request, pk):
    return _transition(
        request, pk, access.RECEIVER, services.referral_start, _("The work has started.")
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk):
    referral = selectors.referral_for_writing(request.user, pk, access.SENDER)
    return _referral_form(
        request,
        referral,
        ReasonForm(request.POST or None, initial={"expected": referral.status}),
        service=services.referral_withdraw,
        success=_("The referral is withdrawn. The receiving service is told."),
        title=gettext_lazy("Withdraw the referral"),
        button=gettext_lazy("Withdraw the referral"),
        intro=gettext_lazy(
            "The receiving service sees the withdrawal and your reason on its start page."
        ),
        danger=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def decline(request, pk):
    referral = selectors.referral_for_writing(request.user, pk, access.RECEIVER)
    return _referral_form(
        request,
        referral,
        ReasonForm(request.POST or None, initial={"expected": referral.status}),
        service=services.referral_decline,
        success=_("The referral is declined. The sender sees your reason."),
        title=gettext_lazy("Decline the referral"),
        button=gettext_lazy("Decline"),
        danger=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def consents(request, pk):
    referral = selectors.referral_for_writing(request.user, pk, access.RECEIVER)
    if not referral.is_mediation:
        raise Http404
    initial = {name: getattr(referral, name) for name in ConsentForm.base_fields}
    return _referral_form(
        request,
        referral,
        ConsentForm(request.POST or None, initial=initial),
        service=services.parties_consent_record,
        success=_("The parties' consent is saved."),
        title=gettext_lazy("The parties' consent"),
        button=gettext_lazy("Save"),
        intro=gettext_lazy(
            "Mediation is voluntary for both parties: it starts only when each has consented "
            "(and custodians of a party under 18). Either party may withdraw at any time."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_new(request, pk):
    referral = selectors.referral_for_writing(request.user, pk, access.RECEIVER)
    return _referral_form(
        request,
        referral,
        ActivityForm(request.POST or None, referral=referral),
        service=services.activity_record,
        success=_("It is recorded."),
        title=gettext_lazy("Record what was done"),
        button=gettext_lazy("Record"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def complete(request, pk):
    referral = selectors.referral_for_writing(request.user, pk, access.RECEIVER)
    return _referral_form(
        request,
        referral,
        CompleteForm(
            request.POST or None, referral=referral, initial={"expected": referral.status}
        ),
        service=services.referral_complete,
        success=_("The referral is completed."),
        title=gettext_lazy("Complete the referral"),
        button=gettext_lazy("Complete"),
    )
