"""Every write about meetings. Each checks the actor's right first, writes, and leaves its
audit trail (django-auditlog records the rows), all in one transaction.

A network meeting's writes go through the case's own check (cases.access.check_case) and, for
the commitment plan, through cases.services, so the rules of the case are enforced once.
"""

import datetime
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from cases import access
from cases import services as case_services
from cases.models import Case, Category, PlanItem, category_of
from meetings.models import (
    AgendaItem,
    Attendance,
    CalendarFeed,
    Decision,
    FollowUp,
    Level,
    Meeting,
)
from meetings.screening import refuse_personnummer
from sspf.permissions import require

# They never take part in case work or meetings (DESIGN §4).
NEVER_INVITED = ("administrator", "auditor")


def _require_case(by: User, case: Case, codename: str) -> access.CaseAccess:
    try:
        return access.check_case(by, case, codename)
    except access.Refused:
        raise PermissionDenied(codename) from None


def _require_runner(by: User, meeting: Meeting) -> access.CaseAccess | None:
    """Who runs a meeting: a coordinator; on a network meeting one who leads the case now."""
    require(by, "meetings.change_meeting")
    if meeting.is_network:
        return _require_case(by, meeting.case, "change_case")
    return None


def _require_open(case: Case) -> None:
    """Closed means closed (DESIGN §4): no minutes on a closed case either."""
    if case.is_closed:
        raise ValidationError(_("The case is closed: nothing more can be written in it."))


def _require_not_cancelled(meeting: Meeting) -> None:
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("The meeting is cancelled."))


@transaction.atomic
def meeting_create(
    *,
    by: User,
    level: str,
    date: datetime.date,
    starts_at: datetime.time,
    ends_at: datetime.time,
    place: str,
    case: Case | None = None,
    schools=(),
    area: str = "",
) -> Meeting:
    require(by, "meetings.add_meeting")
    errors = {}
    if level not in Level.values:
        errors["level"] = _("Choose the level of the meeting.")
    elif level == Level.NETWORK:
        if case is None:
            errors["case"] = _("A network meeting is about exactly one case: choose it.")
        else:
            _require_case(by, case, "change_case")
            if case.is_closed:
                errors["case"] = _("The case is closed: no meeting can be convened on it.")
    elif case is not None:
        errors["case"] = _(
            "Group-level meetings never name individuals: they cannot be about a case."
        )
    if ends_at <= starts_at:
        errors["ends_at"] = _("The meeting must end after it starts.")
    if not place.strip():
        errors["place"] = _("Say where the meeting is held.")
    if level != Level.NETWORK:
        refuse_personnummer(place=place, area=area)
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        level=level,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        area=area.strip(),
        case=case if level == Level.NETWORK else None,
        convened_by=by,
    )
    meeting.schools.set(schools)
    Attendance.objects.create(
        meeting=meeting,
        user=by,
        organisation=by.organisation,
        response=Attendance.Response.ACCEPTED,
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, by: User, meeting: Meeting) -> Meeting:
    _require_runner(by, meeting)
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError(_("Only a planned meeting can be cancelled."))
    meeting.status = Meeting.Status.CANCELLED
    meeting.save(update_fields=["status"])
    return meeting


def consent_gap(case: Case, organisation: Organisation, sharing: access.CaseAccess) -> str:
    """Why the case's consent does not cover `organisation`, in words the coordinator can act
    on: which required parties have no running consent naming it (DESIGN §4). Needs the case
    loaded with access.prefetch_for_access."""
    today = timezone.localdate()
    if not sharing.required:
        return _("nobody whose consent is required has consented yet")
    if not access.custody_complete(case, today):
        return _("not every custodian the declared custody implies is on file")
    parties = []
    guardians = {g.pk: g for g in case.guardians.all()}
    for kind, guardian_id in sorted(sharing.required, key=lambda p: (p[0], p[1] or 0)):
        names_it = any(
            consent.is_running(today)
            and access.party_of(consent) == (kind, guardian_id)
            and (
                organisation.pk == case.owner_id
                or any(o.pk == organisation.pk for o in consent.organisations.all())
            )
            for consent in case.consents.all()
        )
        if not names_it:
            if kind == "guardian":
                guardian = guardians[guardian_id]
                parties.append(
                    _("the guardian (%(relation)s)") % {"relation": guardian.get_relation_display()}
                )
            else:
                parties.append(_("the young person"))
    if parties:
        return ", ".join(parties)
    return _("the consents name it, but not for a kind of information they all share")


@transaction.atomic
def invite(*, by: User, meeting: Meeting, user: User) -> Attendance:
    """Kallelse. Group level: anyone with a role. Network meeting: a member of the case team
    whose organisation the case's consent covers now; a refusal says which consent is missing."""
    sharing = _require_runner(by, meeting)
    _require_not_cancelled(meeting)
    if not user.is_active or not user.roles:
        raise ValidationError({"user": _("This account is not active.")})
    if any(user.has_role(role) for role in NEVER_INVITED):
        raise ValidationError(
            {"user": _("Administrators and auditors never take part in meetings.")}
        )
    if meeting.is_network:
        case = meeting.case
        if case.is_closed:
            raise ValidationError(_("The case is closed."))
        if user.organisation_id not in sharing.circle:
            raise ValidationError(
                {
                    "user": _(
                        "%(organisation)s (%(kind)s) is not covered by the consent of: "
                        "%(parties)s. Only organisations the consent covers may be invited."
                    )
                    % {
                        "organisation": user.organisation.name,
                        "kind": user.organisation.get_kind_display(),
                        "parties": consent_gap(case, user.organisation, sharing),
                    }
                }
            )
        if not case.members.filter(user=user).exists():
            raise ValidationError(
                {"user": _("Add the person to the case team first; then invite them.")}
            )
    already = ValidationError({"user": _("This person is already invited.")})
    if meeting.attendances.filter(user=user).exists():
        raise already
    try:
        with transaction.atomic():
            return Attendance.objects.create(
                meeting=meeting, user=user, organisation=user.organisation
            )
    except IntegrityError:  # invited at the same moment by someone else
        raise already from None


@transaction.atomic
def respond(*, by: User, attendance: Attendance, response: str) -> Attendance:
    """The invitee's own answer (deltar / deltar inte)."""
    if attendance.user_id != by.pk:
        raise PermissionDenied("respond")
    if response not in (Attendance.Response.ACCEPTED, Attendance.Response.DECLINED):
        raise ValidationError({"response": _("Answer whether you attend.")})
    _require_not_cancelled(attendance.meeting)
    attendance.response = response
    attendance.save(update_fields=["response"])
    return attendance


@transaction.atomic
def attendance_record(
    *,
    by: User,
    meeting: Meeting,
    presence: dict[int, str],
    young_person_present: bool = False,
    guardians_present=(),
) -> Meeting:
    """After the meeting: who was present, absent or excused; on a network meeting also the
    young person and which guardians came (no new names). The meeting is then held."""
    _require_runner(by, meeting)
    _require_not_cancelled(meeting)
    if meeting.date > timezone.localdate():
        raise ValidationError(_("Presence is recorded on or after the day of the meeting."))
    rows = {a.pk: a for a in meeting.attendances.all()}
    if set(presence) - set(rows) or not set(presence.values()) <= set(Attendance.Presence.values):
        raise ValidationError(_("Record presence only for the people invited."))
    guardians = list(guardians_present)
    if not meeting.is_network and (young_person_present or guardians):
        raise ValidationError(
            _("Group-level meetings never name individuals: record only the invited staff.")
        )
    if any(g.case_id != meeting.case_id for g in guardians):
        raise ValidationError({"guardians_present": _("This guardian belongs to another case.")})
    changed = []
    for pk, value in presence.items():
        if rows[pk].presence != value:
            rows[pk].presence = value
            changed.append(rows[pk])
    for row in changed:
        row.save(update_fields=["presence"])
    meeting.status = Meeting.Status.HELD
    meeting.young_person_present = bool(young_person_present) and meeting.is_network
    meeting.save(update_fields=["status", "young_person_present"])
    meeting.guardians_present.set(guardians)
    return meeting


def _next_order(meeting: Meeting) -> int:
    last = meeting.items.order_by("-order").values_list("order", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def agenda_item_add(
    *, by: User, meeting: Meeting, topic: str, case: Case | None = None
) -> AgendaItem:
    """A point on the agenda. At group level it can never link a case (the database refuses it
    too); on a network meeting it is always about the meeting's case."""
    _require_runner(by, meeting)
    _require_not_cancelled(meeting)
    if not topic.strip():
        raise ValidationError({"topic": _("Write the topic.")})
    if meeting.is_network:
        if case is not None and case.pk != meeting.case_id:
            raise ValidationError({"case": _("A network meeting is about its own case only.")})
        case = meeting.case
    else:
        if case is not None:
            raise ValidationError(
                {
                    "case": _(
                        "Group-level meetings never name individuals: an agenda item here "
                        "cannot link a case, a person or a contact."
                    )
                }
            )
        refuse_personnummer(topic=topic)
    return AgendaItem.objects.create(
        meeting=meeting,
        level=meeting.level,
        order=_next_order(meeting),
        topic=topic.strip(),
        case=case,
        organisation=by.organisation,
        category=category_of(by.organisation),
    )


@transaction.atomic
def minutes_record(*, by: User, item: AgendaItem, minutes: str, category: str = "") -> AgendaItem:
    """Protokoll. On a network meeting the minutes are a case entry of the writer's
    organisation in the category chosen (by default the organisation's own), read under the
    case rule; at group level they are screened for personnummer-shaped strings."""
    meeting = item.meeting
    _require_runner(by, meeting)
    _require_not_cancelled(meeting)
    if not minutes.strip():
        raise ValidationError({"minutes": _("The minutes are empty.")})
    category = category or category_of(by.organisation)
    if category not in Category.values:
        raise ValidationError({"category": _("Choose a kind of information.")})
    if meeting.is_network:
        _require_case(by, item.case, "add_note")
        _require_open(item.case)
    else:
        refuse_personnummer(minutes=minutes)
    item.minutes = minutes
    item.minutes_by = by
    item.minutes_at = timezone.now()
    item.organisation = by.organisation
    item.category = category
    item.save(update_fields=["minutes", "minutes_by", "minutes_at", "organisation", "category"])
    return item


@transaction.atomic
def decision_record(
    *,
    by: User,
    item: AgendaItem,
    text: str = "",
    goal: str = "",
    action: str = "",
    responsible_organisation: Organisation | None = None,
    responsible_person: User | None = None,
    due_date: datetime.date | None = None,
    category: str = "",
) -> Decision:
    """Beslut. On a network meeting a decision is a commitment in the case's plan: it is added
    through cases.services.plan_item_add in this transaction (open case, person on the team,
    the writer's right on the case). At group level it is a text without names."""
    meeting = item.meeting
    _require_runner(by, meeting)
    _require_not_cancelled(meeting)
    if not meeting.is_network:
        if not text.strip():
            raise ValidationError({"text": _("Write the decision.")})
        refuse_personnummer(text=text)
        return Decision.objects.create(agenda_item=item, text=text.strip(), decided_by=by)
    errors = {}
    if not goal.strip():
        errors["goal"] = _("Write the goal.")
    if not action.strip():
        errors["action"] = _("Write the action.")
    if responsible_organisation is None:
        errors["responsible_organisation"] = _("Choose the responsible organisation.")
    if due_date is None:
        errors["due_date"] = _("Give the date it is due.")
    if (
        responsible_person is not None
        and responsible_organisation is not None
        and responsible_person.organisation_id != responsible_organisation.pk
    ):
        errors["responsible_person"] = _(
            "The responsible person must belong to the responsible organisation."
        )
    if errors:
        raise ValidationError(errors)
    plan_item = case_services.plan_item_add(
        by=by,
        case=item.case,
        goal=goal.strip(),
        action=action.strip(),
        responsible_organisation=responsible_organisation,
        responsible_person=responsible_person,
        due_date=due_date,
        category=category or category_of(by.organisation),
    )
    return Decision.objects.create(
        agenda_item=item, text=text.strip(), plan_item=plan_item, decided_by=by
    )


@transaction.atomic
def follow_up_record(
    *, by: User, meeting: Meeting, plan_item: PlanItem, status: str, follow_up: str
) -> FollowUp:
    """Uppföljning at a network meeting: the commitment's status and text are updated through
    cases.services.plan_item_follow_up, and the meeting's follow-up is kept as history."""
    _require_runner(by, meeting)
    _require_not_cancelled(meeting)
    if plan_item.case_id != meeting.case_id:
        raise ValidationError(_("This commitment belongs to another case."))
    if not follow_up.strip():
        raise ValidationError({"follow_up": _("Write how the commitment went.")})
    case_services.plan_item_follow_up(by=by, item=plan_item, status=status, follow_up=follow_up)
    return FollowUp.objects.create(
        meeting=meeting, plan_item=plan_item, status=status, text=follow_up, recorded_by=by
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_renew(*, by: User) -> str:
    """A new secret calendar address for the user; the old one stops working at once. Returns
    the token, which is stored only as its hash: the caller shows it once."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(user=by, defaults={"token_hash": _hash(token)})
    return token


@transaction.atomic
def feed_revoke(*, by: User) -> None:
    CalendarFeed.objects.filter(user=by).delete()


def feed_owner(token: str) -> User | None:
    """The user whose calendar address this is, or None."""
    if not token or len(token) > 100:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=_hash(token)).first()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user
