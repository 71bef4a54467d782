"""An organisation move ends the user's case memberships (DESIGN §6: administrators administer,
never read). Found under attack: moving a school user into social services in the admin showed
them an owner-only social-services note at once."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from audit.models import LogEntry
from cases.models import Case, CaseMember, CaseUserObjectPermission, Category
from tests.cases.factories import make_case, make_consent, make_guardian, make_note, make_person

SECRET_NOTE = "Socialtjänstens bedömning av hemmet"


@pytest.fixture(autouse=True)
def english(settings):
    """The new messages are asserted in English (their Swedish is added with makemessages)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def administrator(make_user):
    return make_user("administrator", username="anna.admin")


@pytest.fixture
def sara(make_user):
    return make_user("coordinator", username="sara")


@pytest.fixture
def sven(make_user):
    """School staff at Ekbackeskolan, the case's mentor."""
    return make_user("school_staff", username="sven")


@pytest.fixture
def case(organisations, sara, sven):
    """Social services owns it; both guardians and the young person consent for the school,
    in the school category only; social services keeps a note of its own."""
    person = make_person(age=16, recorded_by=organisations["social_services"])
    case = make_case(
        person=person,
        owner=organisations["social_services"],
        coordinator=sara,
        members=[(sven, CaseMember.Role.MENTOR)],
    )
    for relation in ("mother", "father"):
        make_consent(
            case,
            guardian=make_guardian(case, relation=relation),
            organisations=[organisations["school_a"]],
            categories=[Category.SCHOOL],
        )
    make_consent(case, organisations=[organisations["school_a"]], categories=[Category.SCHOOL])
    make_note(case, sara, category=Category.SOCIAL_SERVICES, text=SECRET_NOTE)
    return case


def change_form(user, **changes) -> dict:
    """The admin's change form for `user` as the browser posts it, with `changes` made."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "organisation": user.organisation_id,
        "groups": [group.pk for group in user.groups.all()],
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def admin_url(user) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def test_a_moved_member_no_longer_reads_the_case(client, administrator, sven, case, organisations):
    client.force_login(sven)
    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert SECRET_NOTE not in page.content.decode()  # the school reads school entries only

    client.force_login(administrator)
    response = client.post(
        admin_url(sven), change_form(sven, organisation=organisations["social_services"].pk)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    sven.refresh_from_db()
    assert sven.organisation == organisations["social_services"]
    assert "Sven left 1 case team." in client.get(response["Location"]).content.decode()

    # Now in the owner's organisation, through the old team place he would read the owner's
    # own note; the move ended the place and its grants in the same save.
    client.force_login(sven)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert case.reference not in client.get("/cases/").content.decode()
    assert not CaseMember.objects.filter(user=sven).exists()
    assert not CaseUserObjectPermission.objects.filter(user=sven).exists()


def test_the_move_and_the_ended_membership_are_in_the_sealed_log(
    client, administrator, sven, case, organisations
):
    membership = CaseMember.objects.get(user=sven)
    client.force_login(administrator)
    client.post(admin_url(sven), change_form(sven, organisation=organisations["police"].pk))

    moved = LogEntry.objects.get_for_object(sven).filter(action=LogEntry.Action.UPDATE).latest("id")
    assert "organisation" in moved.changes
    assert moved.actor == administrator
    ended = LogEntry.objects.get_for_object(membership).get(action=LogEntry.Action.DELETE)
    assert ended.actor == administrator
    assert hasattr(moved, "seal") and hasattr(ended, "seal")


def test_the_coordinator_of_an_open_case_cannot_be_moved(
    client, administrator, sara, case, organisations
):
    client.force_login(administrator)
    response = client.post(
        admin_url(sara), change_form(sara, organisation=organisations["school_a"].pk)
    )
    assert response.status_code == 200
    assert "This user coordinates 1 open case" in response.content.decode()
    sara.refresh_from_db()
    assert sara.organisation == organisations["social_services"]
    client.force_login(sara)
    assert client.get(f"/cases/{case.pk}/").status_code == 200


def test_the_coordinator_of_a_closed_case_moves_and_leaves_its_team(
    client, administrator, sara, case, organisations
):
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.CLOSED, closed_on=case.opened_on, closure_reason="goals_met"
    )
    client.force_login(administrator)
    response = client.post(
        admin_url(sara), change_form(sara, organisation=organisations["school_a"].pk)
    )
    assert response.status_code == 302
    client.force_login(sara)
    assert client.get(f"/cases/{case.pk}/").status_code == 404


def test_a_move_outside_the_admin_ends_memberships_too(sven, sara, case, organisations):
    """A command or the shell saves the user the same way: the rule lives with the user."""
    sven.organisation = organisations["social_services"]
    sven.save()
    assert not CaseMember.objects.filter(user=sven).exists()
    assert not CaseUserObjectPermission.objects.filter(user=sven).exists()

    sara.organisation = organisations["school_a"]
    with pytest.raises(ValidationError):
        sara.save()
    sara.refresh_from_db()
    assert sara.organisation == organisations["social_services"]


def test_saving_a_user_without_a_move_keeps_their_memberships(client, administrator, sven, case):
    client.force_login(administrator)
    response = client.post(admin_url(sven), change_form(sven, first_name="Sven-Erik"))
    assert response.status_code == 302
    client.force_login(sven)
    assert client.get(f"/cases/{case.pk}/").status_code == 200


def test_becoming_an_administrator_ends_memberships(client, administrator, sven, case):
    """Administrators never take part in cases (cases.services.member_add refuses them); a new
    role must not keep an old team place."""
    client.force_login(administrator)
    role = Group.objects.get(name="administrator")
    response = client.post(admin_url(sven), change_form(sven, groups=[role.pk], is_staff="on"))
    assert response.status_code == 302
    client.force_login(sven)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert not CaseMember.objects.filter(user=sven).exists()
