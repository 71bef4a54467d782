"""Every read of meetings, agendas and minutes: always given the user.

Who reads a meeting:
- a network meeting: whoever reads its case now (cases.access.check_case: a team member whose
  organisation is in the circle); its minutes, decisions and follow-ups are case entries, each
  read under the entry rule exactly like notes. Withdrawn or expired consent closes them at once.
- a group-level meeting: coordinators (meetings.view_meeting) and the people invited to it.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Case as When_
from django.db.models import Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from audit.access import log_access, log_denied
from cases import access
from cases.models import Case, CaseUserObjectPermission, Note, PlanItem
from cases.selectors import Identity, identity_for
from contacts.models import Contact
from meetings.models import AgendaItem, Attendance, Decision, FollowUp, Level, Meeting
from stats.disclosure import protect

OPEN = [PlanItem.Status.PLANNED, PlanItem.Status.IN_PROGRESS]


def _day_start(day: datetime.date) -> datetime.datetime:
    """An aware day boundary, so that filters use the index and not a converted timestamp."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# ---------------------------------------------------------------------------------------------
# The case page's minutes.
# ---------------------------------------------------------------------------------------------


def minutes_on_case(user: User, case: Case) -> list[AgendaItem]:
    """The minutes of the case's network meetings that the user reads under DESIGN §4 (like
    notes); `case.sharing` is already checked by cases.selectors.case_for. On the timeline the
    minutes count from when they were written."""
    items = list(
        AgendaItem.objects.filter(case=case, minutes_at__isnull=False)
        .filter(case.sharing.entry_filter(user.organisation_id))
        .select_related("meeting", "organisation", "minutes_by")
        .order_by("-minutes_at")
    )
    for item in items:
        item.created_at = item.minutes_at
    return items


# ---------------------------------------------------------------------------------------------
# One meeting.
# ---------------------------------------------------------------------------------------------


def _load(pk: int) -> Meeting | None:
    return (
        Meeting.objects.select_related("convened_by", "case", "case__owner")
        .prefetch_related("schools")
        .filter(pk=pk)
        .first()
    )


def _refuse(user: User, pk, meeting: Meeting | None):
    log_denied(user, Meeting, pk, obj=meeting)
    raise Http404


def meeting_for(user: User, pk: int) -> Meeting:
    """The one way a view gets a meeting: 404 (logged) when the user may not read it. On a
    network meeting the case is checked by cases.access.check_case and its sharing now is on
    `meeting.sharing` (None at group level); `meeting.may_run` says whether the user runs it."""
    meeting = _load(pk)
    if meeting is None:
        _refuse(user, pk, None)
    meeting.sharing = None
    if meeting.is_network:
        case = access.prefetch_for_access(Case.objects.filter(pk=meeting.case_id)).get()
        try:
            held = set(
                CaseUserObjectPermission.objects.filter(user=user, content_object=case).values_list(
                    "permission__codename", flat=True
                )
            )
            meeting.sharing = access.check_case(user, case)
        except access.Refused:
            _refuse(user, pk, meeting)
        meeting.case = case
        meeting.may_run = user.has_perm("meetings.change_meeting") and "change_case" in held
    else:
        invited = meeting.attendances.filter(user=user).exists()
        if not (invited or user.has_perm("meetings.view_meeting")):
            _refuse(user, pk, meeting)
        meeting.may_run = user.has_perm("meetings.change_meeting")
    return meeting


def meeting_for_running(user: User, pk: int) -> Meeting:
    """For the writes: 404 when the user may not read the meeting, 403 when they read it but
    do not run it."""
    meeting = meeting_for(user, pk)
    if not meeting.may_run:
        log_denied(user, Meeting, pk, obj=meeting)
        raise PermissionDenied("change_meeting")
    return meeting


@dataclass
class MeetingView:
    meeting: Meeting
    items: list[AgendaItem]  # minutes the user may not read are blanked (`minutes_hidden`)
    attendances: list[Attendance]
    mine: Attendance | None
    open_plan_items: list[PlanItem]  # network: the commitments to follow up
    follow_ups: list[FollowUp]
    identity: Identity | None = None

    @property
    def shown(self) -> dict:
        return {
            "minutes": [i.pk for i in self.items if i.minutes_at and not i.minutes_hidden],
            "decisions": [d.pk for i in self.items for d in i.shown_decisions],
            "plan_items": [p.pk for p in self.open_plan_items],
            "follow_ups": [f.pk for f in self.follow_ups],
        }


def _visible_plan_items(meeting: Meeting, organisation_id: int) -> QuerySet[PlanItem]:
    return PlanItem.objects.filter(case_id=meeting.case_id).filter(
        meeting.sharing.entry_filter(organisation_id)
    )


def meeting_for_reading(user: User, pk: int) -> MeetingView:
    """The meeting page: agenda, minutes and decisions as the user may read them, the
    invitations, and on a network meeting the open commitments to follow up. The read is
    logged with the ids of what was shown."""
    meeting = meeting_for(user, pk)
    organisation = user.organisation_id
    decisions = Decision.objects.select_related(
        "plan_item", "plan_item__responsible_organisation", "plan_item__responsible_person"
    )
    items = list(
        meeting.items.select_related("organisation", "minutes_by").prefetch_related(
            Prefetch("decisions", queryset=decisions)
        )
    )
    open_items, follow_ups = [], []
    if meeting.is_network:
        visible = set(_visible_plan_items(meeting, organisation).values_list("pk", flat=True))
        for item in items:
            item.minutes_hidden = not meeting.sharing.reads_entry(organisation, item)
            item.shown_decisions = [d for d in item.decisions.all() if d.plan_item_id in visible]
        open_items = list(
            _visible_plan_items(meeting, organisation)
            .filter(status__in=OPEN)
            .select_related("responsible_organisation", "responsible_person")
        )
        follow_ups = list(
            meeting.follow_ups.filter(plan_item_id__in=visible).select_related(
                "plan_item", "recorded_by"
            )
        )
    else:
        for item in items:
            item.minutes_hidden = False
            item.shown_decisions = list(item.decisions.all())
    attendances = list(meeting.attendances.select_related("user", "organisation"))
    view = MeetingView(
        meeting=meeting,
        items=items,
        attendances=attendances,
        mine=next((a for a in attendances if a.user_id == user.pk), None),
        open_plan_items=open_items,
        follow_ups=follow_ups,
    )
    if meeting.is_network:
        view.identity = _identity(user, meeting.case)
    log_access(user, meeting, view.shown)
    return view


def _identity(user: User, case: Case) -> Identity | None:
    """Who the young person is, only as the user may see it (cases.selectors.identity_for)."""
    return identity_for(user, case.young_person, case=case)


def guardians_of(meeting: Meeting) -> list:
    return list(meeting.case.guardians.all()) if meeting.is_network else []


# ---------------------------------------------------------------------------------------------
# Calendar.
# ---------------------------------------------------------------------------------------------


def _mine(user: User) -> QuerySet[Meeting]:
    invited = Attendance.objects.filter(meeting=OuterRef("pk"), user=user)
    return (
        Meeting.objects.filter(Q(convened_by=user) | Exists(invited))
        .annotate(case_readable=Exists(access.viewable_cases(user).filter(pk=OuterRef("case_id"))))
        .select_related("case")
    )


def my_meetings(user: User, *, past: bool = False, today=None) -> QuerySet[Meeting]:
    """ "Mina möten": the meetings I convened or am invited to; upcoming soonest first, past
    latest first. Shows no names: the case reference only while I read the case."""
    today = today or timezone.localdate()
    if past:
        return _mine(user).filter(date__lt=today).order_by("-date", "-starts_at", "-id")
    return _mine(user).filter(date__gte=today).order_by("date", "starts_at", "id")


def feed_meetings(user: User, today=None) -> QuerySet[Meeting]:
    """What the calendar feed holds: my meetings from SSPF_MEETING_FEED_PAST_DAYS back, without
    those I declined."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=settings.SSPF_MEETING_FEED_PAST_DAYS)
    declined = Attendance.objects.filter(
        meeting=OuterRef("pk"), user=user, response=Attendance.Response.DECLINED
    )
    return _mine(user).filter(date__gte=since).exclude(Exists(declined)).order_by("date", "id")


def invitations(user: User, today=None) -> QuerySet[Attendance]:
    """Invitations waiting for my answer (for the home page)."""
    today = today or timezone.localdate()
    return (
        Attendance.objects.filter(
            user=user,
            response=Attendance.Response.INVITED,
            meeting__date__gte=today,
            meeting__status=Meeting.Status.PLANNED,
        )
        .annotate(
            case_readable=Exists(
                access.viewable_cases(user).filter(pk=OuterRef("meeting__case_id"))
            )
        )
        .select_related("meeting", "meeting__case")
        .order_by("meeting__date", "meeting__starts_at")
    )


def attendance_for_answer(user: User, meeting_pk: int) -> Attendance:
    attendance = (
        Attendance.objects.select_related("meeting")
        .filter(meeting_id=meeting_pk, user=user)
        .first()
    )
    if attendance is None:
        log_denied(user, Meeting, meeting_pk)
        raise Http404
    return attendance


def open_commitments(user: User, today=None) -> list[PlanItem]:
    """ "Mina åtaganden": open plan items where I am the responsible person, only those I read
    now (the case rule and the entry rule, as on the case page). A constant number of queries."""
    today = today or timezone.localdate()
    items = list(
        PlanItem.objects.filter(
            responsible_person=user,
            status__in=OPEN,
            case__in=access.viewable_cases(user, today),
        )
        .select_related("case", "responsible_organisation")
        .order_by("due_date", "id")
    )
    cases = {
        c.pk: c
        for c in access.prefetch_for_access(Case.objects.filter(pk__in={i.case_id for i in items}))
    }
    sharing = {pk: access.case_access(case, today) for pk, case in cases.items()}
    return [i for i in items if sharing[i.case_id].reads_entry(user.organisation_id, i)]


# ---------------------------------------------------------------------------------------------
# Preparation.
# ---------------------------------------------------------------------------------------------


@dataclass
class CasePreparation:
    """One agenda case as the reader may see it now."""

    meeting: Meeting
    case: Case
    readable: bool
    since: datetime.date | None = None  # the previous meeting on the case (or the opening)
    sharing: access.CaseAccess | None = None
    identity: Identity | None = None
    consent_until: datetime.date | None = None
    missing_parties: int = 0
    overdue: list = field(default_factory=list)
    due: list = field(default_factory=list)
    later: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    referrals: list = field(default_factory=list)


@dataclass
class OperationalPreparation:
    since: datetime.date
    places: list[dict]
    unvisited_schools: list
    themes: list[tuple[str, int]]


def _previous_meetings(meetings: list[Meeting]) -> dict[int, datetime.date]:
    """For each network meeting, the day of the case's previous meeting that was not
    cancelled; one query for all."""
    days: dict[int, list[datetime.date]] = {}
    rows = (
        Meeting.objects.filter(case_id__in={m.case_id for m in meetings})
        .exclude(status=Meeting.Status.CANCELLED)
        .values_list("case_id", "date")
    )
    for case_id, day in rows:
        days.setdefault(case_id, []).append(day)
    previous = {}
    for meeting in meetings:
        earlier = [d for d in days.get(meeting.case_id, []) if d < meeting.date]
        if earlier:
            previous[meeting.pk] = max(earlier)
    return previous


def _entries(model, preps: list[CasePreparation], organisation_id: int, when: str):
    """The entries of every readable agenda case since its previous meeting, each under the
    case's entry rule, in one query."""
    rule = Q(pk__in=[])
    for prep in preps:
        rule |= Q(
            case_id=prep.case.pk, **{f"{when}__gte": _day_start(prep.since)}
        ) & prep.sharing.entry_filter(organisation_id)
    return model.objects.filter(rule)


def _referrals(preps: list[CasePreparation], organisation_id: int) -> None:
    """Referrals sent about the cases since their previous meeting, under the same entry rule
    as referrals.selectors.referrals_on_case (the sender's organisation and category), in one
    query for all the cases rather than one per case."""
    # Imported here: referrals build on cases and are not needed to load this module.
    from referrals.models import Referral

    rows = _entries(Referral, preps, organisation_id, "sent_at").select_related(
        "organisation", "receiver"
    )
    by_case: dict[int, list] = {}
    for referral in rows.order_by("sent_at"):
        by_case.setdefault(referral.case_id, []).append(referral)
    for prep in preps:
        prep.referrals = by_case.get(prep.case.pk, [])


def prepare_cases(user: User, meetings: list[Meeting], today=None) -> list[CasePreparation]:
    """Per agenda case of the network meetings: consent status and the day it runs out, the
    open commitments (overdue, due by the meeting, later), contacts, notes and referrals since
    the previous meeting, each only as the user may read it. A constant number of queries,
    however many cases."""
    today = today or timezone.localdate()
    network = [m for m in meetings if m.is_network]
    if not network:
        return []
    cases = {
        c.pk: c
        for c in access.prefetch_for_access(
            Case.objects.filter(pk__in={m.case_id for m in network}).select_related("owner")
        ).prefetch_related("young_person__names")
    }
    held: dict[int, set[str]] = {}
    for case_id, codename in CaseUserObjectPermission.objects.filter(
        user=user, content_object_id__in=cases
    ).values_list("content_object_id", "permission__codename"):
        held.setdefault(case_id, set()).add(codename)
    previous = _previous_meetings(network)
    organisation = user.organisation_id
    preps = []
    for meeting in network:
        case = cases[meeting.case_id]
        sharing = access.case_access(case, today)
        readable = "view_case" in held.get(case.pk, set()) and sharing.reads_case(organisation)
        prep = CasePreparation(meeting=meeting, case=case, readable=readable)
        preps.append(prep)
        if not readable:
            continue
        prep.sharing = sharing
        prep.since = previous.get(meeting.pk, case.opened_on)
        prep.identity = identity_for(user, case.young_person, case=case)
        running = [c for c in case.consents.all() if c.is_running(today)]
        prep.consent_until = min((c.valid_until for c in running), default=None)
        prep.missing_parties = len(sharing.missing)
    readable = [p for p in preps if p.readable]
    if not readable:
        return preps
    plan_rule = Q(pk__in=[])
    for prep in readable:
        plan_rule |= Q(case_id=prep.case.pk) & prep.sharing.entry_filter(organisation)
    plan_items = PlanItem.objects.filter(plan_rule, status__in=OPEN).select_related(
        "responsible_organisation", "responsible_person"
    )
    contacts = _entries(Contact, readable, organisation, "occurred_at").select_related(
        "place", "recorded_by"
    )
    notes = _entries(Note, readable, organisation, "created_at").select_related(
        "author", "organisation"
    )
    by_case: dict[str, dict[int, list]] = {"plan": {}, "contacts": {}, "notes": {}}
    for key, rows in (("plan", plan_items), ("contacts", contacts), ("notes", notes)):
        for row in rows:
            by_case[key].setdefault(row.case_id, []).append(row)
    due_days = datetime.timedelta(days=settings.SSPF_MEETING_DUE_DAYS)
    for prep in readable:
        since = _day_start(prep.since)
        for item in by_case["plan"].get(prep.case.pk, []):
            if item.due_date < today:
                prep.overdue.append(item)
            elif item.due_date <= prep.meeting.date + due_days:
                prep.due.append(item)
            else:
                prep.later.append(item)
        prep.contacts = [
            c for c in by_case["contacts"].get(prep.case.pk, []) if c.occurred_at >= since
        ]
        prep.notes = [n for n in by_case["notes"].get(prep.case.pk, []) if n.created_at >= since]
    _referrals(readable, organisation)
    return preps


def _named(gender: str):
    return When_(
        When(young_person__gender=gender, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def prepare_operational(meeting: Meeting, today=None) -> OperationalPreparation:
    """For an operational group: contacts per place and gender since the previous operational
    meeting (aggregated in the database: group head counts plus named contacts' gender),
    schools without a visit this term, and the themes field workers flagged. No names."""
    from schools.selectors import coverage

    today = today or timezone.localdate()
    previous = (
        Meeting.objects.filter(level=Level.OPERATIONAL, date__lt=meeting.date)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    since = previous or meeting.date - datetime.timedelta(days=28)
    contacts = Contact.objects.filter(occurred_at__gte=_day_start(since), voided_at__isnull=True)
    places = list(
        contacts.values("place__name")
        .annotate(
            girls=Sum("girls") + Sum(_named("girl")),
            boys=Sum("boys") + Sum(_named("boy")),
            others=Sum("others") + Sum(_named("other")),
            not_recorded=Sum("not_recorded") + Sum(_named("not_recorded")),
        )
        .order_by("place__name")
    )
    # Small counts by gender and place could point at a child: each row is protected as the
    # statistics are (stats/disclosure.py), with its total as the published margin (the page
    # shows no column totals, so the rows are independent). None: suppressed.
    genders = ["girls", "boys", "others", "not_recorded"]
    threshold = settings.SSPF_SUPPRESSION_THRESHOLD
    for row in places:
        protected = protect([[row[g] or 0 for g in genders]], threshold)
        row.update({g: protected.shown(("cell", 0, j)) for j, g in enumerate(genders)})
        row["total"] = protected.shown(("row", 0))
    themes = Counter()
    for row in contacts.exclude(themes=[]).values_list("themes", flat=True):
        themes.update(row)
    table = coverage(today, term_count=1)
    chosen = {s.pk for s in meeting.schools.all()}
    unvisited = [
        r.school
        for r in table.rows
        if not r.visited_this_term and (not chosen or r.school.pk in chosen)
    ]
    labels = dict(Contact.Theme.choices)
    return OperationalPreparation(
        since=since,
        places=places,
        unvisited_schools=unvisited,
        themes=[(str(labels.get(t, t)), n) for t, n in themes.most_common()],
    )


def meetings_to_prepare(user: User, today=None) -> list[Meeting]:
    """My next meetings: the planned ones I may run within SSPF_MEETING_PREPARE_DAYS."""
    today = today or timezone.localdate()
    until = today + datetime.timedelta(days=settings.SSPF_MEETING_PREPARE_DAYS)
    return list(
        _mine(user)
        .filter(date__gte=today, date__lte=until, status=Meeting.Status.PLANNED)
        .prefetch_related("schools")
        .order_by("date", "starts_at", "id")
    )


def log_preparation(user: User, meetings: list[Meeting], preps: list[CasePreparation]) -> None:
    """One ACCESS entry per page (DESIGN §10), on the first meeting prepared, with the ids of
    every meeting, case and entry shown."""
    if not meetings:
        return
    shown = [p for p in preps if p.readable]
    log_access(
        user,
        meetings[0],
        {
            "page": "preparation",
            "meetings": [m.pk for m in meetings],
            "cases": [p.case.pk for p in shown],
            "plan_items": [i.pk for p in shown for i in (*p.overdue, *p.due, *p.later)],
            "notes": [n.pk for p in shown for n in p.notes],
            "contacts": [c.pk for p in shown for c in p.contacts],
            "referrals": [r.pk for p in shown for r in p.referrals],
        },
    )
