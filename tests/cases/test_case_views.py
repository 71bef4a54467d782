import datetime
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import LogEntry
from cases import services
from cases.models import Case, Consent, Note, YoungPerson
from tests.cases.factories import make_case, make_consent, make_note, make_person, make_personnummer
from tests.once import post_form, token_on

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


class TestRegisterSignal:
    def search(self, client, number):
        return post_form(client, "/cases/new/", {"step": "search", "personnummer": number})

    def create(self, client, number, organisations, **extra):
        data = {
            "step": "create",
            "personnummer": number,
            "given_name": "Ellinor",
            "family_name": "Bergqvist",
            "gender": "girl",
            "signal_source": "school",
            "risk_factors": ["truancy", "risky_peers"],
        }
        data.update(extra)
        if "form_token" in data:
            return client.post("/cases/new/", data)
        return post_form(client, "/cases/new/", data)

    def test_a_new_person_and_case(self, client, team, organisations):
        number = make_personnummer(datetime.date(2010, 5, 17))
        client.force_login(team["coordinator"])
        page = self.search(client, number).content.decode()
        assert 'name="given_name"' in page
        response = self.create(client, number, organisations)
        case = Case.objects.get()
        assert response["Location"] == f"/cases/{case.pk}/"
        assert case.reference == f"SSPF-{TODAY.year}-0001"
        assert case.young_person.birth_date == datetime.date(2010, 5, 17)
        assert set(case.risk_factors.values_list("factor", flat=True)) == {"truancy", "risky_peers"}
        assert case.members.get().user == team["coordinator"]

    def test_the_same_person_is_found_however_the_number_is_typed(
        self, client, team, organisations, person
    ):
        typed = f"{person.personnummer[2:8]}-{person.personnummer[8:]}"
        client.force_login(team["coordinator"])
        page = self.search(client, typed).content.decode()
        assert 'name="given_name"' in page  # the same form as for a new number: no oracle
        self.create(client, typed, organisations)
        assert YoungPerson.objects.count() == 1
        assert Case.objects.get().young_person == person

    def test_a_resent_form_opens_no_second_case(self, client, team, organisations):
        number = make_personnummer(datetime.date(2010, 5, 17))
        client.force_login(team["coordinator"])
        token = token_on(self.search(client, number).content.decode())
        first = self.create(client, number, organisations, form_token=token)
        again = self.create(client, number, organisations, form_token=token)  # Back, Save
        assert first["Location"] == again["Location"]
        assert Case.objects.count() == 1

    def test_a_later_signal_on_the_same_number_opens_a_new_case(
        self, client, team, organisations, settings
    ):
        settings.SSPF_SIGNAL_REPEAT_SECONDS = 0
        number = make_personnummer(datetime.date(2010, 5, 17))
        client.force_login(team["coordinator"])
        self.create(client, number, organisations)
        self.create(client, number, organisations)
        assert Case.objects.count() == 2
        assert YoungPerson.objects.count() == 1

    def test_invalid_number_gets_a_clear_message_and_nothing_is_saved(
        self, client, team, organisations
    ):
        client.force_login(team["coordinator"])
        page = self.search(client, "20100517-0000").content.decode()
        assert "Kontrollsiffran stämmer inte" in page
        self.create(client, "20100517-0000", organisations)
        assert not YoungPerson.objects.exists() and not Case.objects.exists()

    def test_duplicate_number_is_refused(self, team, person):
        with pytest.raises(Exception) as error:
            services.person_create(
                by=team["coordinator"],
                personnummer=person.personnummer,
                given_name="X",
                family_name="Y",
                gender="boy",
            )
        assert "finns redan en ung person" in str(error.value)
        assert YoungPerson.objects.count() == 1

    def test_only_coordinators_register(self, client, team):
        client.force_login(team["school"])
        assert client.get("/cases/new/").status_code == 403

    def test_references_are_unique_and_count_up(self, team, person, organisations):
        refs = [
            services.signal_register(
                by=team["coordinator"],
                young_person=person,
                signal_source="school",
                risk_factors=[],
            ).reference
            for _ in range(3)
        ]
        assert refs == [f"SSPF-{TODAY.year}-000{n}" for n in (1, 2, 3)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_references_stay_unique_under_concurrent_creation(make_user, organisations):
    from tests.conftest import restore_roles

    restore_roles()
    coordinator = make_user("coordinator")
    person = make_person()
    errors, start = [], threading.Barrier(6)

    def open_cases():
        try:
            start.wait()
            for _ in range(5):
                services.signal_register(
                    by=coordinator,
                    young_person=person,
                    signal_source="school",
                    risk_factors=[],
                )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_cases) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references)) == 30


class TestConsentInput:
    def post(self, client, case, **data):
        payload = {
            "party": "person",
            "organisations": [],
            "categories": ["school"],
            "purpose": "Samverkan",
            "valid_from": TODAY.isoformat(),
        }
        payload.update(data)
        return post_form(client, f"/cases/{case.pk}/consents/", payload)

    def test_end_before_start(self, client, team, case, organisations):
        client.force_login(team["coordinator"])
        page = self.post(
            client,
            case,
            organisations=[organisations["police"].pk],
            valid_until=(TODAY - datetime.timedelta(days=1)).isoformat(),
        )
        assert "Samtycket kan inte upphöra innan det börjar gälla" in page.content.decode()
        assert not Consent.objects.exists()

    def test_no_organisation(self, client, team, case):
        client.force_login(team["coordinator"])
        page = self.post(client, case)
        assert "Ett samtycke måste omfatta minst en organisation" in page.content.decode()
        assert not Consent.objects.exists()

    def test_a_guardian_cannot_consent_for_an_adult(
        self, client, team, case, person, organisations
    ):
        from tests.cases.factories import make_guardian

        guardian = make_guardian(case)
        person.birth_date = TODAY.replace(year=TODAY.year - 19)
        person.save()
        client.force_login(team["coordinator"])
        page = self.post(
            client, case, party=str(guardian.pk), organisations=[organisations["police"].pk]
        )
        assert "bara hen själv kan samtycka" in page.content.decode()
        assert not Consent.objects.exists()

    def test_default_validity_is_twelve_months(self, client, team, case, organisations):
        client.force_login(team["coordinator"])
        assert (
            self.post(client, case, organisations=[organisations["police"].pk]).status_code == 302
        )
        consent = Consent.objects.get()
        # Twelve months less a day: 2026-11-25 runs to 2027-11-24 inclusive.
        try:
            same_day_next_year = TODAY.replace(year=TODAY.year + 1)
        except ValueError:  # 29 February
            same_day_next_year = TODAY.replace(year=TODAY.year + 1, month=3, day=1)
        assert consent.valid_until == same_day_next_year - datetime.timedelta(days=1)
        # The owner is always among the organisations a consent names (DESIGN §4).
        assert set(consent.organisations.all()) == {
            organisations["police"],
            organisations["social_services"],
        }

    def test_the_page_shows_who_is_missing_and_who_would_gain_access(
        self, client, team, case, guardians, organisations
    ):
        client.force_login(team["coordinator"])
        html = client.get(f"/cases/{case.pk}/consents/").content.decode()
        assert html.count("saknas") >= 3  # two guardians and the 16-year-old
        waiting = html[html.index("väntar på samtycke") :]
        assert "Polisen" in waiting and "Fritid" in waiting


class TestClose:
    def test_closing_needs_a_reason(self, client, team, case):
        client.force_login(team["coordinator"])
        page = client.post(
            f"/cases/{case.pk}/close/", {"reason": "", "closed_on": TODAY.isoformat()}
        )
        assert "Välj varför ärendet avslutas" in page.content.decode()
        case.refresh_from_db()
        assert case.status == Case.Status.ACTIVE

    def test_closing_with_a_reason(self, client, team, case):
        client.force_login(team["coordinator"])
        client.post(
            f"/cases/{case.pk}/close/", {"reason": "goals_met", "closed_on": TODAY.isoformat()}
        )
        case.refresh_from_db()
        assert (case.status, case.closure_reason, case.closed_on) == ("closed", "goals_met", TODAY)


class TestNotes:
    def test_a_member_writes_a_note_and_it_is_encrypted_and_masked(
        self, client, team, consented_case
    ):
        client.force_login(team["school"])
        response = post_form(
            client,
            f"/cases/{consented_case.pk}/notes/new/",
            {"text": "Eleven var frånvarande hela veckan", "category": "school"},
        )
        assert response.status_code == 302
        note = Note.objects.get()
        assert (note.organisation, note.author) == (team["school"].organisation, team["school"])
        create = LogEntry.objects.filter(action=LogEntry.Action.CREATE, object_repr=str(note)).get()
        assert "frånvarande" not in str(create.changes)

    def test_a_correction_refers_to_the_old_note(self, client, team, notes):
        old = notes["school"]
        client.force_login(team["school"])
        post_form(
            client,
            f"/cases/{old.case_id}/notes/new/",
            {
                "text": "Rättelse: frånvaron gällde två dagar",
                "category": "school",
                "corrects": old.pk,
            },
        )
        assert Note.objects.latest("id").corrects == old
        old.refresh_from_db()
        assert old.text == "Frånvaron har ökat"  # never edited

    def test_only_the_writing_organisation_corrects(self, client, team, notes):
        client.force_login(team["school"])
        response = post_form(
            client,
            f"/cases/{notes['police'].case_id}/notes/new/",
            {"text": "x", "category": "school", "corrects": notes["police"].pk},
        )
        assert (
            "Bara den organisation som skrev en anteckning kan rätta den"
            in response.content.decode()
        )
        assert Note.objects.count() == 3

    def test_nobody_corrects_a_note_they_cannot_read(self, client, team, notes):
        client.force_login(team["school"])
        response = post_form(
            client,
            f"/cases/{notes['social'].case_id}/notes/new/",
            {"text": "x", "category": "school", "corrects": notes["social"].pk},
        )
        assert response.status_code == 404


def _cases_with_history(count, team, organisations):
    for _ in range(count):
        case = make_case(
            person=make_person(),
            owner=organisations["social_services"],
            coordinator=team["coordinator"],
            members=[],
        )
        make_consent(case, organisations=[organisations["police"]])
        make_note(case, team["coordinator"], category="social_services")


def test_case_list_query_count_does_not_grow(
    client, team, organisations, django_assert_max_num_queries, capsys
):
    client.force_login(team["coordinator"])
    counts = {}
    for total, add in ((10, 10), (200, 190)):
        _cases_with_history(add, team, organisations)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/cases/")
        counts[total] = len(queries)
    with capsys.disabled():
        print(f"\n[queries] case list: {counts[10]} with 10 cases, {counts[200]} with 200")
    assert counts[10] == counts[200] <= 12
    assert "Sida 1 av 8" in response.content.decode()


def test_case_page_query_count_does_not_grow(
    client, team, consented_case, guardians, organisations, capsys
):
    client.force_login(team["social"])
    counts = {}
    for total, add in ((10, 10), (200, 190)):
        for _ in range(add):
            make_note(consented_case, team["social"], category="social_services")
            make_consent(consented_case, organisations=[organisations["police"]])
            make_consent(
                consented_case, guardian=guardians[0], organisations=[organisations["police"]]
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/cases/{consented_case.pk}/").status_code == 200
        counts[total] = len(queries)
    with capsys.disabled():
        print(
            f"\n[queries] case page: {counts[10]} with 10 notes and consents, "
            f"{counts[200]} with 200"
        )
    assert counts[10] == counts[200] <= 36  # notes, plans, contacts, minutes, referrals: 1 each


def test_list_filters_and_search(client, team, consented_case, organisations):
    client.force_login(team["coordinator"])
    assert consented_case.reference in client.get("/cases/?status=active").content.decode()
    assert consented_case.reference not in client.get("/cases/?status=closed").content.decode()
    number = consented_case.young_person.personnummer
    found = client.post("/cases/", {"personnummer": f"{number[:8]}-{number[8:]}"})
    assert consented_case.reference in found.content.decode()
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, object_repr=str(consented_case.young_person)
    ).exists()
    assert (
        consented_case.reference
        in client.get(f"/cases/?q={consented_case.reference[-3:]}").content.decode()
    )


def test_a_personnummer_is_never_searched_through_the_address(client, team, consented_case):
    """A number in the URL reaches access logs: the list refuses to search by it there and
    says where to search instead; the same number in the POST form finds the case."""
    client.force_login(team["coordinator"])
    number = consented_case.young_person.personnummer
    by_url = client.get("/cases/", {"q": f"{number[:8]}-{number[8:]}"}).content.decode()
    assert 'id="id_q_error"' in by_url
    assert not LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, object_repr=str(consented_case.young_person)
    ).exists()
    by_form = client.post("/cases/", {"personnummer": number}).content.decode()
    assert consented_case.reference in by_form
    assert 'method="post"' in by_form


def test_outsider_list_is_empty(client, make_user, consented_case):
    client.force_login(make_user("leisure_staff"))
    assert consented_case.reference not in client.get("/cases/").content.decode()


def test_consent_and_team_pages_stay_within_a_query_budget(
    client, team, consented_case, guardians, organisations, django_assert_max_num_queries
):
    for _ in range(30):
        make_consent(consented_case, guardian=guardians[0], organisations=[organisations["police"]])
    client.force_login(team["coordinator"])
    with django_assert_max_num_queries(40):
        assert client.get(f"/cases/{consented_case.pk}/consents/").status_code == 200
    assert LogEntry.objects.filter(additional_data={"page": "consents"}).exists()
    with django_assert_max_num_queries(25):
        assert client.get(f"/cases/{consented_case.pk}/team/").status_code == 200


class TestTeamAndPlan:
    def test_team_member_is_added_and_removed_after_confirmation(
        self, client, team, case, make_user
    ):
        newcomer = make_user("school_staff")
        client.force_login(team["coordinator"])
        post_form(client, f"/cases/{case.pk}/team/", {"user": newcomer.pk, "role": "mentor"})
        member = case.members.get(user=newcomer)
        page = client.get(f"/cases/{case.pk}/team/{member.pk}/remove/").content.decode()
        assert "förlorar åtkomsten till ärendet direkt" in page
        assert case.members.filter(user=newcomer).exists()  # a GET removes nothing
        client.post(f"/cases/{case.pk}/team/{member.pk}/remove/")
        assert not case.members.filter(user=newcomer).exists()

    def test_the_coordinator_cannot_be_removed(self, client, team, case):
        member = case.members.get(user=team["coordinator"])
        client.force_login(team["coordinator"])
        page = client.post(f"/cases/{case.pk}/team/{member.pk}/remove/").content.decode()
        assert "Ärendets samordnare står kvar i teamet" in page

    def test_a_commitment_is_added_and_followed_up(
        self, client, team, consented_case, organisations
    ):
        client.force_login(team["social"])
        post_form(
            client,
            f"/cases/{consented_case.pk}/plan/new/",
            {
                "goal": "Närvaro",
                "action": "Morgonsamtal",
                "category": "school",
                "responsible_organisation": organisations["school_a"].pk,
                "responsible_person": team["school"].pk,
                "due_date": TODAY.isoformat(),
            },
        )
        item = consented_case.plan_items.get()
        client.force_login(team["school"])
        client.post(
            f"/cases/{consented_case.pk}/plan/{item.pk}/follow-up/",
            {"status": "done", "follow_up": "Gick bra"},
        )
        item.refresh_from_db()
        assert (item.status, item.follow_up) == ("done", "Gick bra")

    def test_a_responsible_person_must_be_on_the_team(
        self, client, team, case, organisations, make_user
    ):
        client.force_login(team["coordinator"])
        page = post_form(
            client,
            f"/cases/{case.pk}/plan/new/",
            {
                "goal": "Närvaro",
                "action": "Morgonsamtal",
                "category": "school",
                "responsible_organisation": organisations["school_a"].pk,
                "responsible_person": make_user("school_staff").pk,
                "due_date": TODAY.isoformat(),
            },
        ).content.decode()
        assert "Välj ett giltigt alternativ" in page
        assert not case.plan_items.exists()

    def test_guardian_added_through_the_page(self, client, team, case):
        client.force_login(team["coordinator"])
        post_form(
            client,
            f"/cases/{case.pk}/guardians/new/",
            {"name": "Lisa Berg", "relation": "mother", "has_custody": "on"},
        )
        guardian = case.guardians.get()
        assert (guardian.name, guardian.has_custody) == ("Lisa Berg", True)


def test_administrators_and_auditors_never_join_a_team(client, team, case, make_user):
    for role in ("administrator", "auditor"):
        outsider = make_user(role)
        client.force_login(team["coordinator"])
        page = post_form(client, f"/cases/{case.pk}/team/", {"user": outsider.pk, "role": "other"})
        assert not case.members.filter(user=outsider).exists()
        assert "Välj ett giltigt alternativ" in page.content.decode()
        with pytest.raises(Exception, match="aldrig i ärenden"):
            services.member_add(by=team["coordinator"], case=case, user=outsider, role="other")
        client.force_login(outsider)
        assert client.get(f"/cases/{case.pk}/").status_code == 404


def test_the_coordinators_organisation_owns_the_case(team, person):
    case = services.signal_register(
        by=team["coordinator"], young_person=person, signal_source="school", risk_factors=[]
    )
    assert case.owner == team["coordinator"].organisation
