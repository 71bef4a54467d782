"""DESIGN §4 ("Who may see what"), hardened: each rule is exercised through the page a user
uses, then checked from the side of the person who should now see the effect and the person
who must not."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from audit.models import LogEntry
from cases import services
from cases.models import Case, CaseMember, Consent, Disclosure, Note, PlanItem, YoungPerson
from schools.models import School
from tests.cases.factories import (
    make_case,
    make_consent,
    make_guardian,
    make_note,
    make_person,
    make_personnummer,
    name_person,
)
from tests.once import post_form

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


# ---------------------------------------------------------------------------------------------
# Helpers: dates computed here, independently of the application's own arithmetic.
# ---------------------------------------------------------------------------------------------


def birthday(born_years_ago: int, today: datetime.date = TODAY) -> datetime.date:
    """The birth date of someone whose `born_years_ago`th birthday is `today` (a 29 February
    birthday is celebrated on 28 February in other years)."""
    year = today.year - born_years_ago
    if (today.month, today.day) == (2, 29):
        return datetime.date(year, 2, 28)
    return datetime.date(year, today.month, today.day)


def twelve_months_less_a_day(start: datetime.date) -> datetime.date:
    """The same date a year later (the month's last day when it has none), less a day."""
    day = start.day
    while True:
        try:
            same_day_next_year = datetime.date(start.year + 1, start.month, day)
            break
        except ValueError:
            day -= 1
    return same_day_next_year - datetime.timedelta(days=1)


def test_the_tests_own_date_arithmetic():
    assert twelve_months_less_a_day(datetime.date(2026, 1, 31)) == datetime.date(2027, 1, 30)
    assert twelve_months_less_a_day(datetime.date(2026, 3, 1)) == datetime.date(2027, 2, 28)
    assert twelve_months_less_a_day(datetime.date(2027, 3, 1)) == datetime.date(2028, 2, 29)
    assert twelve_months_less_a_day(datetime.date(2028, 2, 29)) == datetime.date(2029, 2, 27)
    assert birthday(21, datetime.date(2026, 11, 25)) == datetime.date(2005, 11, 25)
    page = FormControls(
        '<select name="a"><option value="">—</option><option value="x" selected>X</option>'
        '</select><select name="b"><option value="y">Y</option></select>'
        '<input type="checkbox" name="c" value="1" checked>'
        '<input type="checkbox" name="c" value="2">'
    )
    assert (page.starts_on("a"), page.starts_on("b"), page.checked) == ("x", "y", {"c": ["1"]})


# ---------------------------------------------------------------------------------------------
# Helpers: the pages as a user sees them.
# ---------------------------------------------------------------------------------------------


def case_page(client, user, case):
    """The case page as `user` gets it: its HTML, or None when it is a 404 for them."""
    client.force_login(user)
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code in (200, 404)
    return response.content.decode() if response.status_code == 200 else None


def listed(client, user, case) -> bool:
    """Whether the case is in `user`'s case list (the same rule, as a database filter)."""
    client.force_login(user)
    return case.reference in client.get("/cases/").content.decode()


def record_consent(client, case, party, organisations, categories, **extra):
    """A consent entered on the consent page by whoever is logged in."""
    payload = {
        "party": party,
        "organisations": [o.pk for o in organisations],
        "categories": categories,
        "purpose": "Samverkan kring skolgång",
        "valid_from": TODAY.isoformat(),
    }
    payload.update(extra)
    return post_form(client, f"/cases/{case.pk}/consents/", payload)


def write_note(client, user, case, text, category):
    client.force_login(user)
    return post_form(client, f"/cases/{case.pk}/notes/new/", {"text": text, "category": category})


def consent_everyone(case, organisations, categories):
    """Both custodians and the young person consent (written directly, not what is tested)."""
    guardians = [
        make_guardian(case, name="Maria Lind"),
        make_guardian(case, relation="father", name="Jonas Lind"),
    ]
    for guardian in guardians:
        make_consent(case, guardian=guardian, organisations=organisations, categories=categories)
    make_consent(case, organisations=organisations, categories=categories)
    return guardians


def field_errors(response, field):
    """The errors the page shows on one field of its form."""
    assert response.status_code == 200, response.status_code
    return response.context["form"].errors.get(field, [])


class FormControls(HTMLParser):
    """What a browser would submit from a page as it is first shown: per select the option
    it starts on (the marked one, else the first), per checkbox group the checked values."""

    def __init__(self, html):
        super().__init__()
        self.selects: dict[str, list[tuple[str, bool]]] = {}
        self.checked: dict[str, list[str]] = {}
        self.boxes: set[str] = set()  # names of the checkbox and radio groups on the page
        self._select = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._select = attrs.get("name")
            self.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self.selects[self._select].append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio"):
            self.boxes.add(attrs.get("name"))
            if "checked" in attrs:
                self.checked.setdefault(attrs.get("name"), []).append(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None

    def starts_on(self, name) -> str:
        options = self.selects[name]
        marked = [value for value, selected in options if selected]
        assert len(marked) <= 1, marked
        return marked[0] if marked else options[0][0]


def controls(client, user, url) -> FormControls:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return FormControls(response.content.decode())


# ---------------------------------------------------------------------------------------------
# (a) The counter-example of DESIGN §4: consent rows are pairs, nothing crosses rows.
# ---------------------------------------------------------------------------------------------


class TestConsentRowsArePairs:
    OWNER_SCHOOL = "Ägarens anteckning om skolgången"
    OWNER_HEALTH = "Ägarens anteckning om hälsan"
    SCHOOL_SCHOOL = "Mentorns anteckning om närvaron"
    SCHOOL_HEALTH = "Skolsköterskans anteckning"
    POLICE_HEALTH = "Polisens anteckning om skadan"
    POLICE_SCHOOL = "Polisens anteckning om skolvägen"

    @pytest.fixture
    def signed(self, client, team, case, guardians, organisations):
        """Each of the three parties signs two rows through the consent page:
        {school} × {school} and {police} × {health}."""
        client.force_login(team["coordinator"])
        for party in ("person", str(guardians[0].pk), str(guardians[1].pk)):
            for orgs, categories in (
                ([organisations["school_a"]], ["school"]),
                ([organisations["police"]], ["health"]),
            ):
                assert record_consent(client, case, party, orgs, categories).status_code == 302
        assert Consent.objects.filter(case=case).count() == 6
        for user, text, category in (
            (team["social"], self.OWNER_SCHOOL, "school"),
            (team["social"], self.OWNER_HEALTH, "health"),
            (team["school"], self.SCHOOL_SCHOOL, "school"),
            (team["school"], self.SCHOOL_HEALTH, "health"),
            (team["police"], self.POLICE_HEALTH, "health"),
            (team["police"], self.POLICE_SCHOOL, "school"),
        ):
            assert write_note(client, user, case, text, category).status_code == 302
        return case

    def test_the_school_reads_school_entries_of_the_owner_and_itself_only(
        self, client, team, signed
    ):
        html = case_page(client, team["school"], signed)
        assert self.OWNER_SCHOOL in html
        assert self.SCHOOL_SCHOOL in html
        assert self.SCHOOL_HEALTH in html  # its own entry
        assert self.POLICE_HEALTH not in html
        assert self.OWNER_HEALTH not in html
        assert self.POLICE_SCHOOL not in html  # the police is not in the school row

    def test_the_police_reads_health_entries_of_the_owner_and_itself_only(
        self, client, team, signed
    ):
        html = case_page(client, team["police"], signed)
        assert self.OWNER_HEALTH in html
        assert self.POLICE_HEALTH in html
        assert self.POLICE_SCHOOL in html  # its own entry
        assert self.SCHOOL_SCHOOL not in html
        assert self.OWNER_SCHOOL not in html
        assert self.SCHOOL_HEALTH not in html  # the school is not in the health row

    def test_the_owner_reads_everything_and_leisure_nothing(self, client, team, signed):
        html = case_page(client, team["social"], signed)
        for text in (
            self.OWNER_SCHOOL,
            self.OWNER_HEALTH,
            self.SCHOOL_SCHOOL,
            self.POLICE_HEALTH,
        ):
            assert text in html
        assert case_page(client, team["leisure"], signed) is None


# ---------------------------------------------------------------------------------------------
# (b), (c) Statutory disclosures: narrow on purpose.
# ---------------------------------------------------------------------------------------------


def disclose(client, user, case, organisation, **data):
    payload = {
        "organisation": organisation.pk,
        "basis": "osl_10_18a",
        "statute": "",
        "categories": ["social_services"],
        "justification": "Risk för fortsatt brottslighet enligt socialtjänstens bedömning",
        "valid_until": "",
    }
    payload.update(data)
    client.force_login(user)
    return post_form(client, f"/cases/{case.pk}/disclosures/new/", payload)


class TestDisclosureOpensOnlyWhatItNames:
    SOCIAL = "Socialtjänstens bedömning av hemmet"
    OWNER_SCHOOL = "Socialtjänstens anteckning om skolgången"
    SCHOOL_HEALTH = "Skolsköterskans iakttagelse"
    SCHOOL_SCHOOL = "Frånvaron har ökat"

    @pytest.fixture
    def disclosed(self, client, team, case, guardians, organisations):
        """The school's health note is consented for the school alone; then the case worker
        discloses to the police under 10:18a, naming only social services."""
        school = [organisations["school_a"]]
        for guardian in guardians:
            make_consent(case, guardian=guardian, organisations=school, categories=["health"])
        make_consent(case, organisations=school, categories=["health"])
        make_note(case, team["social"], category="social_services", text=self.SOCIAL)
        make_note(case, team["social"], category="school", text=self.OWNER_SCHOOL)
        make_note(case, team["school"], category="health", text=self.SCHOOL_HEALTH)
        make_note(case, team["school"], category="school", text=self.SCHOOL_SCHOOL)
        assert case_page(client, team["police"], case) is None
        response = disclose(client, team["social"], case, organisations["police"])
        assert response.status_code == 302, response.context["form"].errors
        return case

    def test_the_police_reads_the_owners_social_services_note_only(self, client, team, disclosed):
        html = case_page(client, team["police"], disclosed)
        assert self.SOCIAL in html
        assert self.SCHOOL_HEALTH not in html
        assert self.SCHOOL_SCHOOL not in html
        assert self.OWNER_SCHOOL not in html

    def test_the_disclosure_opens_nothing_for_the_school(self, client, team, disclosed):
        html = case_page(client, team["school"], disclosed)
        assert self.SCHOOL_HEALTH in html
        assert self.SOCIAL not in html
        assert case_page(client, team["leisure"], disclosed) is None

    def test_the_polices_read_is_flagged_with_its_basis(self, client, team, disclosed):
        case_page(client, team["police"], disclosed)
        entry = LogEntry.objects.filter(
            actor=team["police"],
            action=LogEntry.Action.ACCESS,
            content_type=ContentType.objects.get_for_model(Case),
            object_id=disclosed.pk,
        ).latest("id")
        assert entry.additional_data["statutory_basis"] == ["osl_10_18a"]

    def test_ended_early_through_the_page_closes_at_once(self, client, team, disclosed):
        disclosure = Disclosure.objects.get(case=disclosed)
        url = f"/cases/{disclosed.pk}/disclosures/{disclosure.pk}/end/"
        client.force_login(team["police"])
        assert client.post(url).status_code in (403, 404)  # the receiver cannot end it
        assert case_page(client, team["police"], disclosed) is not None
        client.force_login(team["social"])
        assert client.post(url).status_code == 302
        assert case_page(client, team["police"], disclosed) is None
        assert case_page(client, team["social"], disclosed) is not None


def test_a_read_under_a_disclosure_is_flagged_also_when_consent_lets_the_organisation_in(
    client, team, notes, organisations
):
    """The police reads the case by consent (school and police entries); the owner then
    discloses its social-services entries to the police. The police's read of the
    social-services note rests on the disclosure alone, so it is flagged with its basis."""
    case = notes["social"].case
    assert "Socialtjänstens bedömning" not in case_page(client, team["police"], case)
    response = disclose(client, team["social"], case, organisations["police"])
    assert response.status_code == 302
    html = case_page(client, team["police"], case)
    assert "Socialtjänstens bedömning" in html
    entry = LogEntry.objects.filter(
        actor=team["police"],
        action=LogEntry.Action.ACCESS,
        content_type=ContentType.objects.get_for_model(Case),
        object_id=case.pk,
    ).latest("id")
    assert notes["social"].pk in entry.additional_data["notes"]
    assert entry.additional_data.get("statutory_basis") == ["osl_10_18a"]


class TestDisclosureBounds:
    """Each refusal: the page answers with the error on the field concerned, and nothing is
    recorded that would open the case."""

    def refused(self, client, team, case, organisation, field, **data):
        response = disclose(client, team["social"], case, organisation, **data)
        assert field_errors(response, field), response.context["form"].errors
        assert not Disclosure.objects.exists()

    def test_10_18a_only_to_the_police(self, client, team, case, organisations):
        self.refused(client, team, case, organisations["leisure"], "organisation")
        assert case_page(client, team["leisure"], case) is None

    def test_10_18a_only_about_someone_under_21(self, client, team, case, person, organisations):
        person.birth_date = birthday(21)  # the 21st birthday is today
        person.save()
        self.refused(client, team, case, organisations["police"], "basis")
        assert case_page(client, team["police"], case) is None

    def test_10_18a_the_day_before_the_21st_birthday(
        self, client, team, case, person, organisations
    ):
        person.birth_date = birthday(21) + datetime.timedelta(days=1)
        person.save()
        response = disclose(client, team["social"], case, organisations["police"])
        assert response.status_code == 302
        assert case_page(client, team["police"], case) is not None

    def test_10_28_names_the_statute(self, client, team, case, organisations):
        self.refused(
            client, team, case, organisations["police"], "statute", basis="osl_10_28", statute=""
        )
        response = disclose(
            client,
            team["social"],
            case,
            organisations["police"],
            basis="osl_10_28",
            statute="14 kap. 1 § SoL",
        )
        assert response.status_code == 302
        assert Disclosure.objects.get().statute == "14 kap. 1 § SoL"

    def test_a_justification_is_required(self, client, team, case, organisations):
        self.refused(
            client, team, case, organisations["police"], "justification", justification="  "
        )

    def test_at_most_the_maximum_number_of_days_first_day_included(
        self, client, team, case, organisations
    ):
        last = TODAY + datetime.timedelta(days=settings.SSPF_DISCLOSURE_MAX_DAYS - 1)
        self.refused(
            client,
            team,
            case,
            organisations["police"],
            "valid_until",
            valid_until=(last + datetime.timedelta(days=1)).isoformat(),
        )
        response = disclose(
            client, team["social"], case, organisations["police"], valid_until=last.isoformat()
        )
        assert response.status_code == 302
        assert Disclosure.objects.get().valid_until == last

    def test_left_empty_it_runs_the_maximum(self, client, team, case, organisations):
        assert disclose(client, team["social"], case, organisations["police"]).status_code == 302
        assert Disclosure.objects.get().valid_until == TODAY + datetime.timedelta(
            days=settings.SSPF_DISCLOSURE_MAX_DAYS - 1
        )


# ---------------------------------------------------------------------------------------------
# (d) Custody is declared, not guessed.
# ---------------------------------------------------------------------------------------------


class TestCustody:
    def consent(self, client, team, case, party, organisations):
        client.force_login(team["coordinator"])
        response = record_consent(client, case, party, [organisations["school_a"]], ["school"])
        assert response.status_code == 302, response.context["form"].errors

    def consent_page(self, client, team, case):
        client.force_login(team["coordinator"])
        response = client.get(f"/cases/{case.pk}/consents/")
        assert response.status_code == 200
        return response

    def test_joint_custody_with_one_custodian_on_file_opens_nothing_until_the_second(
        self, client, team, case, organisations
    ):
        assert case.custody == Case.Custody.JOINT
        mother = make_guardian(case, name="Anna Bergqvist")
        self.consent(client, team, case, str(mother.pk), organisations)
        self.consent(client, team, case, "person", organisations)
        assert case_page(client, team["school"], case) is None
        page = self.consent_page(client, team, case)
        assert page.context["custodians_missing"] == 1
        assert "flag-warning" in page.content.decode()
        assert organisations["school_a"] in page.context["not_reading"]

        client.force_login(team["coordinator"])
        response = post_form(
            client,
            f"/cases/{case.pk}/guardians/new/",
            {"name": "Per Bergqvist", "relation": "father", "has_custody": "on"},
        )
        assert response.status_code == 302
        father = case.guardians.exclude(pk=mother.pk).get()
        assert (father.name, father.has_custody) == ("Per Bergqvist", True)
        assert case_page(client, team["school"], case) is None  # on file, not yet consented
        assert self.consent_page(client, team, case).context["custodians_missing"] == 0
        assert not listed(client, team["school"], case)
        self.consent(client, team, case, str(father.pk), organisations)
        assert case_page(client, team["school"], case) is not None
        assert listed(client, team["school"], case)
        assert case_page(client, team["police"], case) is None
        assert (
            organisations["school_a"] in (self.consent_page(client, team, case).context["reading"])
        )

    def test_unknown_custody_opens_nothing(self, client, team, case, guardians, organisations):
        for party in ("person", str(guardians[0].pk), str(guardians[1].pk)):
            self.consent(client, team, case, party, organisations)
        assert case_page(client, team["school"], case) is not None
        client.force_login(team["coordinator"])
        response = client.post(f"/cases/{case.pk}/custody/", {"custody": "unknown"})
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.custody == Case.Custody.UNKNOWN
        assert case_page(client, team["school"], case) is None
        assert not listed(client, team["school"], case)
        assert case_page(client, team["social"], case) is not None
        page = self.consent_page(client, team, case)
        assert page.context["custody_unknown"] is True
        assert organisations["school_a"] in page.context["not_reading"]

    def test_sole_custody_with_its_one_custodian_opens(self, client, team, case, organisations):
        client.force_login(team["coordinator"])
        client.post(f"/cases/{case.pk}/custody/", {"custody": "sole"})
        mother = make_guardian(case, name="Anna Bergqvist")
        self.consent(client, team, case, "person", organisations)
        assert case_page(client, team["school"], case) is None
        self.consent(client, team, case, str(mother.pk), organisations)
        assert case_page(client, team["school"], case) is not None

    def test_an_adult_needs_no_custody(self, client, team, organisations):
        adult = make_person(
            age=19, given="Hanna", family="Lundmark", recorded_by=organisations["social_services"]
        )
        case = make_case(
            person=adult,
            owner=organisations["social_services"],
            coordinator=team["coordinator"],
            members=[(team["school"], CaseMember.Role.MENTOR)],
            custody=Case.Custody.UNKNOWN,
        )
        assert case_page(client, team["school"], case) is None
        self.consent(client, team, case, "person", organisations)
        html = case_page(client, team["school"], case)
        assert html is not None and "Hanna Lundmark" in html
        assert self.consent_page(client, team, case).context["custodians_missing"] == 0


# ---------------------------------------------------------------------------------------------
# (e) Identity across agencies: protected identities and the register as an oracle.
# ---------------------------------------------------------------------------------------------


def formats_of(number: str) -> list[str]:
    """The ways a personnummer can be written on a page."""
    return [number, f"{number[:8]}-{number[8:]}", number[2:], f"{number[2:8]}-{number[8:]}"]


def shows_number(html: str, number: str) -> bool:
    return any(form in html for form in formats_of(number))


def without_token_and_number(html: str, number: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'name="form_token" value="[^"]*"', "", html)  # a new one on every form
    for form in formats_of(number):
        html = html.replace(form, "NUMBER")
    return html


class TestProtectedIdentityAcrossAgencies:
    @pytest.fixture
    def protected(self, organisations):
        """Social services registered Ellinor Bergqvist and recorded her protection."""
        return make_person(
            age=15,
            given="Ellinor",
            family="Bergqvist",
            recorded_by=organisations["social_services"],
            protected=True,
        )

    @pytest.fixture
    def school_coordinator(self, make_user):
        return make_user("coordinator", organisation="school_a", username="stina")

    def register(self, client, user, number, **extra):
        client.force_login(user)
        data = {
            "step": "create",
            "personnummer": number,
            "given_name": "Lina",
            "family_name": "Holmgren",
            "gender": "girl",
            "signal_source": "school",
            "risk_factors": ["truancy"],
        }
        data.update(extra)
        return post_form(client, "/cases/new/", data)

    def test_a_second_agency_registering_her_is_linked_and_sees_neither_name_nor_number(
        self, client, team, protected, school_coordinator, organisations
    ):
        first = make_case(
            person=protected,
            owner=organisations["social_services"],
            coordinator=team["coordinator"],
        )
        response = self.register(client, school_coordinator, protected.personnummer)
        assert response.status_code == 302
        case = Case.objects.exclude(pk=first.pk).get()
        assert response["Location"] == f"/cases/{case.pk}/"
        assert YoungPerson.objects.count() == 1 and case.young_person == protected
        assert case.owner == organisations["school_a"]

        html = case_page(client, school_coordinator, case)
        assert "Skyddad identitet" in html
        assert "Ellinor" not in html and "Bergqvist" not in html
        assert not shows_number(html, protected.personnummer)
        client.force_login(school_coordinator)
        listing = client.get("/cases/").content.decode()
        assert case.reference in listing
        assert "Ellinor" not in listing and not shows_number(listing, protected.personnummer)

        # The agency that recorded the protection still sees her, and nothing the other typed.
        html = case_page(client, team["coordinator"], first)
        assert "Ellinor Bergqvist" in html and shows_number(html, protected.personnummer)
        assert "Lina" not in html and "Holmgren" not in html
        assert case_page(client, team["coordinator"], case) is None

    def test_the_search_step_looks_the_same_for_a_known_and_an_unknown_number(
        self, client, protected, school_coordinator
    ):
        unknown = make_personnummer(protected.birth_date + datetime.timedelta(days=3))
        assert not YoungPerson.objects.exclude(pk=protected.pk).exists()
        client.force_login(school_coordinator)
        pages = {}
        for name, number in (("known", protected.personnummer), ("unknown", unknown)):
            response = post_form(client, "/cases/new/", {"step": "search", "personnummer": number})
            assert response.status_code == 200
            pages[name] = without_token_and_number(response.content.decode(), number)
        assert 'name="given_name"' in pages["known"]
        assert pages["known"] == pages["unknown"]

    def test_a_refused_create_step_looks_the_same_for_a_known_and_an_unknown_number(
        self, client, protected, school_coordinator
    ):
        unknown = make_personnummer(protected.birth_date + datetime.timedelta(days=5))
        pages = {}
        for name, number in (("known", protected.personnummer), ("unknown", unknown)):
            response = self.register(client, school_coordinator, number, family_name="")
            assert response.status_code == 200
            assert response.context["form"].errors.get("family_name")
            pages[name] = without_token_and_number(response.content.decode(), number)
        assert pages["known"] == pages["unknown"]
        assert not Case.objects.exists()

    def facts(self, client, user, case, number):
        """The facts of the case page about the person and the case, with what differs
        between any two new cases (reference, number) taken out."""
        html = case_page(client, user, case)
        facts = html[html.index('<dl class="facts">') : html.index("</dl>")]
        for form in formats_of(number):
            facts = facts.replace(form, "NUMBER")
        return facts

    def test_a_signal_on_a_known_number_shows_only_what_was_typed(
        self, client, team, school_coordinator, organisations
    ):
        """Social services registered a boy at Lindängsskolan; the school's coordinator
        registers a signal on his number and on an unknown number with the same details
        (a girl, no school). The two case pages must read the same."""
        lindangen = School.objects.create(
            organisation=organisations["school_b"], name="Lindängsskolan 7–9", level="other"
        )
        known = make_person(
            age=14,
            given="Ellinor",
            family="Bergqvist",
            gender=YoungPerson.Gender.BOY,
            school=lindangen,
            recorded_by=organisations["social_services"],
        )
        unknown = make_personnummer(known.birth_date + datetime.timedelta(days=2))
        cases = {}
        for name, number in (("known", known.personnummer), ("unknown", unknown)):
            response = self.register(client, school_coordinator, number, gender="girl")
            assert response.status_code == 302
            cases[name] = (Case.objects.latest("id"), number)
        assert cases["known"][0].young_person == known
        pages = {
            name: self.facts(client, school_coordinator, case, number)
            for name, (case, number) in cases.items()
        }
        # Gender and school as the register holds them (recorded by social services) must not
        # show: they tell that the number is known, and what another agency recorded.
        assert pages["known"] == pages["unknown"]
        assert "Lindängsskolan" not in pages["known"]

    def test_a_protected_persons_school_does_not_reach_the_second_agency(
        self, client, team, protected, school_coordinator, organisations
    ):
        lindangen = School.objects.create(
            organisation=organisations["school_b"], name="Lindängsskolan 7–9", level="other"
        )
        protected.school = lindangen
        protected.save()
        assert self.register(client, school_coordinator, protected.personnummer).status_code == 302
        case = Case.objects.get()
        assert "Lindängsskolan" not in case_page(client, school_coordinator, case)
        client.force_login(school_coordinator)
        listing = client.get("/cases/").content.decode()
        assert case.reference in listing
        # The filter's list of every school names it too; the row of the case must not.
        assert "<td>Lindängsskolan 7–9</td>" not in listing

    def test_the_lookup_is_logged_as_an_access_to_the_person(
        self, client, protected, school_coordinator
    ):
        self.register(client, school_coordinator, protected.personnummer)
        lookups = LogEntry.objects.filter(
            action=LogEntry.Action.ACCESS,
            content_type=ContentType.objects.get_for_model(YoungPerson),
            object_id=protected.pk,
            additional_data={"lookup": "personnummer"},
        )
        assert [entry.actor for entry in lookups] == [school_coordinator]

    def test_a_number_search_by_a_team_member_does_not_return_a_protected_case(
        self, client, team, consented_case, person
    ):
        person.protected_identity = True
        person.protected_by = consented_case.owner
        person.save()
        number = f"{person.personnummer[:8]}-{person.personnummer[8:]}"
        client.force_login(team["school"])
        assert consented_case.reference in client.get("/cases/").content.decode()
        found = client.post("/cases/", {"personnummer": number}).content.decode()
        assert consented_case.reference not in found
        assert LogEntry.objects.filter(
            actor=team["school"],
            action=LogEntry.Action.ACCESS,
            content_type=ContentType.objects.get_for_model(YoungPerson),
            object_id=person.pk,
            additional_data={"lookup": "personnummer"},
        ).exists()
        client.force_login(team["social"])
        assert (
            consented_case.reference
            in client.post("/cases/", {"personnummer": number}).content.decode()
        )

    def test_the_protected_case_page_stays_within_a_query_budget(
        self, client, team, consented_case, person, django_assert_max_num_queries
    ):
        person.protected_identity = True
        person.protected_by = consented_case.owner
        person.save()
        name_person(person, team["school"].organisation, given="Tindra", family="Eklund")
        for _ in range(5):
            make_note(consented_case, team["school"], category="school")
            make_note(consented_case, team["social"], category="social_services")
        # Measured (SQLite, 10 notes; the same with 100): 28 queries for the school mentor
        # (another organisation: "protected identity") and 34 for the owner's case worker
        # (who sees the name, so the read of the person is logged too). The budgets leave a
        # little room above that.
        for user, budget in ((team["school"], 30), (team["social"], 37)):
            client.force_login(user)
            with django_assert_max_num_queries(budget):
                response = client.get(f"/cases/{consented_case.pk}/")
            assert response.status_code == 200
        html = case_page(client, team["school"], consented_case)
        assert "Tindra" not in html and "Ellinor" not in html


# ---------------------------------------------------------------------------------------------
# (f) Closed means closed.
# ---------------------------------------------------------------------------------------------


def close(client, user, case):
    client.force_login(user)
    response = client.post(
        f"/cases/{case.pk}/close/", {"reason": "goals_met", "closed_on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.is_closed


class TestClosedMeansClosed:
    @pytest.fixture
    def closed(self, client, team, consented_case, organisations):
        self.item = services.plan_item_add(
            by=team["social"],
            case=consented_case,
            goal="Närvaro",
            action="Morgonsamtal",
            responsible_organisation=organisations["school_a"],
            due_date=TODAY,
            category="school",
        )
        close(client, team["coordinator"], consented_case)
        return consented_case

    def refused(self, client, user, url, data, count):
        """The page does not take the write: it answers with its form again, and nothing
        more is in the database than before."""
        before = count()
        client.force_login(user)
        response = client.post(url, data)
        assert response.status_code == 200, response.status_code
        form = response.context["form"]
        assert form.errors, "the page shows why"
        assert count() == before
        return response

    def test_a_note(self, client, team, closed):
        self.refused(
            client,
            team["school"],
            f"/cases/{closed.pk}/notes/new/",
            {"text": "Skrivet efter avslutet", "category": "school"},
            Note.objects.count,
        )
        assert "Skrivet efter avslutet" not in case_page(client, team["social"], closed)

    def test_a_plan_item(self, client, team, closed, organisations):
        self.refused(
            client,
            team["social"],
            f"/cases/{closed.pk}/plan/new/",
            {
                "goal": "Ny plan",
                "action": "Hembesök efter avslut",
                "category": "social_services",
                "responsible_organisation": organisations["social_services"].pk,
                "due_date": TODAY.isoformat(),
            },
            PlanItem.objects.count,
        )

    def test_a_follow_up(self, client, team, closed):
        self.refused(
            client,
            team["school"],
            f"/cases/{closed.pk}/plan/{self.item.pk}/follow-up/",
            {"status": "done", "follow_up": "Uppföljt efter avslut"},
            lambda: PlanItem.objects.filter(status="done").count(),
        )

    def test_a_team_addition(self, client, team, closed, make_user):
        newcomer = make_user("school_staff", organisation="school_b")
        self.refused(
            client,
            team["coordinator"],
            f"/cases/{closed.pk}/team/",
            {"user": newcomer.pk, "role": "mentor"},
            CaseMember.objects.count,
        )
        assert case_page(client, newcomer, closed) is None

    def test_a_team_removal(self, client, team, closed):
        member = closed.members.get(user=team["school"])
        self.refused(
            client,
            team["coordinator"],
            f"/cases/{closed.pk}/team/{member.pk}/remove/",
            {},
            CaseMember.objects.count,
        )
        assert case_page(client, team["school"], closed) is not None

    def test_a_consent(self, client, team, closed, organisations):
        client.force_login(team["coordinator"])
        before = Consent.objects.count()
        response = record_consent(
            client, closed, "person", [organisations["leisure"]], ["leisure", "school"]
        )
        assert response.status_code == 200 and response.context["form"].errors
        assert Consent.objects.count() == before

    def test_a_guardian(self, client, team, closed):
        self.refused(
            client,
            team["coordinator"],
            f"/cases/{closed.pk}/guardians/new/",
            {"name": "Ny Vårdnadshavare", "relation": "other", "has_custody": "on"},
            closed.guardians.count,
        )

    def test_the_custody(self, client, team, closed):
        client.force_login(team["coordinator"])
        client.post(f"/cases/{closed.pk}/custody/", {"custody": "unknown"})
        closed.refresh_from_db()
        assert closed.custody == Case.Custody.JOINT
        assert case_page(client, team["school"], closed) is not None

    def test_a_disclosure(self, client, team, closed, organisations):
        response = disclose(client, team["social"], closed, organisations["police"])
        assert response.status_code == 200 and response.context["form"].errors
        assert not Disclosure.objects.exists()

    def test_a_withdrawal_still_works_and_closes_access(self, client, team, closed, guardians):
        assert case_page(client, team["school"], closed) is not None
        consent = Consent.objects.get(case=closed, guardian=guardians[1])
        client.force_login(team["coordinator"])
        response = client.post(
            f"/cases/{closed.pk}/consents/{consent.pk}/withdraw/", {"reason": "Pappan ångrar sig"}
        )
        assert response.status_code == 302
        consent.refresh_from_db()
        assert consent.withdrawn_at is not None
        assert case_page(client, team["school"], closed) is None
        assert case_page(client, team["social"], closed) is not None

    def test_the_owner_reopens_through_the_page_and_writing_works_again(self, client, team, closed):
        client.force_login(team["coordinator"])
        response = client.post(f"/cases/{closed.pk}/reopen/", {"reason": "new_signal"})
        assert response.status_code == 302
        closed.refresh_from_db()
        assert closed.status == Case.Status.ACTIVE and closed.closed_on is None
        entry = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Case),
            object_id=closed.pk,
            action=LogEntry.Action.UPDATE,
            actor=team["coordinator"],
        ).latest("id")
        assert entry.additional_data == {"reopened": "new_signal"}
        response = write_note(client, team["school"], closed, "Ny oro efter sommaren", "school")
        assert response.status_code == 302
        assert "Ny oro efter sommaren" in case_page(client, team["social"], closed)
        assert "Ny oro efter sommaren" in case_page(client, team["police"], closed)  # consented
        assert case_page(client, team["leisure"], closed) is None

    def test_a_member_of_another_organisation_cannot_reopen(self, client, team, closed):
        client.force_login(team["school"])
        assert client.post(f"/cases/{closed.pk}/reopen/", {"reason": "other"}).status_code == 403
        closed.refresh_from_db()
        assert closed.is_closed

    def test_a_non_owner_coordinator_cannot_reopen(self, client, team, make_user, organisations):
        """The case's coordinator works at the school, social services owns the case: the
        coordinator leads the team but does not decide to reopen."""
        coordinator = make_user("coordinator", organisation="school_a")
        case = make_case(
            person=make_person(
                given="Moa", family="Sandberg", recorded_by=organisations["social_services"]
            ),
            owner=organisations["social_services"],
            coordinator=coordinator,
            members=[(team["social"], CaseMember.Role.CASE_WORKER)],
        )
        consent_everyone(case, [organisations["school_a"]], ["school"])
        close(client, team["social"], case)
        client.force_login(coordinator)
        assert client.get(f"/cases/{case.pk}/").status_code == 200
        assert client.post(f"/cases/{case.pk}/reopen/", {"reason": "other"}).status_code == 403
        case.refresh_from_db()
        assert case.is_closed
        client.force_login(team["social"])
        assert client.post(f"/cases/{case.pk}/reopen/", {"reason": "other"}).status_code == 302
        case.refresh_from_db()
        assert not case.is_closed


# ---------------------------------------------------------------------------------------------
# (g) Safe defaults.
# ---------------------------------------------------------------------------------------------


class TestSafeDefaults:
    def test_a_new_note_starts_in_the_authors_own_category(self, client, team, consented_case):
        url = f"/cases/{consented_case.pk}/notes/new/"
        assert controls(client, team["police"], url).starts_on("category") == "police"
        assert controls(client, team["school"], url).starts_on("category") == "school"
        assert controls(client, team["social"], url).starts_on("category") == "social_services"

    def test_a_note_saved_as_it_starts_is_not_read_by_another_agency(
        self, client, team, consented_case
    ):
        """The case worker keeps the preselected category: the note stays with the owner,
        though the consent lets the school read school and police entries."""
        url = f"/cases/{consented_case.pk}/notes/new/"
        category = controls(client, team["social"], url).starts_on("category")
        write_note(client, team["social"], consented_case, "Hemmet enligt socialtjänsten", category)
        assert "Hemmet enligt socialtjänsten" not in case_page(
            client, team["school"], consented_case
        )
        assert "Hemmet enligt socialtjänsten" in case_page(client, team["social"], consented_case)

    def test_a_new_commitment_starts_in_the_authors_own_category(
        self, client, team, consented_case
    ):
        url = f"/cases/{consented_case.pk}/plan/new/"
        assert controls(client, team["social"], url).starts_on("category") == "social_services"

    def test_the_team_role_starts_on_nothing(self, client, team, case):
        page = controls(client, team["coordinator"], f"/cases/{case.pk}/team/")
        assert page.starts_on("role") == ""

    def test_the_guardian_relation_starts_on_nothing(self, client, team, case):
        page = controls(client, team["coordinator"], f"/cases/{case.pk}/guardians/new/")
        assert page.starts_on("relation") == ""

    def test_the_consent_form_checks_no_organisation_and_no_category(self, client, team, case):
        page = controls(client, team["coordinator"], f"/cases/{case.pk}/consents/")
        assert {"organisations", "categories"} <= page.boxes
        assert "organisations" not in page.checked
        assert "categories" not in page.checked

    def test_a_team_member_added_without_a_role_is_refused(self, client, team, case, make_user):
        newcomer = make_user("school_staff", organisation="school_b")
        client.force_login(team["coordinator"])
        response = post_form(client, f"/cases/{case.pk}/team/", {"user": newcomer.pk, "role": ""})
        assert field_errors(response, "role")
        assert not case.members.filter(user=newcomer).exists()


class TestConsentPeriod:
    def post(self, client, team, case, organisations, **dates):
        client.force_login(team["coordinator"])
        return record_consent(
            client, case, "person", [organisations["school_a"]], ["school"], **dates
        )

    def test_left_empty_it_ends_twelve_months_less_a_day_after_today(
        self, client, team, case, organisations
    ):
        response = self.post(client, team, case, organisations, valid_until="")
        assert response.status_code == 302
        assert Consent.objects.get().valid_until == twelve_months_less_a_day(TODAY)

    def test_left_empty_from_31_january_it_ends_30_january(self, client, team, case, organisations):
        start = datetime.date(TODAY.year + 1, 1, 31)
        response = self.post(
            client, team, case, organisations, valid_from=start.isoformat(), valid_until=""
        )
        assert response.status_code == 302
        assert Consent.objects.get().valid_until == datetime.date(TODAY.year + 2, 1, 30)

    def test_twelve_full_months_is_a_day_too_long(self, client, team, case, organisations):
        too_long = twelve_months_less_a_day(TODAY) + datetime.timedelta(days=1)
        response = self.post(client, team, case, organisations, valid_until=too_long.isoformat())
        assert field_errors(response, "valid_until")
        assert not Consent.objects.exists()
        longest = twelve_months_less_a_day(TODAY)
        response = self.post(client, team, case, organisations, valid_until=longest.isoformat())
        assert response.status_code == 302

    def test_it_starts_at_most_30_days_back(self, client, team, case, organisations):
        days = settings.SSPF_CONSENT_BACKDATE_DAYS
        assert days == 30
        too_early = TODAY - datetime.timedelta(days=31)
        response = self.post(client, team, case, organisations, valid_from=too_early.isoformat())
        assert field_errors(response, "valid_from")
        assert not Consent.objects.exists()
        earliest = TODAY - datetime.timedelta(days=30)
        response = self.post(client, team, case, organisations, valid_from=earliest.isoformat())
        assert response.status_code == 302
        consent = Consent.objects.get()
        assert (consent.valid_from, consent.valid_until) == (
            earliest,
            twelve_months_less_a_day(earliest),
        )


# ---------------------------------------------------------------------------------------------
# (h) The consent's audit entries say what it covers.
# ---------------------------------------------------------------------------------------------


def test_the_consents_audit_entries_name_its_organisations_and_categories(
    client, team, case, guardians, organisations
):
    client.force_login(team["coordinator"])
    response = record_consent(
        client,
        case,
        str(guardians[0].pk),
        [organisations["police"], organisations["school_a"]],
        ["police", "school"],
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    covers = {
        "organisations": sorted(
            [organisations[k].pk for k in ("police", "school_a", "social_services")]
        ),
        "categories": ["police", "school"],
    }
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Consent), object_id=consent.pk
    )
    created = entries.get(action=LogEntry.Action.CREATE)
    assert created.actor == team["coordinator"]
    assert created.additional_data == covers
    response = client.post(
        f"/cases/{case.pk}/consents/{consent.pk}/withdraw/", {"reason": "Mamman ångrar sig"}
    )
    assert response.status_code == 302
    assert entries.get(action=LogEntry.Action.UPDATE).additional_data == covers


# ---------------------------------------------------------------------------------------------
# (i) A child is reached only through its own case.
# ---------------------------------------------------------------------------------------------


class TestChildrenUnderTheirOwnCase:
    @pytest.fixture
    def other(self, team, organisations):
        """Case B, coordinated by the same coordinator as the `case` fixture (A)."""
        other = make_case(
            person=make_person(
                given="Alva", family="Nyström", recorded_by=organisations["social_services"]
            ),
            owner=organisations["social_services"],
            coordinator=team["coordinator"],
            members=[(team["social"], CaseMember.Role.CASE_WORKER)],
        )
        return other

    def test_a_consent_of_b_cannot_be_withdrawn_under_a(self, client, team, case, other):
        consent = make_consent(other, organisations=[])
        client.force_login(team["coordinator"])
        url = f"/cases/{case.pk}/consents/{consent.pk}/withdraw/"
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "Fel ärende"}).status_code == 404
        consent.refresh_from_db()
        assert consent.withdrawn_at is None
        response = client.post(
            f"/cases/{other.pk}/consents/{consent.pk}/withdraw/", {"reason": "Rätt ärende"}
        )
        assert response.status_code == 302
        consent.refresh_from_db()
        assert consent.withdrawn_at is not None

    def test_a_commitment_of_b_cannot_be_followed_up_under_a(
        self, client, team, case, other, organisations
    ):
        item = services.plan_item_add(
            by=team["social"],
            case=other,
            goal="Närvaro",
            action="Morgonsamtal",
            responsible_organisation=organisations["social_services"],
            due_date=TODAY,
            category="social_services",
        )
        client.force_login(team["social"])
        url = f"/cases/{case.pk}/plan/{item.pk}/follow-up/"
        assert client.post(url, {"status": "done", "follow_up": "x"}).status_code == 404
        item.refresh_from_db()
        assert item.status == PlanItem.Status.PLANNED

    def test_a_member_of_b_cannot_be_removed_under_a(self, client, team, case, other):
        member = other.members.get(user=team["social"])
        client.force_login(team["coordinator"])
        assert client.post(f"/cases/{case.pk}/team/{member.pk}/remove/").status_code == 404
        assert other.members.filter(pk=member.pk).exists()

    def test_a_disclosure_of_b_cannot_be_ended_under_a(
        self, client, team, case, other, organisations
    ):
        disclosure = services.disclosure_record(
            by=team["social"],
            case=other,
            organisation=organisations["police"],
            basis="osl_10_18a",
            categories=["social_services"],
            justification="Risk för brott",
        )
        client.force_login(team["social"])
        assert client.post(f"/cases/{case.pk}/disclosures/{disclosure.pk}/end/").status_code == 404
        disclosure.refresh_from_db()
        assert disclosure.ended_at is None
