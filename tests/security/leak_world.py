"""The leak hunt's world: the demo municipality plus canaries, distinctive strings planted in
every kind of protected text, written through the services as the demo users would.

A canary is a word no token, id or generated text can contain: "Kanarie.<n>.<label>." (the
dots are in no CSRF token, session key, feed token or signed value, the fixed-width number
and the closing dot keep one canary from being a prefix of another). A personnummer is a
canary too, in each of the forms a page may print it.

Each canary remembers what it is part of (`kind`, `pk`); tests/security/oracle.py decides from
the data and DESIGN §4 who may see it.
"""

import datetime
import itertools
import uuid
from dataclasses import dataclass

from django.core.management import call_command
from django.utils import timezone

from accounts.models import Organisation, User
from cases import access
from cases import services as case_services
from cases.models import Case, CaseMember, YoungPerson
from contacts import services as contact_services
from contacts.models import Contact, Place
from meetings import services as meeting_services
from meetings.models import Level
from referrals import services as referral_services
from referrals.models import Referral
from schools.models import School, SchoolVisit
from sspf import personnummer as pnr


@dataclass(frozen=True)
class Canary:
    label: str
    kind: str  # what the oracle asks about: person, guardian, entry, contact, referral, ...
    model: str  # "app.Model" of the object whose text it is
    pk: int
    texts: tuple[str, ...]  # every form in which the canary may appear in a page

    def found_in(self, body: str) -> str | None:
        return next((text for text in self.texts if text in body), None)


def number_forms(digits: str) -> tuple[str, ...]:
    """A personnummer as stored, as printed (YYYYMMDD-NNNN) and in the short form."""
    return (digits, f"{digits[:8]}-{digits[8:]}", f"{digits[2:8]}-{digits[8:]}")


class Planter:
    def __init__(self):
        self.canaries: list[Canary] = []
        self._numbers = itertools.count(1)

    def word(self, label: str) -> str:
        return f"Kanarie.{next(self._numbers):03d}.{label}."

    def add(self, label, kind, obj, *texts):
        self.canaries.append(Canary(label, kind, obj._meta.label, obj.pk, tuple(texts)))


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def seed() -> list[Canary]:
    """The demo data, then the canaries; returns every canary (demo people's numbers too)."""
    call_command("seed_demo", force=True, verbosity=0)
    planter = Planter()
    _plant_cases(planter)
    _plant_visit(planter)
    _plant_group_minutes(planter)
    _plant_group_contact(planter)
    for person in YoungPerson.objects.all():
        if not any(c.kind == "person" and c.pk == person.pk for c in planter.canaries):
            planter.add("demo personnummer", "person", person, *number_forms(person.personnummer))
    return planter.canaries


def _person(planter, by, *, years, serial, protected=False):
    today = timezone.localdate()
    born = access.years_ago(today, years) - datetime.timedelta(days=40)
    given, family = planter.word("Fornamn"), planter.word("Efternamn")
    person = case_services.person_create(
        by=by,
        personnummer=pnr.fictional(born, serial),
        given_name=given,
        family_name=family,
        gender="girl",
        school=School.objects.get(name="Ekbackeskolan"),
        protected_identity=protected,
    )
    planter.add("name", "person", person, given, family, *number_forms(person.personnummer))
    return person


def _case(planter, person, members, *, custody="joint"):
    coordinator = _user("samordnare")
    case = case_services.signal_register(
        by=coordinator,
        young_person=person,
        signal_source="school",
        risk_factors=["truancy"],
        school=person.school,
    )
    for username, role in members:
        case_services.member_add(by=coordinator, case=case, user=_user(username), role=role)
    case_services.custody_declare(by=coordinator, case=case, custody=custody)
    case_services.case_advance(by=coordinator, case=case)
    return Case.objects.get(pk=case.pk)


def _consent_all(planter, case, organisations, categories):
    coordinator = _user("samordnare")
    parties = []
    for relation in ("mother", "father"):
        name = planter.word("Vardnadshavare")
        guardian = case_services.guardian_add(
            by=coordinator, case=case, name=name, relation=relation, has_custody=True
        )
        planter.add("guardian", "guardian", guardian, name)
        parties.append(guardian)
    if access.gives_own_consent(case.young_person.birth_date, timezone.localdate()):
        parties.append(None)
    for guardian in parties:
        case_services.consent_record(
            by=coordinator,
            case=case,
            guardian=guardian,
            organisations=organisations,
            categories=categories,
            purpose="Samordnade insatser",
            valid_from=timezone.localdate(),
        )


def _note(planter, case, username, category, label):
    text = planter.word(label)
    note = case_services.note_write(by=_user(username), case=case, text=text, category=category)
    planter.add(label, "entry", note, text)


def _plant_cases(planter):
    social = _user("samordnare")
    ekbacke, police = _org("Ekbackeskolan"), _org("Polisen, lokalpolisområde Norrby")
    mediation = _org("Medlingsverksamheten Norrby")

    # A: shared with the school and the police under consent, not with leisure.
    person = _person(planter, social, years=16, serial="812")
    shared = _case(
        planter,
        person,
        [
            ("socialsekreterare", CaseMember.Role.CASE_WORKER),
            ("skolpersonal", CaseMember.Role.MENTOR),
            ("kontaktpolis", CaseMember.Role.CONTACT),
            ("fritidsledare", CaseMember.Role.CONTACT),
            ("faltare", CaseMember.Role.CONTACT),
        ],
    )
    _consent_all(planter, shared, [ekbacke, police], ["school", "police"])
    _note(planter, shared, "kontaktpolis", "police", "PolisanteckningDelad")
    _note(planter, shared, "skolpersonal", "school", "SkolanteckningDelad")
    _note(planter, shared, "socialsekreterare", "social_services", "SocAnteckningEgen")
    # A school note about health: no consent names health, so only the school reads it.
    _note(planter, shared, "skolpersonal", "health", "SkolHalsaEgen")
    for category, label in (("school", "PlanDelad"), ("social_services", "PlanSocEgen")):
        goal = planter.word(label)
        item = case_services.plan_item_add(
            by=_user("socialsekreterare"),
            case=shared,
            goal=goal,
            action="Uppföljning",
            responsible_organisation=ekbacke,
            due_date=timezone.localdate() + datetime.timedelta(days=20),
            category=category,
        )
        planter.add(label, "entry", item, goal)
    text = planter.word("KontaktPaArende")
    contact, _new = contact_services.contact_record(
        by=_user("faltare"),
        client_token=uuid.uuid4(),
        occurred_at=timezone.now() - datetime.timedelta(hours=3),
        place=Place.objects.filter(active=True).first(),
        kind=Contact.Kind.CONCERN_TALK,
        case=shared,
        note=text,
    )
    planter.add("contact note", "contact", contact, text)
    _network_meeting(planter, shared)
    details, note, name = (planter.word(x) for x in ("RemissKontakt", "RemissText", "RemissNamn"))
    referral = referral_services.referral_create(
        by=_user("kontaktpolis"),
        kind=Referral.Kind.MEDIATION,
        receiver=mediation,
        offence_date=timezone.localdate() - datetime.timedelta(days=5),
        offence_category="damage",
        contact_name=name,
        case=shared,
        contact_details=details,
        note=note,
        police_report_number="5000-K918273-26",
        admitted=True,
        victim_name="Kiosken",
    )
    referral_services.referral_send(by=_user("kontaktpolis"), referral=referral)
    planter.add("referral", "referral", referral, details, note, name, "5000-K918273-26")
    draft_note = planter.word("RemissUtkast")
    draft = referral_services.referral_create(
        by=_user("socialsekreterare"),
        kind=Referral.Kind.VICTIM_SUPPORT,
        receiver=_org("Stödcentrum för unga brottsoffer Norrby"),
        offence_date=timezone.localdate() - datetime.timedelta(days=5),
        offence_category="robbery",
        contact_name=planter.word("UtkastNamn"),
        case=shared,
        note=draft_note,
        victim_agreed_to_contact=True,
        custodian_agreed_to_contact=True,
    )
    planter.add("draft referral", "referral", draft, draft_note, draft.contact_name)

    # B: a case only the police is let into; the school mentor on its team is not.
    person = _person(planter, social, years=17, serial="824")
    police_only = _case(
        planter,
        person,
        [
            ("kontaktpolis2", CaseMember.Role.CONTACT),
            ("skolpersonal", CaseMember.Role.MENTOR),
        ],
    )
    _consent_all(planter, police_only, [police], ["police"])
    _note(planter, police_only, "kontaktpolis2", "police", "PolisEndastPolis")
    _note(planter, police_only, "samordnare", "social_services", "SocEgenEndast")

    # C: protected identity, the school covered: name and number stay with social services.
    person = _person(planter, social, years=15, serial="836", protected=True)
    protected = _case(
        planter,
        person,
        [
            ("socialsekreterare", CaseMember.Role.CASE_WORKER),
            ("skolpersonal", CaseMember.Role.MENTOR),
        ],
    )
    _consent_all(planter, protected, [ekbacke], ["school"])
    _note(planter, protected, "skolpersonal", "school", "SkyddadSkolanteckning")

    # D: a signal with nobody but the coordinator on it.
    person = _person(planter, social, years=14, serial="848")
    signal = case_services.signal_register(
        by=social, young_person=person, signal_source="police", risk_factors=["violence"]
    )
    _note(planter, signal, "samordnare", "social_services", "SignalEndastSamordnare")


def _network_meeting(planter, case):
    coordinator = _user("samordnare")
    meeting = meeting_services.meeting_create(
        by=coordinator,
        level=Level.NETWORK,
        date=timezone.localdate() + datetime.timedelta(days=3),
        starts_at=datetime.time(9),
        ends_at=datetime.time(10),
        place="Ekbackeskolan",
        case=case,
    )
    for username in ("skolpersonal", "kontaktpolis", "socialsekreterare"):
        meeting_services.invite(by=coordinator, meeting=meeting, user=_user(username))
    for category, label in (("school", "ProtokollDelat"), ("social_services", "ProtokollSoc")):
        item = meeting_services.agenda_item_add(by=coordinator, meeting=meeting, topic="Läget")
        text = planter.word(label)
        meeting_services.minutes_record(by=coordinator, item=item, minutes=text, category=category)
        planter.add(label, "entry", item, text)


def _plant_visit(planter):
    text = planter.word("Skolbesok")
    officer = _user("kontaktpolis")
    visit = SchoolVisit.objects.create(
        school=School.objects.get(name="Ekbackeskolan"),
        officer=officer,
        date=timezone.localdate() - datetime.timedelta(days=2),
        purpose="other",
        note=text,
    )
    planter.add("visit note", "visit", visit, text)


def _plant_group_minutes(planter):
    coordinator = _user("samordnare")
    meeting = meeting_services.meeting_create(
        by=coordinator,
        level=Level.OPERATIONAL,
        date=timezone.localdate() - datetime.timedelta(days=1),
        starts_at=datetime.time(15),
        ends_at=datetime.time(16),
        place="Polisstationen",
    )
    meeting_services.invite(by=coordinator, meeting=meeting, user=_user("faltare"))
    item = meeting_services.agenda_item_add(by=coordinator, meeting=meeting, topic="Torget")
    text = planter.word("GruppProtokoll")
    meeting_services.minutes_record(by=coordinator, item=item, minutes=text)
    planter.add("group minutes", "group_minutes", item, text)


def _plant_group_contact(planter):
    text = planter.word("Gruppkontakt")
    contact, _new = contact_services.contact_record(
        by=_user("faltare2"),
        client_token=uuid.uuid4(),
        occurred_at=timezone.now() - datetime.timedelta(hours=5),
        place=Place.objects.filter(active=True).first(),
        kind=Contact.Kind.STREET,
        boys=2,
        note=text,
    )
    planter.add("group contact note", "contact", contact, text)
