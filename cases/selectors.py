"""Every read of cases, people and notes: always given the user, always logged."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from audit.access import log_access, log_denied
from cases import access
from cases.models import (
    Case,
    CaseMember,
    Consent,
    Guardian,
    Note,
    PlanItem,
    YoungPerson,
)
from cases.services import person_find


def case_list(
    user: User,
    *,
    status: str = "",
    school=None,
    risk_factor: str = "",
    reference: str = "",
    personnummer: str = "",
    today: datetime.date | None = None,
) -> QuerySet[Case]:
    """The cases the user may open, newest first. Shows no names, so it logs no reads; a
    search by personnummer is a lookup of that person and is logged. It finds only cases the
    user may read, and never confirms a protected identity to anyone but the organisation
    that recorded the protection."""
    cases = access.viewable_cases(user, today).select_related("school", "owner")
    cases = cases.prefetch_related("risk_factors")
    if status:
        cases = cases.filter(status=status)
    if school is not None:
        cases = cases.filter(school=school)
    if risk_factor:
        cases = cases.filter(risk_factors__factor=risk_factor)
    if reference.strip():
        cases = cases.filter(reference__icontains=reference.strip())
    if personnummer:
        person = person_by_number(user, personnummer)
        cases = cases.filter(young_person=person).exclude(
            Q(young_person__protected_identity=True)
            & ~Q(young_person__protected_by=user.organisation_id)
        )
    return cases.order_by("-opened_on", "-id")


def person_by_number(user: User, personnummer: str) -> YoungPerson | None:
    """Every lookup by personnummer goes through here and, when it finds someone, is logged
    as an ACCESS to that person (DESIGN §4). What the caller shows must not depend on the
    answer unless the user may already read a case about the person."""
    person = person_find(personnummer=personnummer)
    if person is not None:
        log_access(user, person, {"lookup": "personnummer"})
    return person


@dataclass
class Identity:
    """What a user may see of who a young person is."""

    name: str
    personnummer: str
    gender: str  # the display value, as the same organisation recorded it

    @property
    def number(self) -> str:
        return f"{self.personnummer[:8]}-{self.personnummer[8:]}"


def identity_for(user: User, person: YoungPerson, *, case: Case | None = None) -> Identity | None:
    """The one check on a person's identity (DESIGN §4): a protected identity's name and
    number reach only the organisation that recorded the protection; otherwise the user's
    organisation sees the name it recorded itself, or, on a case it reads, the name the case's
    owner recorded. Needs person.names prefetched (and, with a case, the case's sharing
    checked by the caller); None when nothing may be shown."""
    organisation = user.organisation_id
    if person.protected_identity and person.protected_by_id != organisation:
        return None
    names = {n.organisation_id: n for n in person.names.all()}
    record = names.get(organisation)
    if record is None and case is not None:
        record = names.get(case.owner_id)
    if record is None:
        return None
    return Identity(
        name=record.full_name,
        personnummer=person.personnummer,
        gender=record.get_gender_display(),
    )


@dataclass
class CaseView:
    """A case as one user may see it now."""

    case: Case
    access: access.CaseAccess
    identity: Identity | None  # None: "protected identity" (or nothing recorded to show)
    notes: list[Note]
    plan_items: list[PlanItem]
    contacts: list
    minutes: list  # meetings.selectors.minutes_on_case
    referrals: list  # referrals.selectors.referrals_on_case
    members: list[CaseMember]
    consents: list[Consent]
    guardians: list[Guardian]
    expiring: list[Consent]
    disclosures: list  # made by or to the user's organisation
    today: datetime.date

    @property
    def timeline(self) -> list[tuple[datetime.datetime, str, object]]:
        events = [(n.created_at, "note", n) for n in self.notes]
        events += [(p.created_at, "plan", p) for p in self.plan_items]
        events += [(c.occurred_at, "contact", c) for c in self.contacts]
        events += [(m.created_at, "minutes", m) for m in self.minutes]
        events += [(r.created_at, "referral", r) for r in self.referrals]
        for consent in self.consents:
            events.append((consent.created_at, "consent", consent))
            if consent.withdrawn_at:
                events.append((consent.withdrawn_at, "withdrawal", consent))
        return sorted(events, key=lambda event: event[0], reverse=True)


def _load(user: User, pk: int) -> Case | None:
    """The case with everything the access rule and the page need; the user's rights on it
    come in the same query (access.held_annotations)."""
    return (
        access.prefetch_for_access(
            Case.objects.select_related("owner", "coordinator", "school", "young_person__school")
        )
        .annotate(**access.held_annotations(user))
        .prefetch_related(
            "risk_factors",
            "young_person__names",
            Prefetch(
                "members",
                queryset=CaseMember.objects.select_related("user", "organisation").order_by(
                    "organisation__name", "user__last_name"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def case_for(user: User, pk: int, codename: str = "view_case", today=None) -> Case:
    """The one way a view gets a case: loaded with what the access rule needs, checked by
    access.check_case (404 when the user may not read it, 403 when they read it but lack
    `codename`; both refusals logged). The case's sharing now is on `case.sharing`."""
    case = _load(user, pk)
    try:
        if case is None:
            raise access.Refused(codename, visible=False)
        access.remember_held(user, case)
        case.sharing = access.check_case(user, case, codename, today)
    except access.Refused as refused:
        log_denied(user, Case, pk, obj=case)
        if refused.visible:
            raise PermissionDenied(codename) from None
        raise Http404 from None
    return case


def case_for_reading(user: User, pk: int, today: datetime.date | None = None) -> CaseView:
    """The case page: the read is logged with the ids of the entries shown, and with the
    statutory basis when a disclosure opened it."""
    today = today or timezone.localdate()
    case = case_for(user, pk, today=today)
    sharing = case.sharing
    visible = sharing.entry_filter(user.organisation_id)
    notes = list(
        case.notes.filter(visible)
        .select_related("author", "organisation", "corrects")
        .order_by("-created_at")
    )
    plan_items = list(
        case.plan_items.filter(visible).select_related(
            "author", "organisation", "responsible_organisation", "responsible_person"
        )
    )
    contacts = list(case.contacts.filter(visible).select_related("place", "recorded_by"))
    # Imported here: those apps build on cases.
    from meetings.selectors import minutes_on_case
    from referrals.selectors import referrals_on_case

    minutes = minutes_on_case(user, case)
    referrals = referrals_on_case(user, case)
    details = {
        "notes": [n.pk for n in notes],
        "plan_items": [p.pk for p in plan_items],
        "contacts": [c.pk for c in contacts],
    }
    if minutes:
        details["minutes"] = [m.pk for m in minutes]
    if referrals:
        details["referrals"] = [r.pk for r in referrals]
    bases = sharing.under_disclosure(user.organisation_id)
    if bases:
        details["statutory_basis"] = bases
    identity = identity_for(user, case.young_person, case=case)
    if identity is not None:
        # One ACCESS entry per page (DESIGN §10): the identity shown is part of the case's
        # entry, which the person's extract lists (the case is about the person).
        details["young_person"] = case.young_person_id
    log_access(user, case, details)
    consents = list(case.consents.all())
    warn_until = today + datetime.timedelta(days=settings.SSPF_CONSENT_WARNING_DAYS)
    return CaseView(
        case=case,
        access=sharing,
        identity=identity,
        notes=notes,
        plan_items=plan_items,
        contacts=contacts,
        minutes=minutes,
        referrals=referrals,
        members=list(case.members.all()),
        consents=consents,
        guardians=list(case.guardians.all()),
        expiring=[c for c in consents if c.is_running(today) and c.valid_until <= warn_until],
        disclosures=[
            d
            for d in case.disclosures.all()
            if user.organisation_id in (d.from_organisation_id, d.organisation_id)
        ],
        today=today,
    )


def case_for_writing(user: User, pk: int, codename: str) -> Case:
    return case_for(user, pk, codename)


def case_rights(user: User, case: Case) -> set[str]:
    """The user's case permissions, for showing only the buttons that will work (those
    access.check_case saw, when the case came from case_for)."""
    return access.held(user, case)


def _visible_entry(user: User, case: Case, model, pk: int):
    """A child of a case reached through the case (already checked by case_for)."""
    entry = model.objects.filter(case=case, pk=pk).first()
    if entry is None or not case.sharing.reads_entry(user.organisation_id, entry):
        log_denied(user, model, pk, obj=entry)
        raise Http404
    return entry


def note_for_correction(user: User, case: Case, pk: int) -> Note:
    return _visible_entry(user, case, Note, pk)


def plan_item_for_reading(user: User, case: Case, pk: int) -> PlanItem:
    item = _visible_entry(user, case, PlanItem, pk)
    bases = case.sharing.under_disclosure(user.organisation_id, item)
    log_access(user, item, {"statutory_basis": bases} if bases else None)
    return item


def consent_overview(case: Case, guardians: list[Guardian], today=None) -> dict:
    """For the consent page: who must consent now, who has not, whether the declared custody
    is on file, and which of the team's organisations read the case now."""
    today = today or timezone.localdate()
    sharing = access.case_access(case, today)
    minor = access.is_minor(case.young_person.birth_date, today)
    required = []
    for guardian in guardians:
        if ("guardian", guardian.pk) in sharing.required:
            required.append((guardian, ("guardian", guardian.pk) not in sharing.missing))
    person_required = access.PERSON in sharing.required
    team_organisations = {m.organisation for m in case.members.all()}
    return {
        "sharing": sharing,
        "required_guardians": required,
        "person_required": person_required,
        "person_missing": access.PERSON in sharing.missing,
        "nobody_required": not sharing.required,
        "custody_unknown": minor and case.custody == Case.Custody.UNKNOWN,
        "custodians_missing": sharing.custodians_missing if minor else 0,
        "reading": sorted((o for o in team_organisations if o.pk in sharing.circle), key=str),
        "not_reading": sorted(
            (o for o in team_organisations if o.pk not in sharing.circle), key=str
        ),
        "consents": list(case.consents.all()),
        "adult": not minor,
    }


def expiring_consents(user: User, today: datetime.date | None = None) -> QuerySet[Consent]:
    """For the coordinator's home page: running consents that end within the warning days."""
    today = today or timezone.localdate()
    until = today + datetime.timedelta(days=settings.SSPF_CONSENT_WARNING_DAYS)
    return (
        Consent.objects.filter(
            case__in=access.viewable_cases(user, today).filter(coordinator=user),
            withdrawn_at__isnull=True,
            valid_from__lte=today,
            valid_until__gte=today,
            valid_until__lte=until,
        )
        .select_related("case", "guardian")
        .order_by("valid_until")
    )
