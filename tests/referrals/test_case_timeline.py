"""Referrals on the case timeline (DESIGN §4): read by the case's readers under the entry rule
(the sender's organisation and its information category), never opening the case to the
receiving service; and a protected identity's name stays with the organisation that recorded
the protection."""

import re

import pytest

from audit.models import LogEntry
from cases.models import Case, CaseMember
from referrals.models import Referral
from tests.cases.factories import make_case, make_consent, make_guardian, make_person
from tests.once import post_form
from tests.referrals.conftest import mediation_form, victim_support_form


@pytest.fixture
def case(people, organisations, make_user):
    """Social services owns it; both guardians and the 16-year-old consent to school and
    police for the categories school and police."""
    coordinator = make_user("coordinator", username="sara")
    made = make_case(
        person=make_person(age=16, recorded_by=organisations["social_services"], given="Ellinor"),
        owner=organisations["social_services"],
        coordinator=coordinator,
        members=[
            (people["social"], CaseMember.Role.CASE_WORKER),
            (people["school"], CaseMember.Role.MENTOR),
            (people["police"], CaseMember.Role.CONTACT),
        ],
    )
    covered = [organisations["school_a"], organisations["police"]]
    for guardian in (make_guardian(made), make_guardian(made, relation="father")):
        make_consent(
            made, guardian=guardian, organisations=covered, categories=["school", "police"]
        )
    make_consent(made, organisations=covered, categories=["school", "police"])
    return made


def send_on_case(client, user, case, organisations, **extra):
    client.force_login(user)
    data = mediation_form(organisations, None, personnummer="", case=case.pk, **extra)
    response = post_form(client, "/referrals/new/mediation/", data)
    assert response.status_code == 302, response.context["form"].errors
    referral = Referral.objects.latest("id")
    client.post(f"/referrals/{referral.pk}/send/", {"expected": "draft"})
    return referral


def timeline_referrals(client, user, case):
    client.force_login(user)
    response = client.get(f"/cases/{case.pk}/")
    if response.status_code != 200:
        return response.status_code
    return [e.pk for _w, kind, e in response.context["view"].timeline if kind == "referral"]


def test_a_police_referral_on_the_case_is_read_by_the_case_readers_the_consent_covers(
    client, people, organisations, case
):
    referral = send_on_case(client, people["police"], case, organisations)
    assert referral.case == case and referral.young_person == case.young_person
    assert referral.category == "police"
    for who in ("police", "school", "social"):
        assert timeline_referrals(client, people[who], case) == [referral.pk], who
    entry = LogEntry.objects.filter(
        content_type__model="case", object_pk=str(case.pk), actor=people["school"]
    ).latest("id")
    assert entry.additional_data["referrals"] == [referral.pk]
    # The mediation service handles the referral but never reads the case through it.
    assert timeline_referrals(client, people["mediator"], case) == 404
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert f"/cases/{case.pk}/" not in page and case.reference not in page


def test_a_social_services_referral_stays_with_the_owner(client, people, organisations, case):
    referral = send_on_case(client, people["social"], case, organisations)
    assert referral.category == "social_services"
    assert timeline_referrals(client, people["social"], case) == [referral.pk]
    assert timeline_referrals(client, people["police"], case) == []
    assert timeline_referrals(client, people["school"], case) == []


def test_a_draft_is_not_on_the_timeline(client, people, organisations, case):
    client.force_login(people["police"])
    post_form(
        client,
        "/referrals/new/mediation/",
        mediation_form(organisations, None, personnummer="", case=case.pk),
    )
    assert Referral.objects.get().status == "draft"
    assert timeline_referrals(client, people["school"], case) == []


def test_a_case_the_sender_does_not_read_cannot_be_chosen(client, people, organisations, case):
    other = make_case(
        person=make_person(age=15),
        owner=organisations["social_services"],
        coordinator=case.coordinator,
    )
    client.force_login(people["police"])
    data = mediation_form(organisations, None, personnummer="", case=other.pk)
    response = post_form(client, "/referrals/new/mediation/", data)
    assert "case" in response.context["form"].errors
    assert not Referral.objects.exists()
    assert Case.objects.count() == 2


def test_a_protected_identity_reaches_the_receiver_as_protected_identity_only(
    client, people, organisations
):
    """Social services recorded the protection and sends; the support centre sees that the
    identity is protected, not the name the referral carries; the sender sees it."""
    person = make_person(
        age=15,
        given="Kim",
        family="Ahmadi",
        protected=True,
        recorded_by=organisations["social_services"],
    )
    client.force_login(people["social"])
    data = victim_support_form(organisations, person.personnummer, contact_name="Kim Ahmadi")
    post_form(client, "/referrals/new/victim-support/", data)
    referral = Referral.objects.get()
    assert referral.young_person == person
    client.post(f"/referrals/{referral.pk}/send/", {"expected": "draft"})
    assert "Kim Ahmadi" in client.get(f"/referrals/{referral.pk}/").content.decode()
    client.force_login(people["support"])
    response = client.get(f"/referrals/{referral.pk}/")
    html = response.content.decode()
    assert response.context["view"].shows_contact is False
    # As words: a random CSRF token may hold the letters "Kim".
    assert not re.search(r"\b(Kim|Ahmadi)\b", html)
    assert person.personnummer[:8] not in html
