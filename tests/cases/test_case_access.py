"""The access rules of DESIGN §4, from the side of each person who must or must not see."""

import datetime

import pytest
from django.utils import timezone

from audit.models import LogEntry
from cases import access, services
from cases.models import Consent

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def status(client, user, case):
    client.force_login(user)
    return client.get(f"/cases/{case.pk}/").status_code


def readers(client, team, case):
    return {name for name, user in team.items() if status(client, user, case) == 200}


def test_owner_and_covered_agencies_read_leisure_does_not(client, team, consented_case):
    assert readers(client, team, consented_case) == {"coordinator", "social", "school", "police"}


def test_leisure_gets_a_404_and_the_attempt_is_logged(client, team, consented_case):
    client.force_login(team["leisure"])
    response = client.get(f"/cases/{consented_case.pk}/")
    assert response.status_code == 404
    assert "Ellinor" not in response.content.decode()
    denied = LogEntry.objects.get(additional_data={"denied": True})
    assert (denied.actor, denied.object_repr) == (team["leisure"], consented_case.reference)


def test_a_guardians_withdrawal_closes_access_at_once(client, team, consented_case, guardians):
    consent = Consent.objects.get(case=consented_case, guardian=guardians[1])
    services.consent_withdraw(by=team["coordinator"], consent=consent, reason="Pappan ångrar sig")
    assert readers(client, team, consented_case) == {"coordinator", "social"}


def test_when_the_consent_ends_only_the_owner_reads(client, team, consented_case):
    Consent.objects.filter(case=consented_case).update(
        valid_until=TODAY - datetime.timedelta(days=1)
    )
    assert readers(client, team, consented_case) == {"coordinator", "social"}


def test_the_end_date_itself_still_counts(client, team, consented_case):
    Consent.objects.filter(case=consented_case).update(valid_until=TODAY)
    assert "school" in readers(client, team, consented_case)


def test_outsiders_never_read_the_content(client, make_user, consented_case):
    for role in ("coordinator", "administrator", "auditor", "social_worker"):
        assert status(client, make_user(role), consented_case) == 404, role


def test_removing_a_member_closes_their_access(client, team, consented_case):
    member = consented_case.members.get(user=team["school"])
    services.member_remove(by=team["coordinator"], member=member)
    assert status(client, team["school"], consented_case) == 404


def test_without_the_young_persons_own_consent_nobody_outside_reads(client, team, consented_case):
    Consent.objects.filter(case=consented_case, guardian__isnull=True).delete()
    assert readers(client, team, consented_case) == {"coordinator", "social"}


def test_a_child_under_own_consent_age_needs_only_the_guardians(
    client, team, consented_case, person
):
    person.birth_date = access.years_ago(TODAY, 13)
    person.save()
    Consent.objects.filter(case=consented_case, guardian__isnull=True).delete()
    assert "school" in readers(client, team, consented_case)


def test_at_eighteen_only_the_persons_own_consent_counts(client, team, consented_case, person):
    person.birth_date = access.years_ago(TODAY, 18)  # the 18th birthday is today
    person.save()
    Consent.objects.filter(case=consented_case, guardian__isnull=False).update(
        valid_until=TODAY - datetime.timedelta(days=1)
    )
    assert "school" in readers(client, team, consented_case)
    Consent.objects.filter(case=consented_case, guardian__isnull=True).delete()
    assert readers(client, team, consented_case) == {"coordinator", "social"}


class TestEntries:
    """The example of DESIGN §4: categories decide which notes cross agency lines."""

    def page(self, client, user, case):
        client.force_login(user)
        return client.get(f"/cases/{case.pk}/").content.decode()

    def test_school_reads_the_police_note_but_not_social_services(self, client, team, notes):
        html = self.page(client, team["school"], notes["police"].case)
        assert "Polisens iakttagelse" in html
        assert "Frånvaron har ökat" in html
        assert "Socialtjänstens bedömning" not in html

    def test_owner_reads_own_notes_and_the_shared_ones(self, client, team, notes):
        html = self.page(client, team["social"], notes["police"].case)
        for text in ("Polisens iakttagelse", "Frånvaron har ökat", "Socialtjänstens bedömning"):
            assert text in html

    def test_the_read_is_logged_with_the_notes_shown(self, client, team, notes):
        self.page(client, team["school"], notes["police"].case)
        entry = LogEntry.objects.filter(
            action=LogEntry.Action.ACCESS, object_repr__startswith="SSPF"
        ).get()
        assert entry.actor == team["school"]
        assert sorted(entry.additional_data["notes"]) == sorted(
            [notes["police"].pk, notes["school"].pk]
        )


def protect(person, organisation):
    person.protected_identity = True
    person.protected_by = organisation
    person.save()


class TestProtectedIdentity:
    def test_other_agencies_see_protected_identity_not_the_name(
        self, client, team, consented_case, person
    ):
        protect(person, consented_case.owner)
        client.force_login(team["school"])
        html = client.get(f"/cases/{consented_case.pk}/").content.decode()
        assert "Skyddad identitet" in html
        number = person.personnummer
        assert "Ellinor" not in html
        assert number not in html and f"{number[:8]}-{number[8:]}" not in html

    def test_the_owner_still_sees_the_name(self, client, team, consented_case, person):
        protect(person, consented_case.owner)
        client.force_login(team["social"])
        assert "Ellinor" in client.get(f"/cases/{consented_case.pk}/").content.decode()


class TestDisclosure:
    def test_a_disclosure_on_a_statutory_basis_opens_and_is_flagged(
        self, client, team, case, organisations
    ):
        assert status(client, team["police"], case) == 404
        services.disclosure_record(
            by=team["social"],
            case=case,
            organisation=organisations["police"],
            basis="osl_10_18a",
            categories=["social_services"],
            justification="Risk för fortsatt brottslighet",
        )
        assert status(client, team["police"], case) == 200
        entry = LogEntry.objects.filter(
            actor=team["police"], action=LogEntry.Action.ACCESS, object_repr=case.reference
        ).latest("id")
        assert entry.additional_data["statutory_basis"] == ["osl_10_18a"]

    def test_disclosure_needs_its_own_permission(self, team, case, organisations):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            services.disclosure_record(
                by=team["school"],
                case=case,
                organisation=organisations["police"],
                basis="osl_10_18a",
                categories=["school"],
                justification="x",
            )


def test_expiring_consent_is_flagged_on_the_case_and_the_home_page(client, team, consented_case):
    Consent.objects.filter(case=consented_case).update(
        valid_until=TODAY + datetime.timedelta(days=20)
    )
    client.force_login(team["coordinator"])
    assert "Ett samtycke upphör" in client.get(f"/cases/{consented_case.pk}/").content.decode()
    home = client.get("/").content.decode()
    assert consented_case.reference in home
