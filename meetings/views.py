import datetime
from functools import partial

import icalendar
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases.models import PlanItem
from meetings import selectors, services
from meetings.forms import (
    AgendaItemForm,
    AttendanceForm,
    ConfirmForm,
    FollowUpForm,
    GroupDecisionForm,
    InviteForm,
    MeetingForm,
    MinutesForm,
    PlanDecisionForm,
)
from meetings.models import Attendance
from sspf.once import run_once
from sspf.pages import paginate, run_service


def _form_page(request, meeting, form, *, title, button, intro="", danger=False):
    return render(
        request,
        "meetings/form.html",
        {
            "meeting": meeting,
            "form": form,
            "title": title,
            "button": button,
            "intro": intro,
            "danger": danger,
        },
    )


def _meeting_form(request, meeting, form, *, service, success, title, button, **page):
    """A one-form page on a meeting: the service gets the actor and the form's data. A form
    that creates something (a OnceForm) makes it once per token: sent again, it leads to the
    meeting that shows it."""
    if request.method == "POST" and form.is_valid():
        meeting_url = reverse("meetings:detail", args=[meeting.pk])
        if "form_token" in form.fields:
            go_to = run_once(
                request,
                form,
                lambda: service(by=request.user, **form.service_data()),
                success,
                lambda _made: meeting_url,
            )
        else:
            done = run_service(
                request, form, lambda: service(by=request.user, **form.cleaned_data), success
            )
            go_to = meeting_url if done else None
        if go_to is not None:
            return redirect(go_to)
    return _form_page(request, meeting, form, title=title, button=button, **page)


@login_required
@require_safe
def meeting_list(request):
    """ "Mina möten": upcoming (soonest first) or past (latest first), paginated."""
    past = request.GET.get("when") == "past"
    page, query = paginate(request, selectors.my_meetings(request.user, past=past), 20)
    return render(request, "meetings/list.html", {"page": page, "query": query, "past": past})


@login_required
@permission_required("meetings.add_meeting", raise_exception=True)
@require_http_methods(["GET", "POST"])
def meeting_new(request):
    initial = {}
    if request.GET.get("case", "").isdigit():
        initial = {"level": "network", "case": request.GET["case"]}
    form = MeetingForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        go_to = run_once(
            request,
            form,
            lambda: services.meeting_create(by=request.user, **form.service_data()),
            _("The meeting is convened."),
            lambda meeting: reverse("meetings:detail", args=[meeting.pk]),
        )
        if go_to is not None:
            return redirect(go_to)
    return render(request, "meetings/new.html", {"form": form})


@login_required
@require_safe
def meeting_detail(request, pk):
    view = selectors.meeting_for_reading(request.user, pk)
    return render(request, "meetings/detail.html", {"view": view, "meeting": view.meeting})


@login_required
@require_http_methods(["GET", "POST"])
def invite(request, pk):
    meeting = selectors.meeting_for_running(request.user, pk)
    return _meeting_form(
        request,
        meeting,
        InviteForm(request.POST or None, meeting=meeting),
        service=partial(services.invite, meeting=meeting),
        success=_("The invitation is sent."),
        title=gettext_lazy("Invite"),
        button=gettext_lazy("Invite"),
        intro=gettext_lazy(
            "To a network meeting only members of the case team whose organisation the "
            "consent covers can be invited."
        )
        if meeting.is_network
        else "",
    )


@login_required
@require_POST
def respond(request, pk):
    """The invitee's answer, from the home page or the meeting page."""
    attendance = selectors.attendance_for_answer(request.user, pk)
    answer = request.POST.get("response", "")
    try:
        services.respond(by=request.user, attendance=attendance, response=answer)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("You attend the meeting.")
            if answer == Attendance.Response.ACCEPTED
            else _("You have declined the meeting."),
        )
    target = request.POST.get("next", "")
    return redirect("home" if target == "home" else "meetings:list")


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request, pk):
    meeting = selectors.meeting_for_running(request.user, pk)
    form = AttendanceForm(
        request.POST or None,
        attendances=list(meeting.attendances.select_related("user", "organisation")),
        guardians=selectors.guardians_of(meeting),
        network=meeting.is_network,
        initial={
            "young_person_present": meeting.young_person_present,
            "guardians_present": [g.pk for g in meeting.guardians_present.all()],
        },
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            form,
            lambda: services.attendance_record(
                by=request.user, meeting=meeting, **form.service_data()
            ),
            _("Presence is recorded and the meeting is marked as held."),
        )
    ):
        return redirect("meetings:detail", meeting.pk)
    return _form_page(
        request,
        meeting,
        form,
        title=gettext_lazy("Record presence"),
        button=gettext_lazy("Save presence"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_new(request, pk):
    meeting = selectors.meeting_for_running(request.user, pk)
    return _meeting_form(
        request,
        meeting,
        AgendaItemForm(request.POST or None),
        service=partial(services.agenda_item_add, meeting=meeting),
        success=_("The item is on the agenda."),
        title=gettext_lazy("New agenda item"),
        button=gettext_lazy("Add to the agenda"),
        intro=""
        if meeting.is_network
        else gettext_lazy("Group-level meetings never name individuals."),
    )


def _item(meeting, item_pk):
    return get_object_or_404(meeting.items.all(), pk=item_pk)


@login_required
@require_http_methods(["GET", "POST"])
def minutes(request, pk, item_pk):
    meeting = selectors.meeting_for_running(request.user, pk)
    item = _item(meeting, item_pk)
    if (
        meeting.is_network
        and item.minutes_at
        and not meeting.sharing.reads_entry(request.user.organisation_id, item)
    ):
        raise Http404  # minutes another organisation wrote, in a kind the user does not read
    initial = {"minutes": item.minutes} if item.minutes_at else None
    if initial and meeting.is_network:
        initial["category"] = item.category
    return _meeting_form(
        request,
        meeting,
        MinutesForm(
            request.POST or None,
            initial=initial,
            network=meeting.is_network,
            author=request.user,
        ),
        service=partial(services.minutes_record, item=item),
        success=_("The minutes are saved."),
        title=gettext_lazy("Minutes"),
        button=gettext_lazy("Save minutes"),
        intro=item.topic,
    )


@login_required
@require_http_methods(["GET", "POST"])
def decision_new(request, pk, item_pk):
    meeting = selectors.meeting_for_running(request.user, pk)
    item = _item(meeting, item_pk)
    if meeting.is_network:
        form = PlanDecisionForm(request.POST or None, case=meeting.case, author=request.user)
        intro = gettext_lazy("The decision becomes a commitment in the case's plan.")
    else:
        form = GroupDecisionForm(request.POST or None)
        intro = gettext_lazy("Group-level meetings never name individuals.")
    return _meeting_form(
        request,
        meeting,
        form,
        service=partial(services.decision_record, item=item),
        success=_("The decision is recorded."),
        title=gettext_lazy("New decision"),
        button=gettext_lazy("Record decision"),
        intro=f"{item.topic}\n\n{intro}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request, pk, plan_pk):
    meeting = selectors.meeting_for_running(request.user, pk)
    if not meeting.is_network:
        raise Http404
    item = get_object_or_404(
        PlanItem.objects.filter(case_id=meeting.case_id).filter(
            meeting.sharing.entry_filter(request.user.organisation_id)
        ),
        pk=plan_pk,
    )
    return _meeting_form(
        request,
        meeting,
        FollowUpForm(request.POST or None, initial={"status": item.status}),
        service=partial(services.follow_up_record, meeting=meeting, plan_item=item),
        success=_("The follow-up is saved."),
        title=gettext_lazy("Follow up a commitment"),
        button=gettext_lazy("Save follow-up"),
        intro=item.action,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request, pk):
    meeting = selectors.meeting_for_running(request.user, pk)
    return _meeting_form(
        request,
        meeting,
        ConfirmForm(request.POST if request.method == "POST" else None),
        service=lambda by, confirm: services.meeting_cancel(by=by, meeting=meeting),
        success=_("The meeting is cancelled."),
        title=gettext_lazy("Cancel the meeting"),
        button=gettext_lazy("Cancel the meeting"),
        danger=True,
        intro=gettext_lazy("The invited are shown that the meeting is cancelled."),
    )


def _preparation_page(request, meetings, *, chosen=None):
    preps = selectors.prepare_cases(request.user, meetings)
    operational = None
    if chosen is not None and chosen.level == "operational":
        operational = selectors.prepare_operational(chosen)
    selectors.log_preparation(request.user, meetings, preps)
    return render(
        request,
        "meetings/prepare.html",
        {
            "chosen": chosen,
            "meetings": meetings,
            "preps": preps,
            "operational": operational,
            "days": settings.SSPF_MEETING_PREPARE_DAYS,
            "today": timezone.localdate(),
        },
    )


@login_required
@permission_required("meetings.change_meeting", raise_exception=True)
@require_safe
def prepare_next(request):
    """Förberedelse: my next meetings, per agenda case."""
    return _preparation_page(request, selectors.meetings_to_prepare(request.user))


@login_required
@require_safe
def prepare(request, pk):
    meeting = selectors.meeting_for_running(request.user, pk)
    return _preparation_page(request, [meeting], chosen=meeting)


@login_required
@require_safe
def print_agenda(request, pk):
    """One clean page: no navigation, no protected identity, names only where the reader may
    see them."""
    view = selectors.meeting_for_reading(request.user, pk)
    return render(request, "meetings/print.html", {"view": view, "meeting": view.meeting})


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request):
    """The secret address of my calendar feed: shown once when made; a new one or none
    replaces it."""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.feed_revoke(by=request.user)
            messages.success(request, _("The calendar address no longer works."))
        else:
            token = services.feed_renew(by=request.user)
            request.session["calendar_token"] = token
            messages.success(request, _("Your new calendar address is ready. Copy it now."))
        return redirect("meetings:calendar")
    token = request.session.pop("calendar_token", None)
    url = request.build_absolute_uri(reverse("meetings:feed", args=[token])) if token else None
    return render(
        request,
        "meetings/calendar.html",
        {"feed_url": url, "has_feed": hasattr(request.user, "calendar_feed")},
    )


@never_cache
@require_safe
def feed(request, token):
    """The iCalendar feed: no login, a secret address. No personal data: the level, time and
    place, and the case reference while the owner reads the case."""
    user = services.feed_owner(token)
    if user is None:
        raise Http404
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//SSPF//meetings//SV")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "SSPF")
    tz = timezone.get_current_timezone()
    with translation.override(settings.LANGUAGE_CODE):
        for meeting in selectors.feed_meetings(user):
            event = icalendar.Event()
            event.add("uid", f"meeting-{meeting.pk}@sspf")
            summary = f"SSPF: {meeting.get_level_display()}"
            if meeting.case_id and meeting.case_readable:
                summary += f" {meeting.case.reference}"
            event.add("summary", summary)
            event.add("dtstart", datetime.datetime.combine(meeting.date, meeting.starts_at, tz))
            event.add("dtend", datetime.datetime.combine(meeting.date, meeting.ends_at, tz))
            event.add("dtstamp", timezone.now())
            event.add("location", meeting.place)
            event.add(
                "status", "CANCELLED" if meeting.status == meeting.Status.CANCELLED else "CONFIRMED"
            )
            calendar.add_component(event)
    return HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
