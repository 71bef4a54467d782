import datetime

import pytest
from django.utils import timezone

from referrals.models import Referral, ReferralEvent
from tests.cases.factories import make_person
from tests.factories import OrganisationFactory, UserFactory

TODAY = timezone.localdate()
GOOD_REPORT_NUMBER = "5000-K123456-26"


@pytest.fixture
def people(make_user, organisations):
    """Karin the police officer and Sofia the social worker send; Maja mediates and Stina
    supports victims; Mats mediates in another municipality's service; Gustav audits."""
    other_mediation = OrganisationFactory(
        name="Medling Söder", kind="social_services", receives_mediation_referrals=True
    )
    return {
        "police": make_user("school_police", username="karin"),
        "social": make_user("social_worker", username="sofia"),
        "school": make_user("school_staff", username="sven"),
        "mediator": make_user("mediator", username="maja"),
        "support": make_user("victim_support", username="stina"),
        "other_mediator": UserFactory(
            role="mediator", organisation=other_mediation, username="mats"
        ),
        "auditor": make_user("auditor", username="gustav"),
        "other_mediation": other_mediation,
    }


def mediation_form(organisations, person_number, **extra):
    data = {
        "receiver": organisations["mediation"].pk,
        "personnummer": person_number,
        "gender": "boy",
        "contact_name": "Malte Sjöberg",
        "contact_details": "070-111 22 33",
        "offence_date": (TODAY - datetime.timedelta(days=20)).isoformat(),
        "offence_category": "damage",
        "police_report_number": GOOD_REPORT_NUMBER,
        "admitted": "on",
        "victim_name": "Kiosken på torget",
        "note": "Klotter på kiosken.",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def victim_support_form(organisations, person_number, **extra):
    data = {
        "receiver": organisations["victim_support"].pk,
        "personnummer": person_number,
        "gender": "girl",
        "contact_name": "Alva Nyström",
        "offence_date": (TODAY - datetime.timedelta(days=3)).isoformat(),
        "offence_category": "robbery",
        "police_report_number": "",
        "victim_agreed_to_contact": "on",
        "custodian_agreed_to_contact": "on",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def make_referral(
    sender,
    receiver,
    *,
    kind=Referral.Kind.MEDIATION,
    status=Referral.Status.SENT,
    person=None,
    case=None,
    sent_days_ago=1,
    **fields,
) -> Referral:
    """A referral written directly (with its events), for tests of reading and deciding."""
    from cases.models import category_of

    person = person or (case.young_person if case else make_person(age=16))
    now = timezone.now()
    sent_at = now - datetime.timedelta(days=sent_days_ago) if status != "draft" else None
    referral = Referral.objects.create(
        kind=kind,
        status=status,
        organisation=sender.organisation,
        category=category_of(sender.organisation),
        created_by=sender,
        receiver=receiver,
        young_person=person,
        case=case,
        contact_name="Malte Sjöberg",
        police_report_number=GOOD_REPORT_NUMBER,
        offence_date=TODAY - datetime.timedelta(days=30),
        offence_category="damage",
        admitted=kind == Referral.Kind.MEDIATION,
        victim_name="Kiosken på torget" if kind == Referral.Kind.MEDIATION else "",
        sent_at=sent_at,
        **fields,
    )
    ReferralEvent.objects.create(
        referral=referral, actor=sender, organisation=sender.organisation, to_status="draft"
    )
    return referral
