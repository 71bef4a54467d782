"""Group-level meetings never name individuals (DESIGN §7): no case on an agenda item, no
personnummer in their minutes, topics or decisions."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from meetings import services
from meetings.models import AgendaItem, Decision, Level
from meetings.screening import has_personnummer
from tests.meetings.conftest import convene
from tests.once import post_form


def test_an_operational_item_that_links_a_case_is_refused_by_the_service(
    people, operational_meeting, shared_case
):
    with pytest.raises(ValidationError) as refused:
        services.agenda_item_add(
            by=people["coordinator"], meeting=operational_meeting, topic="Läget", case=shared_case
        )
    assert "never name individuals" in str(refused.value)
    assert not AgendaItem.objects.filter(meeting=operational_meeting).exists()


@pytest.mark.parametrize("level", [Level.OPERATIONAL, Level.STEERING])
def test_the_database_refuses_a_case_on_a_group_level_item(people, shared_case, level):
    meeting = convene(people["coordinator"], level=level)
    with pytest.raises(IntegrityError), transaction.atomic():
        AgendaItem.objects.create(
            meeting=meeting,
            level=level,
            order=1,
            topic="Läget",
            case=shared_case,
            organisation=people["coordinator"].organisation,
            category="social_services",
        )


def test_the_database_refuses_a_network_meeting_without_a_case_and_a_group_one_with(
    people, shared_case
):
    with pytest.raises(ValidationError):
        convene(people["coordinator"], level=Level.NETWORK, case=None)
    with pytest.raises(ValidationError):
        convene(people["coordinator"], level=Level.STEERING, case=shared_case)
    meeting = convene(people["coordinator"], level=Level.STEERING)
    meeting.case = shared_case
    with pytest.raises(IntegrityError), transaction.atomic():
        meeting.save()


def test_the_agenda_page_cannot_sneak_a_case_onto_an_operational_item(
    client, people, operational_meeting, shared_case
):
    client.force_login(people["coordinator"])
    response = post_form(
        client,
        reverse("meetings:item_new", args=[operational_meeting.pk]),
        {"topic": "Oro vid Resecentrum", "case": shared_case.pk},
    )
    assert response.status_code == 302
    item = AgendaItem.objects.get(meeting=operational_meeting)
    assert item.case_id is None and item.topic == "Oro vid Resecentrum"


@pytest.mark.parametrize(
    "text",
    [
        "Vi pratade om 200801012387 vid torget.",
        "Eleven 080101-2387 har skolkat.",
        "Eleven 080101+2387 har skolkat.",
        "Eleven 0801 01 - 2387 har skolkat.",
        "Eleven ２００８０１０１－２３８７ har skolkat.",  # full-width digits and hyphen
        "Nummer 20080161 2387 (samordningsnummer).",
    ],
)
def test_minutes_with_a_personnummer_on_a_group_level_meeting_are_refused(
    client, people, operational_meeting, text
):
    item = services.agenda_item_add(
        by=people["coordinator"], meeting=operational_meeting, topic="Läget i centrum"
    )
    client.force_login(people["coordinator"])
    url = reverse("meetings:minutes", args=[operational_meeting.pk, item.pk])
    response = client.post(url, {"minutes": text})
    assert response.status_code == 200
    assert "This looks like a personal identity number" in response.content.decode()
    item.refresh_from_db()
    assert item.minutes == "" and item.minutes_at is None


def test_minutes_without_a_number_are_saved_and_read_by_the_invited(
    client, people, operational_meeting
):
    services.invite(
        by=people["coordinator"], meeting=operational_meeting, user=people["field_worker"]
    )
    item = services.agenda_item_add(
        by=people["coordinator"], meeting=operational_meeting, topic="Läget i centrum"
    )
    client.force_login(people["coordinator"])
    text = "Fler grupper vid Resecentrum efter kl 22; buss 12 går 22:15, tel. 112."
    response = client.post(
        reverse("meetings:minutes", args=[operational_meeting.pk, item.pk]), {"minutes": text}
    )
    assert response.status_code == 302
    client.force_login(people["field_worker"])
    page = client.get(reverse("meetings:detail", args=[operational_meeting.pk]))
    assert text in page.content.decode()
    client.force_login(people["school_police"])  # not invited
    assert client.get(reverse("meetings:detail", args=[operational_meeting.pk])).status_code == 404


def test_a_group_level_decision_or_topic_with_a_number_is_refused(people, operational_meeting):
    with pytest.raises(ValidationError):
        services.agenda_item_add(
            by=people["coordinator"], meeting=operational_meeting, topic="200801012387"
        )
    item = services.agenda_item_add(
        by=people["coordinator"], meeting=operational_meeting, topic="Läget"
    )
    with pytest.raises(ValidationError):
        services.decision_record(
            by=people["coordinator"], item=item, text="Fältarna söker upp 080101-2387"
        )
    assert not Decision.objects.exists()
    services.decision_record(by=people["coordinator"], item=item, text="Fältarna går extra fredag")
    assert Decision.objects.get().plan_item is None


@pytest.mark.parametrize(
    "text,expected",
    [
        ("070-123 45 67", False),  # a phone number in the usual shape
        ("Mötet 2026-03-12 kl 18", False),
        ("Ärende SSPF-2026-0042", False),
        ("123456789012345", False),  # too many digits
        ("081301-2387", False),  # no 13th month
        ("080101-2387", True),
        ("20080101 2387", True),
    ],
)
def test_the_screening_catches_number_shapes_not_every_number(text, expected):
    assert has_personnummer(text) is expected


def test_only_the_invited_staff_are_recorded_at_a_group_level_meeting(people, shared_case):
    meeting = convene(people["coordinator"], level=Level.OPERATIONAL, days=0)
    with pytest.raises(ValidationError):
        services.attendance_record(
            by=people["coordinator"], meeting=meeting, presence={}, young_person_present=True
        )
