"""Two people editing the same plan item, case or consent at once (issue 16, item 3): both
open the edit page, both send it. The first is saved; the second is told on the page that
someone saved in between, keeps what they typed, and nothing is silently overwritten. The
outcome is checked as a third user who reads it, and as one who must not.

The last test sends the two forms at the same instant (PostgreSQL, where requests really run
at once): the row lock in the service lets exactly one through.
"""

import datetime
import html
import threading

import pytest
from django.db import connection

from audit.models import LogEntry
from cases.models import Case, CaseMember, PlanItem
from tests.cases.factories import TODAY, make_case, make_consent, make_guardian
from tests.faults.conftest import client_of, hidden

CONFLICT = "Someone else saved a change here after you opened this page"


def updates_of(obj) -> int:
    return LogEntry.objects.filter(
        content_type__model=obj._meta.model_name,
        object_pk=str(obj.pk),
        action=LogEntry.Action.UPDATE,
    ).count()


@pytest.fixture
def item(consented_case, team, organisations):
    """A police commitment: read by the police, the school and the owner under the consent,
    never by leisure (not covered)."""
    return PlanItem.objects.create(
        case=consented_case,
        author=team["police"],
        organisation=organisations["police"],
        category="police",
        goal="Färre kvällar vid centrum",
        action="Samtal med polisen varannan vecka",
        responsible_organisation=organisations["police"],
        due_date=TODAY + datetime.timedelta(days=30),
    )


class TestPlanItem:
    def url(self, item):
        return f"/cases/{item.case_id}/plan/{item.pk}/follow-up/"

    def test_the_second_follow_up_is_refused_and_keeps_its_input(self, team, item):
        police, school = client_of(team["police"]), client_of(team["school"])
        police_page = police.get(self.url(item)).content.decode()
        school_page = school.get(self.url(item)).content.decode()
        first = police.post(
            self.url(item),
            {
                "version": hidden(police_page, "version"),
                "status": "in_progress",
                "follow_up": "Första samtalet hölls",
            },
        )
        assert first.status_code == 302
        second = school.post(
            self.url(item),
            {
                "version": hidden(school_page, "version"),
                "status": "done",
                "follow_up": "Skolan anser det klart",
            },
        )
        assert second.status_code == 200
        page = html.unescape(second.content.decode())
        assert CONFLICT in page
        assert "Skolan anser det klart" in page  # what they typed is still in the form
        item.refresh_from_db()
        assert (item.status, item.follow_up) == ("in_progress", "Första samtalet hölls")
        assert updates_of(item) == 1  # the refused send left no trace but the refusal

    def test_a_third_member_sees_the_first_follow_up_and_an_outsider_sees_nothing(self, team, item):
        police, school = client_of(team["police"]), client_of(team["school"])
        versions = [
            hidden(c.get(self.url(item)).content.decode(), "version") for c in (police, school)
        ]
        police.post(self.url(item), {"version": versions[0], "status": "done", "follow_up": "A"})
        school.post(
            self.url(item), {"version": versions[1], "status": "cancelled", "follow_up": "Ersätts"}
        )
        owner_page = client_of(team["social"]).get(f"/cases/{item.case_id}/").content.decode()
        assert "Ersätts" not in owner_page
        assert "Cancelled" not in owner_page
        assert "Done" in owner_page
        leisure = client_of(team["leisure"])
        assert leisure.get(f"/cases/{item.case_id}/").status_code == 404
        assert leisure.get(self.url(item)).status_code == 404

    def test_sent_again_after_the_warning_it_is_saved(self, team, item):
        police, school = client_of(team["police"]), client_of(team["school"])
        stale = hidden(school.get(self.url(item)).content.decode(), "version")
        fresh = hidden(police.get(self.url(item)).content.decode(), "version")
        police.post(self.url(item), {"version": fresh, "status": "in_progress", "follow_up": "A"})
        warned = school.post(self.url(item), {"version": stale, "status": "done", "follow_up": "B"})
        again = hidden(warned.content.decode(), "version")  # the form now carries the new one
        assert again != stale
        assert (
            school.post(
                self.url(item), {"version": again, "status": "done", "follow_up": "B"}
            ).status_code
            == 302
        )
        item.refresh_from_db()
        assert (item.status, item.follow_up) == ("done", "B")


class TestCase:
    def test_two_clicks_on_advance_move_the_case_one_step(self, team, person, organisations):
        case = make_case(
            person=person,
            owner=organisations["social_services"],
            coordinator=team["coordinator"],
            members=[(team["social"], CaseMember.Role.CASE_WORKER)],
            status=Case.Status.SIGNAL,
        )
        sara, sofia = client_of(team["coordinator"]), client_of(team["social"])
        pages = [c.get(f"/cases/{case.pk}/").content.decode() for c in (sara, sofia)]
        sara.post(f"/cases/{case.pk}/advance/", {"version": hidden(pages[0], "version")})
        refused = sofia.post(
            f"/cases/{case.pk}/advance/", {"version": hidden(pages[1], "version")}, follow=True
        )
        assert CONFLICT in html.unescape(refused.content.decode())
        case.refresh_from_db()
        assert case.status == Case.Status.AWAITING_CONSENT  # not moved on to active
        assert "Awaiting consent" in sara.get(f"/cases/{case.pk}/").content.decode()

    def test_the_second_closing_does_not_replace_the_first_ones_reason(self, team, consented_case):
        case = consented_case
        sara, sofia = client_of(team["coordinator"]), client_of(team["social"])
        url = f"/cases/{case.pk}/close/"
        versions = [hidden(c.get(url).content.decode(), "version") for c in (sara, sofia)]
        today = TODAY.isoformat()
        assert (
            sara.post(url, {"version": versions[0], "reason": "goals_met", "closed_on": today})
        ).status_code == 302
        refused = sofia.post(url, {"version": versions[1], "reason": "moved", "closed_on": today})
        assert refused.status_code == 200
        assert CONFLICT in html.unescape(refused.content.decode())
        assert 'value="moved" selected' in refused.content.decode()  # their choice is kept
        case.refresh_from_db()
        assert (case.status, case.closure_reason) == ("closed", "goals_met")
        # The school mentor on the team reads the reason the first one gave.
        mentor_page = client_of(team["school"]).get(f"/cases/{case.pk}/").content.decode()
        assert "Goals of the plan met" in mentor_page
        assert "Moved away" not in mentor_page
        assert client_of(team["leisure"]).get(f"/cases/{case.pk}/").status_code == 404

    def test_a_custody_change_meanwhile_stops_a_stale_custody_form(self, team, case):
        desk, phone = client_of(team["coordinator"]), client_of(team["coordinator"])
        url = f"/cases/{case.pk}/consents/"
        versions = [hidden(c.get(url).content.decode(), "version") for c in (desk, phone)]
        desk.post(f"/cases/{case.pk}/custody/", {"version": versions[0], "custody": "sole"})
        refused = phone.post(
            f"/cases/{case.pk}/custody/",
            {"version": versions[1], "custody": "unknown"},
            follow=True,
        )
        assert CONFLICT in html.unescape(refused.content.decode())
        case.refresh_from_db()
        assert case.custody == "sole"


class TestConsent:
    """Only the case's coordinator manages consent, so the two editors are the coordinator on
    two devices (the desk and the phone), each with its own session."""

    def test_the_second_withdrawal_does_not_replace_the_first(self, team, case, organisations):
        mother = make_guardian(case, name="Anna Bergqvist")
        father = make_guardian(case, relation="father", name="Per Bergqvist")
        covered = [organisations["police"]]
        for guardian in (mother, father, None):
            consent = make_consent(case, guardian=guardian, organisations=covered)
        police = client_of(team["police"])
        assert police.get(f"/cases/{case.pk}/").status_code == 200  # covered before
        desk, phone = client_of(team["coordinator"]), client_of(team["coordinator"])
        url = f"/cases/{case.pk}/consents/{consent.pk}/withdraw/"
        versions = [hidden(c.get(url).content.decode(), "version") for c in (desk, phone)]
        assert (
            desk.post(url, {"version": versions[0], "reason": "Ångrade sig i telefon"})
        ).status_code == 302
        refused = phone.post(url, {"version": versions[1], "reason": "Skrev till oss"})
        assert refused.status_code == 200
        page = html.unescape(refused.content.decode())
        assert CONFLICT in page and "Skrev till oss" in page
        consent.refresh_from_db()
        assert consent.withdrawal_reason == "Ångrade sig i telefon"
        assert updates_of(consent) == 1
        # The withdrawal closed the police's access; the owner's case worker still reads.
        assert police.get(f"/cases/{case.pk}/").status_code == 404
        assert client_of(team["social"]).get(f"/cases/{case.pk}/").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_follow_ups_sent_at_the_same_instant_save_one(make_user, organisations):
    from tests.conftest import restore_roles

    restore_roles()
    from tests.cases.factories import make_person

    coordinator, mentor = make_user("coordinator"), make_user("school_staff")
    case = make_case(
        person=make_person(recorded_by=organisations["social_services"]),
        owner=organisations["social_services"],
        coordinator=coordinator,
        members=[(mentor, CaseMember.Role.MENTOR)],
    )
    item = PlanItem.objects.create(
        case=case,
        author=coordinator,
        organisation=organisations["social_services"],
        category="social_services",
        goal="Mål",
        action="Åtgärd",
        responsible_organisation=organisations["social_services"],
        due_date=TODAY,
    )
    url = f"/cases/{case.pk}/plan/{item.pk}/follow-up/"
    clients = [client_of(coordinator), client_of(coordinator)]
    versions = [hidden(c.get(url).content.decode(), "version") for c in clients]
    start, codes = threading.Barrier(2), []

    def send(client, version, text):
        try:
            start.wait()
            codes.append(
                client.post(url, {"version": version, "status": "done", "follow_up": text})
            )
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(c, v, t))
        for c, v, t in zip(clients, versions, ["Från skrivbordet", "Från mobilen"], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in codes) == [200, 302]
    refused = next(r for r in codes if r.status_code == 200)
    assert CONFLICT in html.unescape(refused.content.decode())
    item.refresh_from_db()
    assert item.version == 2
    assert item.follow_up in {"Från skrivbordet", "Från mobilen"}
