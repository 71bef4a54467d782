import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from contacts import selectors, services
from contacts.forms import ContactFilterForm, ContactForm, PlaceForm, now_for_input
from contacts.models import Place
from sspf.forms import apply_service_errors
from sspf.pages import paginate, run_service
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
            try:
                contact, created = services.contact_record(by=request.user, **data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The contact is recorded.")
                    if created
                    else _("The contact was already recorded."),
                )
                # The next page load clears the browser's draft: a flag in the session, not in
                # the URL, so that a login after an expired session never clears a new draft.
                request.session["contact_saved"] = contact.pk
                return redirect("contacts:new")
    saved = request.session.pop("contact_saved", None) if request.method == "GET" else None
    return render(request, "contacts/form.html", {"form": form, "saved": saved})


@login_required
def contact_list(request):
    filters = ContactFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    contacts = selectors.my_contacts(request.user, **{k: v for k, v in criteria.items() if v})
    page, query = paginate(request, contacts, 30)
    return render(request, "contacts/list.html", {"page": page, "filters": filters, "query": query})


@login_required
def contact_detail(request, pk):
    contact = selectors.contact_for_reading(request.user, pk)
    return render(request, "contacts/detail.html", {"contact": contact})


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
