"""Every write about cases. Each checks the actor's right, writes, keeps the grants in sync and
leaves its audit trail (django-auditlog records the rows), all in one transaction."""

import calendar
import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from cases import access
from cases.models import (
    Case,
    CaseMember,
    CaseYearCounter,
    Category,
    Consent,
    ConsentCategory,
    Disclosure,
    DisclosureCategory,
    Guardian,
    Note,
    PlanItem,
    RiskFactor,
    YoungPerson,
)
from schools.models import School
from sspf import personnummer as pnr
from sspf.permissions import require


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it is shorter."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _require_on_case(user: User, codename: str, case: Case) -> None:
    """A right held on this case through the team, and the case readable now."""
    if not access.holds(user, case, codename) or not access.may_view(user, case):
        raise PermissionDenied(codename)


def _next_reference(year: int) -> str:
    """SSPF-2026-0042: the year's counter row is locked, so concurrent openings never clash."""
    counter, _created = CaseYearCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"SSPF-{year}-{counter.last:04d}"


@transaction.atomic
def person_create(
    *,
    by: User,
    personnummer: str,
    given_name: str,
    family_name: str,
    gender: str,
    school: School | None = None,
    protected_identity: bool = False,
) -> YoungPerson:
    require(by, "cases.add_youngperson")
    number = pnr.parse(personnummer)
    if YoungPerson.objects.filter(personnummer_index=number.blind_index).exists():
        raise ValidationError(
            {"personnummer": _("A young person with this personal identity number already exists.")}
        )
    try:
        with transaction.atomic():
            return YoungPerson.objects.create(
                personnummer=number.digits,
                personnummer_index=number.blind_index,
                given_name=given_name,
                family_name=family_name,
                gender=gender,
                birth_date=number.birth_date,
                school=school,
                protected_identity=protected_identity,
            )
    except IntegrityError:  # entered at the same moment by someone else
        raise ValidationError(
            {"personnummer": _("A young person with this personal identity number already exists.")}
        ) from None


def person_find(*, personnummer: str) -> YoungPerson | None:
    """Exact lookup through the blind index; the number is never searched in clear."""
    return YoungPerson.objects.filter(personnummer_index=pnr.index_of(personnummer)).first()


@transaction.atomic
def signal_register(
    *,
    by: User,
    young_person: YoungPerson,
    signal_source: str,
    risk_factors: list[str],
    school: School | None = None,
) -> Case:
    """Aktualisering: a coordinator opens a case on a signal and leads its team."""
    require(by, "cases.add_case")
    today = timezone.localdate()
    case = Case.objects.create(
        reference=_next_reference(today.year),
        young_person=young_person,
        owner=by.organisation,  # the coordinator's own organisation owns what it opens
        coordinator=by,
        signal_source=signal_source,
        school=school or young_person.school,
        opened_on=today,
    )
    RiskFactor.objects.bulk_create(RiskFactor(case=case, factor=f) for f in set(risk_factors))
    CaseMember.objects.create(
        case=case, user=by, organisation=by.organisation, role=CaseMember.Role.COORDINATOR
    )
    access.sync(case)
    return case


# They must never read case content (DESIGN §4), so they can never join a team.
NEVER_ON_A_TEAM = ("administrator", "auditor")


@transaction.atomic
def member_add(*, by: User, case: Case, user: User, role: str) -> CaseMember:
    _require_on_case(by, "manage_team", case)
    if not user.is_active:
        raise ValidationError({"user": _("This account is not active.")})
    if any(user.has_role(role) for role in NEVER_ON_A_TEAM):
        raise ValidationError({"user": _("Administrators and auditors never take part in cases.")})
    if case.members.filter(user=user).exists():
        raise ValidationError({"user": _("This person is already on the team.")})
    member = CaseMember.objects.create(
        case=case, user=user, organisation=user.organisation, role=role
    )
    access.sync(case)
    return member


@transaction.atomic
def member_remove(*, by: User, member: CaseMember) -> None:
    case = member.case
    _require_on_case(by, "manage_team", case)
    if member.user_id == case.coordinator_id:
        raise ValidationError(_("The case's coordinator stays on the team."))
    member.delete()
    access.sync(case)


@transaction.atomic
def guardian_add(
    *, by: User, case: Case, name: str, relation: str, has_custody: bool, phone: str = ""
) -> Guardian:
    _require_on_case(by, "manage_consent", case)
    return Guardian.objects.create(
        young_person=case.young_person,
        name=name,
        phone=phone,
        relation=relation,
        has_custody=has_custody,
    )


@transaction.atomic
def consent_record(
    *,
    by: User,
    case: Case,
    guardian: Guardian | None,
    organisations: list[Organisation],
    categories: list[str],
    purpose: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    form_reference: str = "",
) -> Consent:
    """One party's consent. Access widens at once for the organisations it completes."""
    _require_on_case(by, "manage_consent", case)
    if valid_until is None:
        valid_until = add_months(valid_from, settings.SSPF_CONSENT_MONTHS)
    errors = {}
    if valid_until < valid_from:
        errors["valid_until"] = _("The consent cannot end before it starts.")
    if not organisations:
        errors["organisations"] = _("A consent must cover at least one organisation.")
    if not categories:
        errors["categories"] = _("A consent must name at least one kind of information.")
    if guardian is not None:
        if guardian.young_person_id != case.young_person_id:
            errors["guardian"] = _("This guardian belongs to another young person.")
        elif not guardian.has_custody:
            errors["guardian"] = _("Only a guardian with custody can consent.")
        elif not access.is_minor(case.young_person.birth_date, valid_from):
            errors["guardian"] = _(
                "The young person is 18 or older: only they can consent, not a guardian."
            )
    if errors:
        raise ValidationError(errors)
    consent = Consent.objects.create(
        case=case,
        party=Consent.Party.GUARDIAN if guardian else Consent.Party.YOUNG_PERSON,
        guardian=guardian,
        purpose=purpose,
        valid_from=valid_from,
        valid_until=valid_until,
        collected_by=by,
        form_reference=form_reference,
    )
    consent.organisations.set(organisations)
    ConsentCategory.objects.bulk_create(
        ConsentCategory(consent=consent, category=c) for c in set(categories)
    )
    return consent


@transaction.atomic
def consent_withdraw(*, by: User, consent: Consent, reason: str) -> Consent:
    """Withdrawal (återkallelse) takes effect at once: reads are decided at the moment of
    reading, so nothing is left to revoke later."""
    _require_on_case(by, "manage_consent", consent.case)
    if consent.withdrawn_at is not None:
        raise ValidationError(_("This consent has already been withdrawn."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the withdrawal.")})
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = by
    consent.withdrawal_reason = reason
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    return consent


NEXT_STATUS = {
    Case.Status.SIGNAL: Case.Status.AWAITING_CONSENT,
    Case.Status.AWAITING_CONSENT: Case.Status.ACTIVE,
}


@transaction.atomic
def case_advance(*, by: User, case: Case) -> Case:
    """Signal → awaiting consent → active."""
    _require_on_case(by, "change_case", case)
    if case.status not in NEXT_STATUS:
        raise ValidationError(_("The case cannot move on from here."))
    case.status = NEXT_STATUS[case.status]
    case.save(update_fields=["status"])
    return case


@transaction.atomic
def case_close(
    *, by: User, case: Case, reason: str, closed_on: datetime.date | None = None
) -> Case:
    _require_on_case(by, "change_case", case)
    if case.status == Case.Status.CLOSED:
        raise ValidationError(_("The case is already closed."))
    if reason not in Case.ClosureReason.values:
        raise ValidationError({"reason": _("Choose why the case is closed.")})
    closed_on = closed_on or timezone.localdate()
    if closed_on < case.opened_on:
        raise ValidationError({"closed_on": _("A case cannot close before it was opened.")})
    case.status = Case.Status.CLOSED
    case.closure_reason = reason
    case.closed_on = closed_on
    case.save(update_fields=["status", "closure_reason", "closed_on"])
    return case


@transaction.atomic
def note_write(
    *, by: User, case: Case, text: str, category: str, corrects: Note | None = None
) -> Note:
    _require_on_case(by, "add_note", case)
    if not text.strip():
        raise ValidationError({"text": _("The note is empty.")})
    if category not in Category.values:
        raise ValidationError({"category": _("Choose a kind of information.")})
    if corrects is not None and corrects.case_id != case.pk:
        raise ValidationError({"corrects": _("A note can only correct a note in the same case.")})
    if corrects is not None and corrects.organisation_id != by.organisation_id:
        raise ValidationError(
            {"corrects": _("Only the organisation that wrote a note can correct it.")}
        )
    return Note.objects.create(
        case=case,
        author=by,
        organisation=by.organisation,
        category=category,
        text=text,
        corrects=corrects,
    )


@transaction.atomic
def plan_item_add(
    *,
    by: User,
    case: Case,
    goal: str,
    action: str,
    responsible_organisation: Organisation,
    due_date: datetime.date,
    category: str,
    responsible_person: User | None = None,
) -> PlanItem:
    _require_on_case(by, "change_case", case)
    if responsible_person is not None and not case.members.filter(user=responsible_person).exists():
        raise ValidationError(
            {"responsible_person": _("The responsible person must be on the case team.")}
        )
    return PlanItem.objects.create(
        case=case,
        author=by,
        organisation=by.organisation,
        category=category,
        goal=goal,
        action=action,
        responsible_organisation=responsible_organisation,
        responsible_person=responsible_person,
        due_date=due_date,
    )


@transaction.atomic
def plan_item_follow_up(*, by: User, item: PlanItem, status: str, follow_up: str) -> PlanItem:
    _require_on_case(by, "add_note", item.case)
    if status not in PlanItem.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    item.status = status
    item.follow_up = follow_up
    item.save(update_fields=["status", "follow_up"])
    return item


@transaction.atomic
def disclosure_record(
    *,
    by: User,
    case: Case,
    organisation: Organisation,
    basis: str,
    categories: list[str],
    valid_until: datetime.date,
    note: str = "",
) -> Disclosure:
    """A disclosure without consent: needs its own permission and a recorded basis."""
    if not by.has_perm("cases.disclose_without_consent"):
        raise PermissionDenied("cases.disclose_without_consent")
    _require_on_case(by, "change_case", case)
    today = timezone.localdate()
    errors = {}
    if basis not in Disclosure.Basis.values:
        errors["basis"] = _("Name the statutory basis.")
    if not categories:
        errors["categories"] = _("Name at least one kind of information.")
    if valid_until < today:
        errors["valid_until"] = _("The end date cannot be in the past.")
    if organisation.pk == case.owner_id:
        errors["organisation"] = _("The owning organisation reads the case already.")
    if errors:
        raise ValidationError(errors)
    disclosure = Disclosure.objects.create(
        case=case,
        organisation=organisation,
        basis=basis,
        note=note,
        recorded_by=by,
        valid_from=today,
        valid_until=valid_until,
    )
    DisclosureCategory.objects.bulk_create(
        DisclosureCategory(disclosure=disclosure, category=c) for c in set(categories)
    )
    return disclosure


@transaction.atomic
def signal_register_for_number(*, by: User, personnummer: str, person: dict, **case_fields) -> Case:
    """Opens a case for the person with this number, creating the person only when the blind
    index finds nobody, so that nobody is entered twice."""
    young_person = person_find(personnummer=personnummer)
    if young_person is None:
        young_person = person_create(by=by, personnummer=personnummer, **person)
    return signal_register(by=by, young_person=young_person, **case_fields)
