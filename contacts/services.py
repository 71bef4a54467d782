"""Recording contacts: fast, and never twice for one submitted form."""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import access
from cases.models import Case, YoungPerson, category_of
from contacts.models import Contact, Place
from contacts.selectors import person_visible_to
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
