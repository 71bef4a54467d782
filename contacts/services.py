"""Recording contacts: fast, and never twice for one submitted form."""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import access
from cases.models import Case, YoungPerson, category_of
from contacts.models import Contact, ContactRevision, Place
from contacts.selectors import person_visible_to
from sspf import revisions
from sspf.permissions import require

CLOCK_SKEW = datetime.timedelta(minutes=5)

# One answer for a number nobody registered and for a person the user may not name: the form
# must not tell who is in the register (DESIGN §4).
CANNOT_NAME = _(
    "You cannot record a named contact with this number here. Choose a case you work in, "
    "or record the contact as an anonymous group."
)


@transaction.atomic
def contact_record(
    *,
    by: User,
    client_token: uuid.UUID,
    occurred_at: datetime.datetime,
    place: Place,
    kind: str,
    school=None,
    co_workers=(),
    case: Case | None = None,
    young_person: YoungPerson | None = None,
    girls: int = 0,
    boys: int = 0,
    others: int = 0,
    not_recorded: int = 0,
    age_band: str = "",
    themes=(),
    note: str = "",
) -> tuple[Contact, bool]:
    """Records a contact; returns it and whether it is new. The same form sent again (a double
    tap, a reload) finds the contact it already made instead of making a second one."""
    require(by, "contacts.add_contact")
    existing = Contact.objects.filter(client_token=client_token).first()
    if existing is not None:
        if existing.recorded_by_id != by.pk:
            raise ValidationError(_("This form was sent by someone else. Open a new form."))
        return existing, False
    errors = {}
    if occurred_at > timezone.now() + CLOCK_SKEW:
        errors["occurred_at"] = _("The contact cannot be in the future.")
    if not place.active:
        errors["place"] = _("This place is no longer in use.")
    named = case is not None or young_person is not None
    counts = [girls, boys, others, not_recorded]
    if any(count < 0 for count in counts):
        errors["girls"] = _("Head counts cannot be negative.")
    elif not named and sum(counts) == 0:
        errors["girls"] = _("Count at least one young person in the group.")
    if named and sum(counts):
        errors[None] = _("A contact is either named or an anonymous group, not both.")
    if case is not None:
        # As it is now, locked: a case closed by someone else a moment ago takes no contact.
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not access.may_view(by, case):
            errors["case"] = _("You cannot see this case.")
        elif case.is_closed:
            errors["case"] = _("The case is closed: record the contact without it.")
        elif young_person is not None and young_person.pk != case.young_person_id:
            errors["case"] = _("The case belongs to another young person.")
        young_person = case.young_person
    elif young_person is not None and not person_visible_to(by, young_person):
        errors["personnummer"] = str(CANNOT_NAME)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                client_token=client_token,
                occurred_at=occurred_at,
                place=place,
                kind=kind,
                school=school,
                recorded_by=by,
                organisation=by.organisation,
                case=case,
                young_person=young_person,
                girls=girls,
                boys=boys,
                others=others,
                not_recorded=not_recorded,
                age_band=age_band if not named else "",
                themes=sorted(set(themes)),
                note=note,
                category=category_of(by.organisation),
            )
    except IntegrityError:  # the same token, sent twice at the same instant
        return Contact.objects.get(client_token=client_token), False
    contact.co_workers.set([u for u in co_workers if u.pk != by.pk])
    return contact, True


GROUP_FIELDS = ["girls", "boys", "others", "not_recorded", "age_band", "themes"]
CORRECTABLE = ["occurred_at", "place", "kind", "school", "note"]


def may_correct(user: User, contact: Contact) -> bool:
    """The recorder, or a coordinator of the recorder's organisation."""
    return revisions.may_change(
        user, recorded_by_id=contact.recorded_by_id, organisation_id=contact.organisation_id
    )


def correction_open(contact: Contact) -> bool:
    return timezone.now() <= revisions.correction_deadline(contact.created_at)


def _locked(by: User, contact: Contact) -> Contact:
    if not may_correct(by, contact):
        raise PermissionDenied("contacts.correct_contact")
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.is_voided:
        raise ValidationError(_("This contact is voided and cannot be changed."))
    return contact


@transaction.atomic
def contact_correct(*, by: User, contact: Contact, reason: str = "", **values) -> Contact:
    """Rättelse: changes the contact within SSPF_CORRECTION_DAYS of recording it; the values
    it had are kept in a ContactRevision, the statistics count the new ones. Who the contact
    was with (named or group, person, case) is not corrected here: void it and record anew."""
    contact = _locked(by, contact)
    if not correction_open(contact):
        raise ValidationError(
            _(
                "A contact can be corrected for %(days)s days after it was recorded. "
                "Void it instead."
            )
            % {"days": settings.SSPF_CORRECTION_DAYS}
        )
    allowed = CORRECTABLE + ([] if contact.is_named else GROUP_FIELDS)
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError(_("These values cannot be corrected here."))
    errors = {}
    if "occurred_at" in values and values["occurred_at"] > timezone.now() + CLOCK_SKEW:
        errors["occurred_at"] = _("The contact cannot be in the future.")
    place = values.get("place", contact.place)
    if place.pk != contact.place_id and not place.active:
        errors["place"] = _("This place is no longer in use.")
    if not contact.is_named:
        counts = [values.get(name, getattr(contact, name)) or 0 for name in Contact.COUNTS]
        if any(count < 0 for count in counts):
            errors["girls"] = _("Head counts cannot be negative.")
        elif sum(counts) == 0:
            errors["girls"] = _("Count at least one young person in the group.")
        for name in Contact.COUNTS:
            if name in values:
                values[name] = values[name] or 0
        if "themes" in values:
            values["themes"] = sorted(set(values["themes"]))
    if errors:
        raise ValidationError(errors)
    changed = revisions.changed_values(contact, values)
    if not changed:
        raise ValidationError(_("Nothing was changed."))
    ContactRevision.objects.create(
        contact=contact,
        change=ContactRevision.Change.CORRECTED,
        changed_by=by,
        previous=revisions.snapshot(contact, changed),
        reason=reason,
    )
    for name, value in changed.items():
        setattr(contact, name, value)
    contact.save(update_fields=list(changed))
    return contact


@transaction.atomic
def contact_void(*, by: User, contact: Contact, reason: str) -> Contact:
    """Makulering: at any time, with a reason. The contact stays (with its history) and is
    counted nowhere."""
    contact = _locked(by, contact)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the contact is voided.")})
    ContactRevision.objects.create(
        contact=contact, change=ContactRevision.Change.VOIDED, changed_by=by, reason=reason
    )
    contact.voided_at = timezone.now()
    contact.voided_by = by
    contact.void_reason = reason
    contact.save(update_fields=["voided_at", "voided_by", "void_reason"])
    return contact


@transaction.atomic
def place_add(*, by: User, name: str, kind: str) -> Place:
    require(by, "contacts.add_place")
    if Place.objects.filter(name__iexact=name.strip()).exists():
        raise ValidationError({"name": _("There is already a place with this name.")})
    return Place.objects.create(name=name.strip(), kind=kind)


@transaction.atomic
def place_set_active(*, by: User, place: Place, active: bool) -> Place:
    require(by, "contacts.change_place")
    place.active = active
    place.save(update_fields=["active"])
    return place
