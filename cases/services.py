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
    PersonName,
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


def consent_longest_until(valid_from: datetime.date) -> datetime.date:
    """The last day a consent starting on `valid_from` may run: 12 months less a day. A start so
    late that this day is past the calendar's end (year 9999) is refused, not a crash."""
    try:
        return add_months(valid_from, settings.SSPF_CONSENT_MONTHS) - datetime.timedelta(days=1)
    except (ValueError, OverflowError):
        raise ValidationError({"valid_from": _("A consent cannot start this far ahead.")}) from None


def disclosure_longest_until(valid_from: datetime.date) -> datetime.date:
    """A disclosure lasts at most SSPF_DISCLOSURE_MAX_DAYS days, its first day included."""
    return valid_from + datetime.timedelta(days=settings.SSPF_DISCLOSURE_MAX_DAYS - 1)


def _require_on_case(user: User, codename: str, case: Case) -> access.CaseAccess:
    """A right held on this case through the team, and the case readable now."""
    try:
        return access.check_case(user, case, codename)
    except access.Refused:
        raise PermissionDenied(codename) from None


def _require_open(case: Case) -> None:
    """Closed means closed (DESIGN §4): enforced here, not only by hiding buttons."""
    if case.is_closed:
        raise ValidationError(
            _("The case is closed. The owner can reopen it if the work is to go on.")
        )


EDIT_CONFLICT = "edit_conflict"


def _as_saved_now(model, obj, version: int | None):
    """The row as it is now, locked until the transaction ends. `version` is the one the
    user's page showed (cases.models.Versioned): another one means someone saved in between,
    and the write is refused rather than silently overwriting theirs. None (a caller that
    showed no page) skips the comparison, not the lock."""
    current = model.objects.select_for_update().get(pk=obj.pk)
    if version is not None and current.version != version:
        raise ValidationError(
            _(
                "Someone else saved a change here after you opened this page, so yours was not "
                "saved. Check what is recorded now before you send it again."
            ),
            code=EDIT_CONFLICT,
        )
    return current


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
            person = YoungPerson.objects.create(
                personnummer=number.digits,
                personnummer_index=number.blind_index,
                gender=gender,
                birth_date=number.birth_date,
                school=school,
                protected_identity=protected_identity,
                protected_by=by.organisation if protected_identity else None,
            )
    except IntegrityError:  # entered at the same moment by someone else
        raise ValidationError(
            {"personnummer": _("A young person with this personal identity number already exists.")}
        ) from None
    PersonName.objects.create(
        young_person=person,
        organisation=by.organisation,
        given_name=given_name,
        family_name=family_name,
        gender=gender,
    )
    return person


def person_link(
    *,
    by: User,
    person: YoungPerson,
    given_name: str,
    family_name: str,
    gender: str,
    protected_identity: bool,
) -> YoungPerson:
    """A signal on a number already registered: linked silently. The organisation's own
    record of the name is kept (the first it typed stays); nothing another organisation
    recorded is shown or changed, except that a protection is never lifted here."""
    PersonName.objects.get_or_create(
        young_person=person,
        organisation=by.organisation,
        defaults={"given_name": given_name, "family_name": family_name, "gender": gender},
    )
    if protected_identity and not person.protected_identity:
        person.protected_identity = True
        person.protected_by = by.organisation
        person.save(update_fields=["protected_identity", "protected_by"])
    return person


def person_find(*, personnummer: str) -> YoungPerson | None:
    """Exact lookup through the blind index; the number is never searched in clear. Callers
    that act for a user go through selectors.person_by_number, which logs the lookup."""
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
        school=school,  # as typed: the register's school is another organisation's record
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
    _require_open(case)
    if role not in CaseMember.Role.values:
        raise ValidationError({"role": _("Choose the person's role in the case.")})
    if not user.is_active:
        raise ValidationError({"user": _("This account is not active.")})
    if any(user.has_role(role) for role in NEVER_ON_A_TEAM):
        raise ValidationError({"user": _("Administrators and auditors never take part in cases.")})
    already = ValidationError({"user": _("This person is already on the team.")})
    if case.members.filter(user=user).exists():
        raise already
    try:
        with transaction.atomic():
            member = CaseMember.objects.create(
                case=case, user=user, organisation=user.organisation, role=role
            )
    except IntegrityError:  # added at the same moment by someone else
        raise already from None
    access.sync(case)
    return member


@transaction.atomic
def member_remove(*, by: User, member: CaseMember) -> None:
    case = member.case
    _require_on_case(by, "manage_team", case)
    _require_open(case)
    if member.user_id == case.coordinator_id:
        raise ValidationError(_("The case's coordinator stays on the team."))
    member.delete()
    access.sync(case)


@transaction.atomic
def guardian_add(
    *, by: User, case: Case, name: str, relation: str, has_custody: bool, phone: str = ""
) -> Guardian:
    _require_on_case(by, "manage_consent", case)
    _require_open(case)
    if relation not in Guardian.Relation.values:
        raise ValidationError({"relation": _("Choose the guardian's relation.")})
    return Guardian.objects.create(
        case=case,
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
    """One party's consent. Access widens at once for the organisations it completes.

    It runs at most SSPF_CONSENT_MONTHS (to the day before the same date that many months
    later) and starts at most SSPF_CONSENT_BACKDATE_DAYS back (a paper form signed earlier)."""
    _require_on_case(by, "manage_consent", case)
    _require_open(case)
    longest = consent_longest_until(valid_from)
    if valid_until is None:
        valid_until = longest
    errors = {}
    earliest = timezone.localdate() - datetime.timedelta(days=settings.SSPF_CONSENT_BACKDATE_DAYS)
    if valid_from < earliest:
        errors["valid_from"] = _(
            "A consent can start at most %(days)d days back; record a new consent instead."
        ) % {"days": settings.SSPF_CONSENT_BACKDATE_DAYS}
    if valid_until < valid_from:
        errors["valid_until"] = _("The consent cannot end before it starts.")
    elif valid_until > longest:
        errors["valid_until"] = _(
            "A consent runs at most %(months)d months: until %(date)s at the latest."
        ) % {"months": settings.SSPF_CONSENT_MONTHS, "date": longest.isoformat()}
    if not organisations:
        errors["organisations"] = _("A consent must cover at least one organisation.")
    if not categories:
        errors["categories"] = _("A consent must name at least one kind of information.")
    if guardian is not None:
        if guardian.case_id != case.pk:
            errors["guardian"] = _("This guardian belongs to another case.")
        elif not guardian.has_custody:
            errors["guardian"] = _("Only a guardian with custody can consent.")
        elif not access.is_minor(case.young_person.birth_date, valid_from):
            errors["guardian"] = _(
                "The young person is 18 or older: only they can consent, not a guardian."
            )
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        case=case,
        party=Consent.Party.GUARDIAN if guardian else Consent.Party.YOUNG_PERSON,
        guardian=guardian,
        purpose=purpose,
        valid_from=valid_from,
        valid_until=valid_until,
        collected_by=by,
        form_reference=form_reference,
    )
    # What the consent covers goes into its audit entry (the rows below come after the save).
    consent._covers = {
        "organisations": sorted({o.pk for o in organisations} | {case.owner_id}),
        "categories": sorted(set(categories)),
    }
    consent.save()
    consent.organisations.set({*organisations, case.owner})
    ConsentCategory.objects.bulk_create(
        ConsentCategory(consent=consent, category=c) for c in set(categories)
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *, by: User, consent: Consent, reason: str, version: int | None = None
) -> Consent:
    """Withdrawal (återkallelse) takes effect at once: reads are decided at the moment of
    reading, so nothing is left to revoke later."""
    _require_on_case(by, "manage_consent", consent.case)
    consent = _as_saved_now(Consent, consent, version)
    if consent.withdrawn_at is not None:
        raise ValidationError(_("This consent has already been withdrawn."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the withdrawal.")})
    # Withdrawal is always possible, also on a closed case: it only narrows access.
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
def case_advance(*, by: User, case: Case, version: int | None = None) -> Case:
    """Signal → awaiting consent → active. With the version the page showed, two clicks on
    the same button by two people move the case one step, not two."""
    _require_on_case(by, "change_case", case)
    case = _as_saved_now(Case, case, version)
    _require_open(case)
    if case.status not in NEXT_STATUS:
        raise ValidationError(_("The case cannot move on from here."))
    case.status = NEXT_STATUS[case.status]
    case.save(update_fields=["status"])
    return case


@transaction.atomic
def case_close(
    *,
    by: User,
    case: Case,
    reason: str,
    closed_on: datetime.date | None = None,
    version: int | None = None,
) -> Case:
    _require_on_case(by, "change_case", case)
    case = _as_saved_now(Case, case, version)
    if case.status == Case.Status.CLOSED:
        raise ValidationError(_("The case is already closed."))
    if reason not in Case.ClosureReason.values:
        raise ValidationError({"reason": _("Choose why the case is closed.")})
    closed_on = closed_on or timezone.localdate()
    if closed_on < case.opened_on:
        raise ValidationError({"closed_on": _("A case cannot close before it was opened.")})
    # Retention runs from the closing day: a closing day ahead would keep the data longer.
    if closed_on > timezone.localdate():
        raise ValidationError({"closed_on": _("A case cannot be closed on a future day.")})
    case.status = Case.Status.CLOSED
    case.closure_reason = reason
    case.closed_on = closed_on
    case.save(update_fields=["status", "closure_reason", "closed_on"])
    return case


@transaction.atomic
def case_reopen(*, by: User, case: Case, reason: str, version: int | None = None) -> Case:
    """The only way back from closed: by the owner's case leads, with a reason in the log."""
    _require_on_case(by, "change_case", case)
    case = _as_saved_now(Case, case, version)
    if by.organisation_id != case.owner_id:
        raise PermissionDenied("reopen")
    if not case.is_closed:
        raise ValidationError(_("The case is not closed."))
    if reason not in Case.ReopenReason.values:
        raise ValidationError({"reason": _("Choose why the case is reopened.")})
    case.status = Case.Status.ACTIVE
    case.closure_reason = ""
    case.closed_on = None
    case._audit_details = {"reopened": reason}  # carried into the audit entry of this save
    try:
        case.save(update_fields=["status", "closure_reason", "closed_on"])
    finally:
        del case._audit_details
    return case


@transaction.atomic
def custody_declare(*, by: User, case: Case, custody: str, version: int | None = None) -> Case:
    """Vårdnad: declared on the case, so that consent for a minor waits for every custodian
    the arrangement implies."""
    _require_on_case(by, "manage_consent", case)
    case = _as_saved_now(Case, case, version)
    _require_open(case)
    if custody not in Case.Custody.values:
        raise ValidationError({"custody": _("Choose the custody arrangement.")})
    case.custody = custody
    case.save(update_fields=["custody"])
    return case


@transaction.atomic
def note_write(
    *, by: User, case: Case, text: str, category: str, corrects: Note | None = None
) -> Note:
    _require_on_case(by, "add_note", case)
    _require_open(case)
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
    _require_open(case)
    if category not in Category.values:
        raise ValidationError({"category": _("Choose a kind of information.")})
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
def plan_item_follow_up(
    *, by: User, item: PlanItem, status: str, follow_up: str, version: int | None = None
) -> PlanItem:
    _require_on_case(by, "add_note", item.case)
    case = item.case
    item = _as_saved_now(PlanItem, item, version)
    item.case = case
    _require_open(case)
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
    justification: str,
    valid_until: datetime.date | None = None,
    statute: str = "",
) -> Disclosure:
    """A disclosure without consent (DESIGN §4): its own permission, a basis whose conditions
    hold, a written justification and at most SSPF_DISCLOSURE_MAX_DAYS. It opens only the
    disclosing organisation's entries in the named categories."""
    if not by.has_perm("cases.disclose_without_consent"):
        raise PermissionDenied("cases.disclose_without_consent")
    _require_on_case(by, "change_case", case)
    _require_open(case)
    today = timezone.localdate()
    longest = disclosure_longest_until(today)
    valid_until = valid_until or longest
    errors = {}
    if basis == Disclosure.Basis.OSL_10_18A:
        if by.organisation_id != case.owner_id or (
            by.organisation.kind != Organisation.Kind.SOCIAL_SERVICES
        ):
            errors["basis"] = _(
                "10 kap. 18 a § OSL lets only social services, as the case's owner, disclose."
            )
        elif organisation.kind != Organisation.Kind.POLICE:
            errors["organisation"] = _("10 kap. 18 a § OSL allows disclosure to the police only.")
        if case.young_person.birth_date <= access.years_ago(today, 21):
            errors.setdefault("basis", _("10 kap. 18 a § OSL applies only to a person under 21."))
    elif basis == Disclosure.Basis.OSL_10_28:
        if not statute.strip():
            errors["statute"] = _("Name the statute that requires the disclosure.")
    else:
        errors["basis"] = _("Name the statutory basis.")
    if not justification.strip():
        errors["justification"] = _("Write why the exception applies in this case.")
    if not categories or not set(categories) <= set(Category.values):
        errors["categories"] = _("Name at least one kind of information.")
    if valid_until < today:
        errors["valid_until"] = _("The end date cannot be in the past.")
    elif valid_until > longest:
        errors["valid_until"] = _(
            "A disclosure lasts at most %(days)d days: until %(date)s at the latest."
        ) % {"days": settings.SSPF_DISCLOSURE_MAX_DAYS, "date": longest.isoformat()}
    if organisation.pk == by.organisation_id:
        errors["organisation"] = _("An organisation cannot disclose to itself.")
    if errors:
        raise ValidationError(errors)
    disclosure = Disclosure.objects.create(
        case=case,
        organisation=organisation,
        from_organisation=by.organisation,
        basis=basis,
        statute=statute.strip(),
        justification=justification,
        recorded_by=by,
        valid_from=today,
        valid_until=valid_until,
    )
    DisclosureCategory.objects.bulk_create(
        DisclosureCategory(disclosure=disclosure, category=c) for c in set(categories)
    )
    return disclosure


@transaction.atomic
def disclosure_end(*, by: User, disclosure: Disclosure) -> Disclosure:
    """Ends a disclosure before its last day: the organisation that made it decides."""
    _require_on_case(by, "change_case", disclosure.case)
    if by.organisation_id != disclosure.from_organisation_id:
        raise PermissionDenied("end_disclosure")
    if not disclosure.is_running(timezone.localdate()):
        raise ValidationError(_("This disclosure has already ended."))
    disclosure.ended_at = timezone.now()
    disclosure.ended_by = by
    disclosure.save(update_fields=["ended_at", "ended_by"])
    return disclosure


@transaction.atomic
def signal_register_for_number(*, by: User, personnummer: str, person: dict, **case_fields) -> Case:
    """Opens a case for the person with this number. The same form and the same answer
    whether the number is known or not (no oracle, DESIGN §4): a known person is linked
    silently, a new one is created, so that nobody is entered twice.

    Idempotent per number and moment: the same coordinator registering the same number again
    within SSPF_SIGNAL_REPEAT_SECONDS (a double tap, a resent form, simultaneous requests)
    gets the case already opened. The person's row is locked while this is decided."""
    young_person = person_find(personnummer=personnummer)
    if young_person is None:
        try:
            with transaction.atomic():
                young_person = person_create(by=by, personnummer=personnummer, **person)
        except ValidationError:  # created at this moment by a simultaneous registration
            young_person = person_find(personnummer=personnummer)
            if young_person is None:
                raise
    young_person = YoungPerson.objects.select_for_update().get(pk=young_person.pk)
    since = timezone.now() - datetime.timedelta(seconds=settings.SSPF_SIGNAL_REPEAT_SECONDS)
    repeated = (
        Case.objects.filter(young_person=young_person, coordinator=by, created_at__gte=since)
        .order_by("-created_at")
        .first()
    )
    if repeated is not None:
        return repeated
    person_link(
        by=by,
        person=young_person,
        given_name=person["given_name"],
        family_name=person["family_name"],
        gender=person["gender"],
        protected_identity=person.get("protected_identity", False),
    )
    return signal_register(by=by, young_person=young_person, **case_fields)
