"""The printed agenda: one clean page, no navigation, never a protected identity."""

from django.urls import reverse

from audit.models import LogEntry
from cases.models import CaseMember
from meetings import services
from tests.cases.factories import make_case, make_consent, make_guardian, make_person
from tests.meetings.conftest import convene


def test_the_print_view_has_no_navigation_and_names_only_what_the_reader_may_see(
    client, people, network_meeting, shared_case
):
    services.agenda_item_add(by=people["coordinator"], meeting=network_meeting, topic="Skolan")
    client.force_login(people["school_staff"])
    page = client.get(reverse("meetings:print", args=[network_meeting.pk])).content.decode()
    assert "<nav" not in page and "site-header" not in page and "Log out" not in page
    assert "Skolan" in page and shared_case.reference in page
    # Through the case's consent, the owner's record of the name.
    assert "Elinorea Bergholmsvik" in page
    assert shared_case.young_person.personnummer not in page


def test_a_protected_identity_is_never_printed_not_even_for_the_protecting_organisation(
    client, people, organisations
):
    social = organisations["social_services"]
    person = make_person(
        age=15, protected=True, recorded_by=social, given="Kimberlina", family="Doldström"
    )
    case = make_case(
        person=person,
        owner=social,
        coordinator=people["coordinator"],
        members=[(people["school_staff"], CaseMember.Role.MENTOR)],
    )
    for guardian in (make_guardian(case), make_guardian(case, relation="father")):
        make_consent(case, guardian=guardian, organisations=[organisations["school_a"]])
    make_consent(case, organisations=[organisations["school_a"]])
    meeting = convene(people["coordinator"], case=case)
    for user in (people["coordinator"], people["school_staff"]):
        client.force_login(user)
        page = client.get(reverse("meetings:print", args=[meeting.pk])).content.decode()
        assert "Protected identity" in page
        assert "Kimberlina" not in page and "Doldström" not in page
    client.force_login(people["coordinator"])
    detail = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    # On screen the protecting organisation sees its own record.
    assert "Kimberlina Doldström" in detail


def test_reading_a_meeting_is_logged_with_the_minutes_shown(client, people, network_meeting):
    item = services.agenda_item_add(by=people["coordinator"], meeting=network_meeting, topic="A")
    services.minutes_record(
        by=people["coordinator"], item=item, minutes="Protokoll", category="school"
    )
    client.force_login(people["school_staff"])
    client.get(reverse("meetings:detail", args=[network_meeting.pk]))
    entry = LogEntry.objects.get(
        actor=people["school_staff"], action=LogEntry.Action.ACCESS, object_id=network_meeting.pk
    )
    assert entry.additional_data["minutes"] == [item.pk]
    client.force_login(people["leisure_staff"])
    assert client.get(reverse("meetings:detail", args=[network_meeting.pk])).status_code == 404
    assert LogEntry.objects.filter(
        actor=people["leisure_staff"], additional_data={"denied": True}
    ).exists()
