import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.access import log_denied
from contacts import selectors, services
from contacts.forms import (
    ContactCorrectForm,
    ContactFilterForm,
    ContactForm,
    PlaceForm,
    now_for_input,
)
from contacts.models import Contact, Place
from sspf import keyset, revisions
from sspf.once import run_once
from sspf.pages import run_service
from sspf.revisions import VoidForm
from stats.disclosure import suppress_rows


@login_required
@permission_required("contacts.add_contact", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contact_new(request):
    """The phone form: defaults to now and to my last place; a form sent twice records once."""
    form = ContactForm(
        request.POST or None,
        user=request.user,
        initial={
            "client_token": uuid.uuid4(),
            "occurred_at": now_for_input(),
            "place": selectors.last_place_id(request.user),
            "mode": "group",
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("mode")
        number = data.pop("personnummer")
        if number:
            # Unknown, or known but not to be named here: one answer, and the service is not
            # asked, so that no other message can tell the two apart.
            data["young_person"] = selectors.nameable_person(request.user, number, data["case"])
            if data["young_person"] is None:
                form.add_error("personnummer", str(services.CANNOT_NAME))
        if form.is_valid():
            # The form's own token is its one-time token: sent again (Back and Save), it leads
            # to the contact it recorded.
            go_to = run_once(
                request,
                form,
                lambda: services.contact_record(by=request.user, **data)[0],
                _("The contact is recorded."),
                lambda contact: reverse("contacts:detail", args=[contact.pk]),
                token=data["client_token"],
                then=reverse("contacts:new"),
            )
            if go_to is not None:
                # The next page load clears the browser's draft: a flag in the session, not in
                # the URL, so that a login after an expired session never clears a new draft.
                request.session["contact_saved"] = True
                return redirect(go_to)
    saved = request.session.pop("contact_saved", None) if request.method == "GET" else None
    return render(request, "contacts/form.html", {"form": form, "saved": saved})


@login_required
def contact_list(request):
    filters = ContactFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    wanted = {k: v for k, v in criteria.items() if v}
    page = keyset.paginate(
        request,
        lambda direction, key, limit: selectors.my_contacts(
            request.user, direction=direction, key=key, limit=limit, **wanted
        ),
        30,
        selectors.contact_key,
    )
    return render(request, "contacts/list.html", {"page": page, "filters": filters})


@login_required
def contact_detail(request, pk):
    contact = selectors.contact_for_reading(request.user, pk)
    saved = request.session.pop("contact_saved", None)
    return render(
        request,
        "contacts/detail.html",
        {
            "contact": contact,
            "saved": saved,
            "history": _history(contact),
            "may_correct": services.may_correct(request.user, contact),
            "correction_open": services.correction_open(contact),
        },
    )


def _history(contact) -> list[dict]:
    return [
        {
            "revision": revision,
            "previous": revisions.describe(
                Contact, revision.previous, {"themes": Contact.Theme.choices}
            ),
        }
        for revision in contact.revisions.all()
    ]


def _contact_to_change(request, pk):
    """The contact, when the user reads it (else 404) and may change it (else 403)."""
    contact = selectors.contact_for_reading(request.user, pk)
    if not services.may_correct(request.user, contact):
        log_denied(request.user, Contact, pk, obj=contact)
        raise PermissionDenied
    return contact


@login_required
@require_http_methods(["GET", "POST"])
def contact_correct(request, pk):
    contact = _contact_to_change(request, pk)
    form = ContactCorrectForm(request.POST or None, contact=contact)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            form,
            lambda: services.contact_correct(
                by=request.user,
                contact=contact,
                reason=form.cleaned_data["reason"],
                **form.values(),
            ),
            _("The contact is corrected. The earlier values are kept in its history."),
        )
    ):
        return redirect("contacts:detail", pk=contact.pk)
    return render(
        request,
        "contacts/correct.html",
        {
            "contact": contact,
            "form": form,
            "correction_open": services.correction_open(contact),
            "days": settings.SSPF_CORRECTION_DAYS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_void(request, pk):
    """The confirmation page before voiding, and the voiding itself."""
    contact = _contact_to_change(request, pk)
    form = VoidForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            form,
            lambda: services.contact_void(
                by=request.user, contact=contact, reason=form.cleaned_data["reason"]
            ),
            _("The contact is voided. It is kept in the history and counted nowhere."),
        )
    ):
        return redirect("contacts:detail", pk=contact.pk)
    return render(request, "contacts/void.html", {"contact": contact, "form": form})


@login_required
@permission_required("contacts.view_overview", raise_exception=True)
def overview(request):
    try:
        weeks = min(max(int(request.GET.get("weeks", 8)), 1), 52)
    except ValueError:
        weeks = 8
    rows = suppress_rows(
        selectors.night_and_weekend_overview(request.user, weeks=weeks),
        ["girls", "boys", "others", "not_recorded"],
        settings.SSPF_SUPPRESSION_THRESHOLD,
    )
    return render(request, "contacts/overview.html", {"rows": rows, "weeks": weeks})


@login_required
@permission_required("contacts.view_place", raise_exception=True)
@require_http_methods(["GET", "POST"])
def places(request):
    form = PlaceForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            form,
            lambda: services.place_add(by=request.user, **form.cleaned_data),
            _("The place is added."),
        )
    ):
        return redirect("contacts:places")
    return render(request, "contacts/places.html", {"form": form, "places": Place.objects.all()})


@login_required
@permission_required("contacts.change_place", raise_exception=True)
@require_POST
def place_toggle(request, pk):
    place = get_object_or_404(Place, pk=pk)
    services.place_set_active(by=request.user, place=place, active=not place.active)
    return redirect("contacts:places")
