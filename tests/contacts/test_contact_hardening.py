"""Field workers' contacts under DESIGN §4: the category a contact carries, the register as an
oracle, protected identities, closed cases, and the log of every lookup by personnummer.
Each write goes through the contact form; its effect is checked as the people who should and
who must not see it."""

import datetime
import re
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import LogEntry
from cases import services as case_services
from cases.models import CaseMember, YoungPerson
from contacts import services
from contacts.models import Contact, Place
from sspf import personnummer as pnr
from tests.cases.factories import (
    make_case,
    make_consent,
    make_guardian,
    make_person,
    make_personnummer,
    name_person,
)
from tests.once import post_form

pytestmark = pytest.mark.django_db
NOW = timezone.localtime().replace(second=0, microsecond=0)


@pytest.fixture
def place(db):
    return Place.objects.create(name="Fritidsgården Kärnan", kind="youth_centre")


@pytest.fixture
def people(make_user):
    """Fredrik, a field worker in social services; Lova, a field worker in leisure; the
    social-services coordinator; the school mentor and the police officer."""
    return {
        "fredrik": make_user("field_worker", username="fredrik"),
        "lova": make_user("field_worker", organisation="leisure", username="lova"),
        "coordinator": make_user("coordinator", username="sara"),
        "mentor": make_user("school_staff", username="sven"),
        "police": make_user("school_police", username="pelle"),
    }


@pytest.fixture
def case(people, organisations):
    """Social services owns it; everyone above is on the team. Each party (both custodians
    and the 16-year-old) lets the school and leisure exchange leisure information, and the
    police police information."""
    case = make_case(
        person=make_person(
            age=16,
            given="Ellinor",
            family="Bergqvist",
            recorded_by=organisations["social_services"],
        ),
        owner=organisations["social_services"],
        coordinator=people["coordinator"],
        members=[
            (people["fredrik"], CaseMember.Role.CONTACT),
            (people["lova"], CaseMember.Role.CONTACT),
            (people["mentor"], CaseMember.Role.MENTOR),
            (people["police"], CaseMember.Role.CONTACT),
        ],
    )
    guardians = [
        make_guardian(case, name="Anna Bergqvist"),
        make_guardian(case, relation="father", name="Per Bergqvist"),
    ]
    rows = (
        ([organisations["school_a"], organisations["leisure"]], ["leisure"]),
        ([organisations["police"]], ["police"]),
    )
    for guardian in [*guardians, None]:
        for orgs, categories in rows:
            make_consent(case, guardian=guardian, organisations=orgs, categories=categories)
    return case


def post(client, user, place, **data):
    """The contact form as a field worker sends it: a named contact unless told otherwise."""
    payload = {
        "client_token": str(uuid.uuid4()),
        "mode": "named",
        "kind": "concern_talk",
        "occurred_at": NOW.strftime("%Y-%m-%dT%H:%M"),
        "place": place.pk,
        "girls": "0",
        "boys": "0",
        "others": "0",
        "not_recorded": "0",
        "age_band": "",
        "case": "",
        "personnummer": "",
        "note": "",
    }
    payload.update(data)
    client.force_login(user)
    return client.post("/contacts/new/", payload)


def case_page(client, user, case):
    client.force_login(user)
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code in (200, 404)
    return response.content.decode() if response.status_code == 200 else None


def contact_page(client, user, contact):
    client.force_login(user)
    response = client.get(f"/contacts/{contact.pk}/")
    assert response.status_code in (200, 404)
    return response.content.decode() if response.status_code == 200 else None


def formats_of(number: str) -> list[str]:
    return [number, f"{number[:8]}-{number[8:]}", number[2:], f"{number[2:8]}-{number[8:]}"]


def without_token_and_number(html: str, number: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    for form in formats_of(number):
        html = html.replace(form, "NUMBER")
    return html


def lookups_of(person, actor):
    return LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        content_type=ContentType.objects.get_for_model(YoungPerson),
        object_id=person.pk,
        actor=actor,
        additional_data={"lookup": "personnummer"},
    )


# ---------------------------------------------------------------------------------------------
# (a) A contact carries its recorder's organisation's category.
# ---------------------------------------------------------------------------------------------


class TestCategory:
    def test_a_leisure_field_workers_contact_is_leisure_information(
        self, client, people, case, place
    ):
        response = post(client, people["lova"], place, case=case.pk, note="Samtal i caféet")
        assert response.status_code == 302
        contact = Contact.objects.get()
        assert (contact.category, contact.organisation) == ("leisure", people["lova"].organisation)
        # The school shares leisure information under the consent; the police does not.
        assert "Samtal i caféet" in case_page(client, people["mentor"], case)
        assert contact_page(client, people["mentor"], contact) is not None
        police_view = case_page(client, people["police"], case)
        assert police_view is not None and "Samtal i caféet" not in police_view
        assert contact_page(client, people["police"], contact) is None

    def test_a_social_services_field_workers_contact_is_social_services_information(
        self, client, people, case, place
    ):
        response = post(
            client, people["fredrik"], place, case=case.pk, note="Samtal vid busshållplatsen"
        )
        assert response.status_code == 302
        contact = Contact.objects.get()
        assert contact.category == "social_services"
        assert "Samtal vid busshållplatsen" in case_page(client, people["coordinator"], case)
        assert "Samtal vid busshållplatsen" not in case_page(client, people["mentor"], case)
        assert contact_page(client, people["mentor"], contact) is None

    def test_a_group_contact_too(self, client, people, place):
        response = post(client, people["lova"], place, mode="group", girls="2", age_band="13_15")
        assert response.status_code == 302
        assert Contact.objects.get().category == "leisure"


# ---------------------------------------------------------------------------------------------
# (b) The form tells nobody who is in the register.
# ---------------------------------------------------------------------------------------------


class TestNoOracle:
    """Fredrik may not name the registered person (no case he reads, his organisation never
    met her): the form must answer exactly as for a number nobody registered."""

    @pytest.fixture
    def registered(self, organisations, make_user):
        person = make_person(
            age=15, given="Saga", family="Lindqvist", recorded_by=organisations["social_services"]
        )
        make_case(
            person=person,
            owner=organisations["social_services"],
            coordinator=make_user("coordinator"),
        )
        return person

    @pytest.fixture
    def unknown(self, registered):
        number = make_personnummer(registered.birth_date + datetime.timedelta(days=4))
        assert not YoungPerson.objects.filter(personnummer_index=pnr.index_of(number)).exists()
        return number

    def answers(self, client, user, place, numbers, **data):
        """The page for each number: the errors by field, and the HTML without the csrf token
        and the number itself. The same client token for both: neither records anything."""
        token = str(uuid.uuid4())
        result = {}
        for name, number in numbers.items():
            response = post(client, user, place, client_token=token, personnummer=number, **data)
            assert response.status_code == 200
            errors = {
                field: list(messages) for field, messages in response.context["form"].errors.items()
            }
            result[name] = (errors, without_token_and_number(response.content.decode(), number))
        assert not Contact.objects.exists()
        return result

    def test_an_unknown_number_and_a_person_he_may_not_name_get_the_same_answer(
        self, client, people, place, registered, unknown
    ):
        answers = self.answers(
            client,
            people["fredrik"],
            place,
            {"known": registered.personnummer, "unknown": unknown},
        )
        known_errors, known_html = answers["known"]
        unknown_errors, unknown_html = answers["unknown"]
        assert known_errors["personnummer"]
        assert known_errors["personnummer"] == unknown_errors["personnummer"]
        assert known_errors == unknown_errors
        assert known_html == unknown_html
        assert "Saga" not in known_html and "Lindqvist" not in known_html

    def test_the_same_answer_also_when_the_form_has_another_mistake(
        self, client, people, place, registered, unknown
    ):
        """A time in the future is wrong either way: whether the page says so must not
        depend on whether the number is registered."""
        later = (NOW + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
        answers = self.answers(
            client,
            people["fredrik"],
            place,
            {"known": registered.personnummer, "unknown": unknown},
            occurred_at=later,
        )
        assert answers["known"][0] == answers["unknown"][0]
        assert answers["known"][1] == answers["unknown"][1]

    def test_the_same_answer_also_with_a_case_chosen(
        self, client, people, place, case, registered, unknown
    ):
        """Fredrik picks a case he works in and types a number that is not its person's:
        the answer must not tell whether that number is registered."""
        answers = self.answers(
            client,
            people["fredrik"],
            place,
            {"known": registered.personnummer, "unknown": unknown},
            case=case.pk,
        )
        assert answers["known"][0] == answers["unknown"][0]
        assert answers["known"][1] == answers["unknown"][1]

    def test_a_person_he_may_name_is_recorded(self, client, people, place, case):
        """The control: the same form with a number he may name records the contact."""
        number = case.young_person.personnummer
        response = post(client, people["fredrik"], place, personnummer=number, note="Hej")
        assert response.status_code == 302
        assert Contact.objects.get().young_person == case.young_person


# ---------------------------------------------------------------------------------------------
# (c) A protected identity reaches only the organisation that recorded the protection.
# ---------------------------------------------------------------------------------------------


class TestProtectedIdentity:
    @pytest.fixture
    def protected(self, organisations):
        person = make_person(
            age=15,
            given="Ellinor",
            family="Bergqvist",
            recorded_by=organisations["social_services"],
            protected=True,
        )
        # Leisure has a record of its own too: even that is not shown.
        name_person(person, organisations["leisure"], given="Tindra", family="Eklund")
        return person

    def named_contact(self, by, person, place, note):
        return Contact.objects.create(
            occurred_at=timezone.now(),
            place=place,
            kind=Contact.Kind.STREET,
            recorded_by=by,
            organisation=by.organisation,
            young_person=person,
            note=note,
            category={"leisure": "leisure", "social_services": "social_services"}[
                by.organisation.kind
            ],
        )

    def test_another_organisations_field_worker_sees_protected_identity_only(
        self, client, people, place, protected
    ):
        contact = self.named_contact(people["lova"], protected, place, "Träffades vid skejtparken")
        html = contact_page(client, people["lova"], contact)
        assert "Träffades vid skejtparken" in html  # her own contact
        assert "Skyddad identitet" in html
        for hidden in (
            "Ellinor",
            "Bergqvist",
            "Tindra",
            "Eklund",
            *formats_of(protected.personnummer),
        ):
            assert hidden not in html, hidden

    def test_the_organisation_that_recorded_the_protection_sees_the_name(
        self, client, people, place, protected
    ):
        contact = self.named_contact(people["fredrik"], protected, place, "Samtal i centrum")
        html = contact_page(client, people["fredrik"], contact)
        assert "Ellinor Bergqvist" in html
        assert "Tindra" not in html
        other = self.named_contact(people["lova"], protected, place, "Fritidsgårdens kontakt")
        assert contact_page(client, people["fredrik"], other) is None

    def test_a_named_contact_recorded_through_the_form_shows_protected_identity(
        self, client, people, place, protected
    ):
        """Leisure met her before, so Lova may name her by number; the page she gets after
        recording still shows only "protected identity"."""
        self.named_contact(people["lova"], protected, place, "Första mötet")
        response = post(
            client, people["lova"], place, personnummer=protected.personnummer, note="Andra mötet"
        )
        assert response.status_code == 302
        contact = Contact.objects.latest("id")
        assert contact.category == "leisure"
        html = contact_page(client, people["lova"], contact)
        assert "Skyddad identitet" in html
        assert "Ellinor" not in html and "Tindra" not in html

    def test_the_contact_page_stays_within_a_query_budget(
        self, client, people, place, protected, django_assert_max_num_queries
    ):
        contact = self.named_contact(people["lova"], protected, place, "Kväll vid stationen")
        client.force_login(people["lova"])
        # Measured: 18 queries for a named contact without a case (SQLite); a little room.
        with django_assert_max_num_queries(20):
            assert client.get(f"/contacts/{contact.pk}/").status_code == 200


def test_a_contact_read_under_a_disclosure_is_flagged(client, people, place, organisations):
    """Fredrik's contact is social-services information; without any consent the owner
    discloses social-services information to the police (10 kap. 18 a § OSL). The police
    officer reads the contact on its own page: that read rests on the disclosure, and is
    flagged with its basis like the read of the case page."""
    case = make_case(
        person=make_person(
            age=16, given="Noa", family="Ekström", recorded_by=organisations["social_services"]
        ),
        owner=organisations["social_services"],
        coordinator=people["coordinator"],
        members=[
            (people["fredrik"], CaseMember.Role.CONTACT),
            (people["police"], CaseMember.Role.CONTACT),
        ],
    )
    response = post(client, people["fredrik"], place, case=case.pk, note="Oro för kamraterna")
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact_page(client, people["police"], contact) is None
    client.force_login(people["coordinator"])
    response = post_form(
        client,
        f"/cases/{case.pk}/disclosures/new/",
        {
            "organisation": organisations["police"].pk,
            "basis": "osl_10_18a",
            "categories": ["social_services"],
            "justification": "Risk för brott",
        },
    )
    assert response.status_code == 302
    assert "Oro för kamraterna" in case_page(client, people["police"], case)
    assert "Oro för kamraterna" in contact_page(client, people["police"], contact)
    assert contact_page(client, people["mentor"], contact) is None
    read = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        content_type=ContentType.objects.get_for_model(Contact),
        object_id=contact.pk,
        actor=people["police"],
    ).exclude(additional_data={"denied": True})
    assert read.count() == 1
    assert (read.get().additional_data or {}).get("statutory_basis") == ["osl_10_18a"]


# ---------------------------------------------------------------------------------------------
# (d) Closed means closed, for contacts too.
# ---------------------------------------------------------------------------------------------


def test_a_contact_on_a_closed_case_is_refused(client, people, case, place):
    case_services.case_close(by=people["coordinator"], case=case, reason="goals_met")
    response = post(client, people["lova"], place, case=case.pk, note="Efter avslutet")
    assert response.status_code == 200
    assert response.context["form"].errors.get("case")
    assert not Contact.objects.exists()
    assert "Efter avslutet" not in case_page(client, people["mentor"], case)
    with pytest.raises(ValidationError):
        services.contact_record(
            by=people["fredrik"],
            client_token=uuid.uuid4(),
            occurred_at=timezone.now(),
            place=place,
            kind="street",
            case=case,
        )
    assert not Contact.objects.exists()


# ---------------------------------------------------------------------------------------------
# (e) Every lookup by personnummer is an ACCESS to the person.
# ---------------------------------------------------------------------------------------------


class TestLookupIsLogged:
    def test_a_refused_lookup(self, client, people, place, organisations):
        person = make_person(
            given="Saga", family="Lindqvist", recorded_by=organisations["social_services"]
        )
        response = post(client, people["lova"], place, personnummer=person.personnummer)
        assert response.status_code == 200
        assert lookups_of(person, people["lova"]).count() == 1
        assert not lookups_of(person, people["fredrik"]).exists()

    def test_a_lookup_that_records(self, client, people, place, case):
        person = case.young_person
        number = f"{person.personnummer[2:8]}-{person.personnummer[8:]}"  # as typed on a phone
        response = post(client, people["fredrik"], place, personnummer=number)
        assert response.status_code == 302
        assert lookups_of(person, people["fredrik"]).count() == 1

    def test_a_contact_by_case_is_no_lookup(self, client, people, place, case):
        assert post(client, people["fredrik"], place, case=case.pk).status_code == 302
        assert not lookups_of(case.young_person, people["fredrik"]).exists()
