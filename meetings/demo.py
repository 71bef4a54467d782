"""Demo meetings: a term at all three levels, written through the services (so they carry their
audit trail): steering groups, an operational group every other week with minutes and
decisions without names, and network meetings on the shared case (one held, with minutes, a
decision in the commitment plan and a follow-up; one coming up) and on the protected one."""

import datetime

from django.utils import timezone

from accounts.models import Organisation, User
from cases.models import Case, PlanItem
from meetings import services
from meetings.models import Level, Meeting
from schools.models import School


def _meeting(by, level, day, start, place, case=None, schools=()):
    return services.meeting_create(
        by=by,
        level=level,
        date=day,
        starts_at=datetime.time(start),
        ends_at=datetime.time(start + 1, 30),
        place=place,
        case=case,
        schools=schools,
    )


def _item(by, meeting, topic, minutes="", decision="", category=""):
    item = services.agenda_item_add(by=by, meeting=meeting, topic=topic)
    if minutes:
        services.minutes_record(by=by, item=item, minutes=minutes, category=category)
    if decision:
        services.decision_record(by=by, item=item, text=decision)
    return item


def _held(by, meeting, **extra):
    presence = {a.pk: "present" for a in meeting.attendances.all()}
    services.attendance_record(by=by, meeting=meeting, presence=presence, **extra)


def load(users: dict[str, User], today: datetime.date | None = None) -> None:
    if Meeting.objects.exists():
        return
    today = today or timezone.localdate()
    coordinator = users["samordnare"]
    plan = PlanItem.objects.select_related("case").order_by("pk").first()
    if plan is None:  # the cases demo did not run
        return
    shared = plan.case
    day = datetime.timedelta(days=1)
    schools = list(School.objects.filter(active=True).order_by("name")[:3])

    # Steering group (styrgrupp): at the start of the term and one coming up.
    for offset, held in ((-60, True), (30, False)):
        steering = _meeting(coordinator, Level.STEERING, today + offset * day, 13, "Stadshuset")
        for username in ("kontaktpolis", "socialsekreterare", "fritidsledare"):
            services.invite(by=coordinator, meeting=steering, user=users[username])
        _item(
            coordinator,
            steering,
            "Målen i samverkansöverenskommelsen",
            minutes="Ungdomsbrottsligheten 15–18 år följs upp mot målet −5 % per år."
            if held
            else "",
            decision="Årsrapporten till BRÅ-rådet tas fram till nästa möte." if held else "",
        )
        if held:
            _held(coordinator, steering)

    # Operational group (operativ grupp) every other week: places, groups, trends; no names.
    for offset in range(-70, 15, 14):
        operational = _meeting(
            coordinator,
            Level.OPERATIONAL,
            today + offset * day,
            15,
            "Polisstationen, rum 2",
            schools=schools,
        )
        for username in ("kontaktpolis", "faltare", "fritidsledare", "skolpersonal"):
            services.invite(by=coordinator, meeting=operational, user=users[username])
        if offset < 0:
            _item(
                coordinator,
                operational,
                "Läget vid Resecentrum",
                minutes="Grupper om 5–10 ungdomar fredag och lördag efter kl 22; alkohol synligt.",
                decision="Fältarna och polisen går gemensamt fredagar kl 21–01 i fyra veckor.",
            )
            _item(coordinator, operational, "Skolbesök denna termin", minutes="Två skolor kvar.")
            _held(coordinator, operational)
        else:
            _item(coordinator, operational, "Läget vid Resecentrum")
            _item(coordinator, operational, "Trender från fältarna")

    # Network meetings (nätverksmöte) on the shared case: one held, one coming up.
    ekbacke = Organisation.objects.get(name="Ekbackeskolan")
    held = _meeting(coordinator, Level.NETWORK, today - 28 * day, 10, "Ekbackeskolan", shared)
    for username in ("skolpersonal", "kontaktpolis", "socialsekreterare"):
        services.invite(by=coordinator, meeting=held, user=users[username])
    item = _item(
        coordinator,
        held,
        "Skolgång och närvaro",
        minutes="Frånvaron har ökat. Familjen vill ha tätare kontakt med mentorn.",
        category="school",
    )
    services.decision_record(
        by=coordinator,
        item=item,
        goal="Närvaro över 90 % till terminens slut",
        action="Mentor och vårdnadshavare ses varannan vecka",
        responsible_organisation=ekbacke,
        responsible_person=users["skolpersonal"],
        due_date=today + 14 * day,
        category="school",
    )
    _held(
        coordinator,
        held,
        young_person_present=True,
        guardians_present=list(shared.guardians.filter(relation="mother")),
    )
    coming = _meeting(coordinator, Level.NETWORK, today + 7 * day, 10, "Ekbackeskolan", shared)
    for username in ("skolpersonal", "kontaktpolis", "socialsekreterare"):
        services.invite(by=coordinator, meeting=coming, user=users[username])
    _item(coordinator, coming, "Uppföljning av åtagandeplanen")
    _item(coordinator, coming, "Fritid och kvällar")

    # A network meeting on the case with protected identity (never printed with a name).
    protected = Case.objects.filter(young_person__protected_identity=True).first()
    if protected is not None:
        meeting = _meeting(
            coordinator, Level.NETWORK, today + 10 * day, 14, "Socialtjänsten", protected
        )
        services.invite(by=coordinator, meeting=meeting, user=users["skolpersonal"])
        _item(coordinator, meeting, "Trygghet i skolan")
