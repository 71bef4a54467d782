"""The legal conditions of each kind, checked when the sender saves the form (through the
page the sender uses): Medlingslagen (2002:445) for mediation, the centre's age range and the
agreement to be contacted for young-victims support."""

import datetime
import re

import pytest

from cases.access import years_ago
from referrals.models import Referral
from referrals.services import clean_police_report_number
from tests.cases.factories import make_personnummer
from tests.once import post_form
from tests.referrals.conftest import TODAY, mediation_form, victim_support_form

OFFENCE_DAY = TODAY - datetime.timedelta(days=20)


def post(client, user, url, data):
    client.force_login(user)
    return post_form(client, url, data)


def errors_of(response) -> str:
    form = response.context["form"]
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def number_aged(years, days_after_birthday=0):
    """A number of someone who turns `years` on the offence day (plus `days` later)."""
    born = years_ago(OFFENCE_DAY, years) + datetime.timedelta(days=days_after_birthday)
    return make_personnummer(born)


class TestMediation:
    url = "/referrals/new/mediation/"

    def test_an_offender_who_was_21_on_the_offence_date_is_refused_naming_the_rule(
        self, client, people, organisations
    ):
        data = mediation_form(organisations, number_aged(21), offence_date=OFFENCE_DAY)
        response = post(client, people["police"], self.url, data)
        assert response.status_code == 200
        message = errors_of(response)
        assert "2002:445" in message and "21" in message
        assert not Referral.objects.exists()

    def test_an_offender_one_day_short_of_21_is_accepted(self, client, people, organisations):
        data = mediation_form(organisations, number_aged(21, 1), offence_date=OFFENCE_DAY)
        response = post(client, people["police"], self.url, data)
        referral = Referral.objects.get()
        assert response["Location"] == f"/referrals/{referral.pk}/"
        assert referral.status == "draft" and referral.kind == "mediation"
        assert referral.police_report_number == "5000-K123456-26"

    def test_without_a_report_number_it_is_refused(self, client, people, organisations):
        data = mediation_form(organisations, number_aged(16), police_report_number="")
        response = post(client, people["police"], self.url, data)
        assert response.status_code == 200
        assert "police_report_number" in response.context["form"].errors
        assert not Referral.objects.exists()

    def test_without_an_admission_it_is_refused(self, client, people, organisations):
        data = mediation_form(organisations, number_aged(16), admitted=None)
        response = post(client, people["social"], self.url, data)
        assert response.status_code == 200
        assert "2002:445" in " ".join(response.context["form"].errors["admitted"])
        assert not Referral.objects.exists()

    def test_under_12_needs_an_exceptional_reason(self, client, people, organisations):
        number = number_aged(11)
        response = post(client, people["social"], self.url, mediation_form(organisations, number))
        assert "under_12_reason" in response.context["form"].errors
        assert not Referral.objects.exists()
        data = mediation_form(organisations, number, under_12_reason="Stöd från socialtjänsten.")
        assert post(client, people["social"], self.url, data).status_code == 302
        assert Referral.objects.get().under_12_reason == "Stöd från socialtjänsten."

    def test_only_a_service_that_receives_mediation_can_be_chosen(
        self, client, people, organisations
    ):
        data = mediation_form(
            organisations, number_aged(16), receiver=organisations["victim_support"].pk
        )
        response = post(client, people["police"], self.url, data)
        assert "receiver" in response.context["form"].errors
        assert not Referral.objects.exists()

    def test_the_report_number_is_in_no_error_message_and_no_address(
        self, client, people, organisations
    ):
        data = mediation_form(organisations, number_aged(16), police_report_number="5000-X99-26")
        response = post(client, people["police"], self.url, data)
        assert "police_report_number" in response.context["form"].errors
        assert "5000-X99-26" not in errors_of(response)
        post(client, people["police"], self.url, mediation_form(organisations, number_aged(16)))
        referral = Referral.objects.get()
        page = client.get(f"/referrals/{referral.pk}/")
        assert "5000-K123456-26" in page.content.decode()
        assert "K123456" not in page.request["PATH_INFO"]

    def test_roles_that_do_not_send_cannot_open_the_form(self, client, people):
        for who in ("school", "mediator", "support", "auditor"):
            client.force_login(people[who])
            assert client.get(self.url).status_code == 403, who


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("5000-K123456-26", "5000-K123456-26"),
        ("5000-k1-26", "5000-K1-26"),
        (" 1234-K1234567-99 ", "1234-K1234567-99"),
    ],
)
def test_police_report_numbers_in_the_documented_form_are_accepted(typed, stored):
    assert clean_police_report_number(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "K123456-26",  # no unit
        "500-K123456-26",  # unit of three digits
        "5000-K12345678-26",  # running number of eight digits
        "5000-123456-26",  # no K
        "5000-K123456-2026",  # four-digit year
        "5000-K-26",  # no running number
        "5000–K123456–26x",
    ],
)
def test_police_report_numbers_in_other_forms_are_refused(typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        clean_police_report_number(typed)


class TestVictimSupport:
    url = "/referrals/new/victim-support/"

    def test_a_victim_older_than_the_centres_range_is_refused(
        self, client, people, organisations, settings
    ):
        settings.SSPF_VICTIM_SUPPORT_MAX_AGE = 20
        too_old = make_personnummer(years_ago(TODAY, 21) - datetime.timedelta(days=2))
        response = post(
            client, people["police"], self.url, victim_support_form(organisations, too_old)
        )
        assert response.status_code == 200
        assert "20" in errors_of(response)
        assert not Referral.objects.exists()
        settings.SSPF_VICTIM_SUPPORT_MAX_AGE = 23
        response = post(
            client, people["police"], self.url, victim_support_form(organisations, too_old)
        )
        assert response.status_code == 302

    def test_a_minor_needs_a_custodians_agreement_unless_it_is_a_self_referral(
        self, client, people, organisations
    ):
        minor = make_personnummer(years_ago(TODAY, 15))
        data = victim_support_form(organisations, minor, custodian_agreed_to_contact=None)
        response = post(client, people["police"], self.url, data)
        assert "custodian_agreed_to_contact" in response.context["form"].errors
        data = victim_support_form(
            organisations,
            minor,
            victim_agreed_to_contact=None,
            custodian_agreed_to_contact=None,
            self_referral="on",
        )
        assert post(client, people["police"], self.url, data).status_code == 302
        assert Referral.objects.get().self_referral

    def test_without_the_young_persons_agreement_it_is_refused(self, client, people, organisations):
        adult = make_personnummer(years_ago(TODAY, 19))
        data = victim_support_form(organisations, adult, victim_agreed_to_contact=None)
        response = post(client, people["police"], self.url, data)
        assert "victim_agreed_to_contact" in response.context["form"].errors
        assert not Referral.objects.exists()


def test_a_known_and_an_unknown_number_get_the_same_answer(client, people, organisations):
    """No oracle (DESIGN §4): a refused form reads the same for a registered number and a new
    one, and a saved referral's page does not show what another agency recorded."""
    from tests.cases.factories import make_person

    known = make_person(age=16, given="Ellinor", recorded_by=organisations["social_services"])
    unknown = make_personnummer(known.birth_date + datetime.timedelta(days=1))
    pages = {}
    for name, number in (("known", known.personnummer), ("unknown", unknown)):
        data = mediation_form(organisations, number, admitted=None)
        html = post(client, people["police"], "/referrals/new/mediation/", data).content.decode()
        for form in (number, f"{number[:8]}-{number[8:]}"):
            html = html.replace(form, "NUMBER")
        html = re.sub(r'name="form_token" value="[^"]*"', "", html)  # a new one on every form
        pages[name] = html.replace(client.cookies["csrftoken"].value, "")
    assert _without_csrf(pages["known"]) == _without_csrf(pages["unknown"])
    # The lookup of the known number is logged, although the form was refused.
    from audit.models import LogEntry

    assert LogEntry.objects.filter(
        content_type__model="youngperson",
        object_pk=str(known.pk),
        actor=people["police"],
        additional_data={"lookup": "personnummer"},
    ).exists()
    from cases.models import YoungPerson

    assert YoungPerson.objects.count() == 1  # the refused unknown number was not entered
    data = mediation_form(organisations, known.personnummer)
    response = post(client, people["police"], "/referrals/new/mediation/", data)
    assert Referral.objects.get().young_person == known
    assert "Ellinor" not in client.get(response["Location"]).content.decode()


def _without_csrf(html):
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
