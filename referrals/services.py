"""Every write about referrals. Each checks the actor's side first (referrals/access.py),
writes, and records the transition as a ReferralEvent, all in one transaction.

Transitions are compare-and-set: the referral's row is locked (select_for_update; SQLite
serialises writers anyway) and its status compared with the one the user saw. Two people
accepting at once: the first wins, the second is told that someone else already did it.
"""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation, User
from cases import access as case_access
from cases.models import Case, YoungPerson, category_of
from cases.services import person_find
from referrals import access
from referrals.models import Referral, ReferralActivity, ReferralEvent
from sspf import personnummer as pnr
from sspf.permissions import require

S = Referral.Status

# A Swedish police report number (diarienummer, "K-nummer"): the registering unit's 4 digits,
# "-K", the running number (1–7 digits), "-" and the year's last 2 digits: 5000-K123456-26.
POLICE_REPORT_NUMBER = re.compile(r"^[0-9]{4}-K[0-9]{1,7}-[0-9]{2}$")

# Medlingslagen (2002:445): municipalities offer mediation to offenders under 21; under 12
# only in exceptional cases.
MEDIATION_UNDER_AGE = 21
MEDIATION_EXCEPTIONAL_UNDER_AGE = 12

RECEIVER_FLAG = {
    Referral.Kind.MEDIATION: "receives_mediation_referrals",
    Referral.Kind.VICTIM_SUPPORT: "receives_victim_support_referrals",
}
OUTCOMES = {
    Referral.Kind.MEDIATION: {
        Referral.Outcome.AGREEMENT,
        Referral.Outcome.NO_AGREEMENT,
        Referral.Outcome.PARTY_WITHDREW,
        Referral.Outcome.NOT_HELD,
    },
    Referral.Kind.VICTIM_SUPPORT: {
        Referral.Outcome.SUPPORT_GIVEN,
        Referral.Outcome.SUPPORT_DECLINED,
        Referral.Outcome.NOT_REACHED,
    },
}
# Outcomes that say the work was done: only from "in progress".
HELD = {Referral.Outcome.AGREEMENT, Referral.Outcome.NO_AGREEMENT, Referral.Outcome.SUPPORT_GIVEN}

# The compare-and-set's answer when the status is no longer the one the user saw.
CHANGED_MEANWHILE = gettext_lazy(
    "Someone else has already changed this referral: it is now “%(status)s”. "
    "Reload the page to see what happened."
)


def clean_police_report_number(text: str) -> str:
    """The number in its normal form (spaces dropped, upper-case K), or ValidationError. The
    message never repeats what was typed."""
    cleaned = (text or "").replace(" ", "").upper()
    if not POLICE_REPORT_NUMBER.match(cleaned):
        raise ValidationError(
            {
                "police_report_number": _(
                    "Write the police report number as on the report, e.g. 5000-K123456-26: "
                    "four digits, -K, the running number, - and the year's two digits."
                )
            }
        )
    return cleaned


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _person_for_number(personnummer: str, gender: str) -> YoungPerson:
    """The person with this number, found or entered in the register: the same checks and the
    same answer either way, so that nothing tells whether the number was known. The caller
    logs the lookup outside this transaction (cases.selectors.person_by_number), so that a
    refused form still leaves its ACCESS entry."""
    number = pnr.parse(personnummer)
    if gender not in YoungPerson.Gender.values:
        raise ValidationError({"gender": _("Choose the young person's gender.")})
    person = person_find(personnummer=number.digits)
    if person is not None:
        return person
    try:
        with transaction.atomic():
            return YoungPerson.objects.create(
                personnummer=number.digits,
                personnummer_index=number.blind_index,
                gender=gender,
                birth_date=number.birth_date,
            )
    except IntegrityError:  # entered at this moment by someone else
        return YoungPerson.objects.get(personnummer_index=number.blind_index)


def _check_receiver(kind: str, receiver: Organisation, errors: dict) -> None:
    if not receiver.active or not getattr(receiver, RECEIVER_FLAG[kind]):
        errors["receiver"] = _("This organisation does not receive this kind of referral.")


def _check_mediation(person, data: dict, errors: dict) -> None:
    offence_date = data["offence_date"]
    if person.birth_date <= case_access.years_ago(offence_date, MEDIATION_UNDER_AGE):
        errors[None] = _(
            "Mediation under Medlingslagen (2002:445) is for offenders under 21 on the day of "
            "the offence; this young person was 21 or older then."
        )
    elif (
        person.birth_date > case_access.years_ago(offence_date, MEDIATION_EXCEPTIONAL_UNDER_AGE)
        and not data["under_12_reason"].strip()
    ):
        errors["under_12_reason"] = _(
            "The young person was under 12 on the day of the offence: mediation only in "
            "exceptional cases (Medlingslagen 2002:445). Write the exceptional reason."
        )
    if not data["police_report_number"].strip():
        errors["police_report_number"] = _(
            "Mediation requires that the offence is reported to the police: give the police "
            "report number."
        )
    if not data["admitted"]:
        errors["admitted"] = _(
            "Mediation requires that the offender has admitted the act (Medlingslagen 2002:445)."
        )
    if not data["victim_name"].strip():
        errors["victim_name"] = _("Name the victim: the victim is a party to the mediation.")


def _check_victim_support(person, data: dict, errors: dict, today: datetime.date) -> None:
    oldest = settings.SSPF_VICTIM_SUPPORT_MAX_AGE
    if age_on(person.birth_date, today) > oldest:
        errors[None] = _(
            "The young-victims support centre takes young people up to %(age)d years; this "
            "young person is older."
        ) % {"age": oldest}
    if not data["self_referral"]:
        if not data["victim_agreed_to_contact"]:
            errors["victim_agreed_to_contact"] = _(
                "The young person must agree to be contacted by the support centre (or mark "
                "the referral as a self-referral)."
            )
        elif (
            case_access.is_minor(person.birth_date, today)
            and not data["custodian_agreed_to_contact"]
        ):
            errors["custodian_agreed_to_contact"] = _(
                "The young person is under 18: a custodian must also agree to the contact."
            )


@transaction.atomic
def referral_create(
    *,
    by: User,
    kind: str,
    receiver: Organisation,
    offence_date: datetime.date,
    offence_category: str,
    contact_name: str,
    case: Case | None = None,
    personnummer: str = "",
    gender: str = "",
    contact_details: str = "",
    note: str = "",
    police_report_number: str = "",
    admitted: bool = False,
    under_12_reason: str = "",
    victim_name: str = "",
    victim_under_18: bool = False,
    self_referral: bool = False,
    victim_agreed_to_contact: bool = False,
    custodian_agreed_to_contact: bool = False,
) -> Referral:
    """A draft referral, checked against the law of its kind; the sender sends it next.

    The young person comes from a case the sender reads now, or from a personal identity
    number (found or entered in the register, the same answer either way)."""
    require(by, access.SEND)
    if kind not in Referral.Kind.values:
        raise ValidationError(_("Choose the kind of referral."))
    today = timezone.localdate()
    errors: dict = {}
    _check_receiver(kind, receiver, errors)
    if offence_category not in Referral.OffenceCategory.values:
        errors["offence_category"] = _("Choose the kind of offence.")
    if offence_date > today:
        errors["offence_date"] = _("The offence cannot be in the future.")
    if not contact_name.strip():
        errors["contact_name"] = _(
            "Write the young person's name as the receiving service should know it."
        )
    if police_report_number.strip():
        try:
            police_report_number = clean_police_report_number(police_report_number)
        except ValidationError as error:
            errors.update(error.error_dict)
    person = None
    if case is not None:
        try:
            case_access.check_case(by, case)
        except case_access.Refused:
            errors["case"] = _("You cannot see this case.")
        else:
            if case.is_closed:
                errors["case"] = _("The case is closed: send the referral without it.")
            person = case.young_person
    elif personnummer:
        person = _person_for_number(personnummer, gender)
    else:
        errors["personnummer"] = _("Choose the case, or give the personal identity number.")
    if person is not None and not errors.get("offence_date"):
        if offence_date < person.birth_date:
            errors["offence_date"] = _("The offence cannot be before the young person's birth.")
        else:
            data = {
                "offence_date": offence_date,
                "under_12_reason": under_12_reason,
                "police_report_number": police_report_number,
                "admitted": admitted,
                "victim_name": victim_name,
                "self_referral": self_referral,
                "victim_agreed_to_contact": victim_agreed_to_contact,
                "custodian_agreed_to_contact": custodian_agreed_to_contact,
            }
            if kind == Referral.Kind.MEDIATION:
                _check_mediation(person, data, errors)
            else:
                _check_victim_support(person, data, errors, today)
    if errors:
        raise ValidationError(errors)
    mediation = kind == Referral.Kind.MEDIATION
    referral = Referral.objects.create(
        kind=kind,
        organisation=by.organisation,
        category=category_of(by.organisation),
        created_by=by,
        receiver=receiver,
        young_person=person,
        case=case,
        contact_name=contact_name.strip(),
        contact_details=contact_details.strip(),
        note=note,
        police_report_number=police_report_number,
        offence_date=offence_date,
        offence_category=offence_category,
        admitted=admitted if mediation else False,
        under_12_reason=under_12_reason if mediation else "",
        victim_name=victim_name.strip() if mediation else "",
        victim_under_18=victim_under_18 if mediation else False,
        self_referral=self_referral if not mediation else False,
        victim_agreed_to_contact=victim_agreed_to_contact if not mediation else False,
        custodian_agreed_to_contact=custodian_agreed_to_contact if not mediation else False,
    )
    ReferralEvent.objects.create(
        referral=referral, actor=by, organisation=by.organisation, to_status=S.DRAFT
    )
    return referral


def _locked(by: User, referral: Referral, wanted_side: str, expected: str | None) -> Referral:
    """The referral's row, locked for this transaction, after the side check (on the row as
    it is now, not as the page saw it). A status other than the one the user saw is the
    compare-and-set's refusal."""
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    access.require_side(by, current, wanted_side)
    if expected and current.status != expected:
        raise ValidationError(CHANGED_MEANWHILE % {"status": current.get_status_display()})
    return current


def _move(by: User, referral: Referral, allowed: set, to: str, reason: str = "", **fields):
    if referral.status not in allowed:
        raise ValidationError(
            _("A referral that is “%(status)s” cannot become “%(to)s”.")
            % {"status": referral.get_status_display(), "to": S(to).label}
        )
    before = referral.status
    referral.status = to
    for name, value in fields.items():
        setattr(referral, name, value)
    referral.save(update_fields=["status", *fields])
    ReferralEvent.objects.create(
        referral=referral,
        actor=by,
        organisation=by.organisation,
        from_status=before,
        to_status=to,
        reason=reason,
    )
    return referral


def _reason(reason: str, message: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": message})
    return reason.strip()


@transaction.atomic
def referral_send(*, by: User, referral: Referral, expected: str | None = None) -> Referral:
    referral = _locked(by, referral, access.SENDER, expected)
    errors: dict = {}
    _check_receiver(referral.kind, referral.receiver, errors)
    if errors:
        raise ValidationError(errors)
    return _move(by, referral, {S.DRAFT}, S.SENT, sent_at=timezone.now())


@transaction.atomic
def referral_withdraw(
    *, by: User, referral: Referral, reason: str, expected: str | None = None
) -> Referral:
    """The sender takes the referral back, also after acceptance: the receiving service is
    told on its home page."""
    referral = _locked(by, referral, access.SENDER, expected)
    reason = _reason(reason, _("Give the reason for withdrawing the referral."))
    return _move(
        by,
        referral,
        {S.DRAFT, S.SENT, S.ACCEPTED, S.IN_PROGRESS},
        S.WITHDRAWN,
        reason,
        withdrawn_at=timezone.now(),
    )


@transaction.atomic
def referral_accept(*, by: User, referral: Referral, expected: str | None = None) -> Referral:
    referral = _locked(by, referral, access.RECEIVER, expected)
    return _move(by, referral, {S.SENT}, S.ACCEPTED, answered_at=timezone.now())


@transaction.atomic
def referral_decline(
    *, by: User, referral: Referral, reason: str, expected: str | None = None
) -> Referral:
    referral = _locked(by, referral, access.RECEIVER, expected)
    reason = _reason(reason, _("Give the reason for declining, for the sender."))
    return _move(
        by,
        referral,
        {S.SENT},
        S.DECLINED,
        reason,
        answered_at=timezone.now(),
        closed_on=timezone.localdate(),
    )


def missing_consents(referral: Referral, today: datetime.date | None = None) -> list[str]:
    """Mediation: whose voluntary consent is not yet recorded (the offender, and custodians
    while the offender is under 18; the victim, and custodians of a victim under 18)."""
    today = today or timezone.localdate()
    missing = []
    if referral.offender_consent_on is None:
        missing.append(_("the offender"))
    if (
        case_access.is_minor(referral.young_person.birth_date, today)
        and referral.offender_custodians_consent_on is None
    ):
        missing.append(_("the offender's custodians"))
    if referral.victim_consent_on is None:
        missing.append(_("the victim"))
    if referral.victim_under_18 and referral.victim_custodians_consent_on is None:
        missing.append(_("the victim's custodians"))
    return missing


@transaction.atomic
def referral_start(*, by: User, referral: Referral, expected: str | None = None) -> Referral:
    """Accepted → in progress. Mediation starts only once every party's voluntary consent is
    recorded."""
    referral = _locked(by, referral, access.RECEIVER, expected)
    if referral.is_mediation and referral.status == S.ACCEPTED:
        missing = missing_consents(referral)
        if missing:
            raise ValidationError(
                _("Mediation cannot start before the consent of %(parties)s is recorded.")
                % {"parties": ", ".join(missing)}
            )
    return _move(by, referral, {S.ACCEPTED}, S.IN_PROGRESS)


def _require_handling(referral: Referral) -> None:
    if referral.status not in {S.ACCEPTED, S.IN_PROGRESS}:
        raise ValidationError(
            _("Only an accepted referral or one in progress can be worked on (now: %(status)s).")
            % {"status": referral.get_status_display()}
        )


@transaction.atomic
def parties_consent_record(
    *,
    by: User,
    referral: Referral,
    offender_consent_on: datetime.date | None,
    offender_custodians_consent_on: datetime.date | None,
    victim_consent_on: datetime.date | None,
    victim_custodians_consent_on: datetime.date | None,
) -> Referral:
    """Mediation: the day each party gave their voluntary consent (a party's withdrawal ends
    the mediation: complete it with "a party withdrew")."""
    referral = _locked(by, referral, access.RECEIVER, None)
    if not referral.is_mediation:
        raise ValidationError(_("Consent of the parties is recorded for mediation only."))
    _require_handling(referral)
    fields = {
        "offender_consent_on": offender_consent_on,
        "offender_custodians_consent_on": offender_custodians_consent_on,
        "victim_consent_on": victim_consent_on,
        "victim_custodians_consent_on": victim_custodians_consent_on,
    }
    today = timezone.localdate()
    errors = {
        name: _("The date cannot be in the future.")
        for name, day in fields.items()
        if day and day > today
    }
    if errors:
        raise ValidationError(errors)
    for name, value in fields.items():
        setattr(referral, name, value)
    referral.save(update_fields=list(fields))
    return referral


@transaction.atomic
def activity_record(
    *, by: User, referral: Referral, kind: str, date: datetime.date, note: str = ""
) -> ReferralActivity:
    """A pre-meeting or the mediation meeting; a support contact, support during a trial or
    support for parents."""
    referral = _locked(by, referral, access.RECEIVER, None)
    _require_handling(referral)
    errors = {}
    if kind not in ReferralActivity.FOR_KIND[referral.kind]:
        errors["kind"] = _("Choose what was done.")
    if date > timezone.localdate():
        errors["date"] = _("The date cannot be in the future.")
    elif referral.sent_at and date < timezone.localdate(referral.sent_at):
        errors["date"] = _("The date cannot be before the referral was sent.")
    if errors:
        raise ValidationError(errors)
    return ReferralActivity.objects.create(
        referral=referral, kind=kind, date=date, note=note, recorded_by=by
    )


@transaction.atomic
def referral_complete(
    *,
    by: User,
    referral: Referral,
    outcome: str,
    agreement_type: str = "",
    prosecutor_informed_on: datetime.date | None = None,
    reason: str = "",
    expected: str | None = None,
) -> Referral:
    """Closes the referral with its outcome. Held mediation (agreement or not) needs the
    mediation meeting and the day the prosecutor was informed; support given needs a support
    contact. A party's withdrawal or a mediation that did not take place can end an accepted
    referral at any time."""
    referral = _locked(by, referral, access.RECEIVER, expected)
    errors = {}
    if outcome not in OUTCOMES[referral.kind]:
        errors["outcome"] = _("Choose the outcome.")
    elif outcome in HELD:
        if referral.status != S.IN_PROGRESS:
            errors["outcome"] = _("Start the work before recording this outcome.")
        needed = (
            ReferralActivity.Kind.MEDIATION_MEETING
            if referral.is_mediation
            else ReferralActivity.Kind.SUPPORT_CONTACT
        )
        if not referral.activities.filter(kind=needed).exists():
            errors["outcome"] = _("Record the %(activity)s first.") % {
                "activity": ReferralActivity.Kind(needed).label.lower()
            }
    if outcome == Referral.Outcome.AGREEMENT and agreement_type not in (
        Referral.AgreementType.values
    ):
        errors["agreement_type"] = _("Choose the kind of agreement.")
    if referral.is_mediation and outcome in HELD and prosecutor_informed_on is None:
        errors["prosecutor_informed_on"] = _(
            "Give the day the prosecutor was informed of the mediation (Medlingslagen 2002:445)."
        )
    if prosecutor_informed_on and prosecutor_informed_on > timezone.localdate():
        errors["prosecutor_informed_on"] = _("The date cannot be in the future.")
    if outcome == Referral.Outcome.PARTY_WITHDREW and not reason.strip():
        errors["reason"] = _("Write which party withdrew.")
    if errors:
        raise ValidationError(errors)
    return _move(
        by,
        referral,
        {S.ACCEPTED, S.IN_PROGRESS},
        S.COMPLETED,
        reason,
        outcome=outcome,
        agreement_type=agreement_type if outcome == Referral.Outcome.AGREEMENT else "",
        prosecutor_informed_on=prosecutor_informed_on if referral.is_mediation else None,
        closed_on=timezone.localdate(),
    )
