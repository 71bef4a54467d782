"""My meetings, the home page's invitations, and the iCalendar feed at a secret address."""

import datetime
import re

import icalendar
from django.urls import reverse

from cases.services import consent_withdraw
from meetings import services
from meetings.models import CalendarFeed, Level, Meeting
from tests.meetings.conftest import convene


def _feed_url(client, user):
    client.force_login(user)
    client.post(reverse("meetings:calendar"), {"action": "renew"})
    page = client.get(reverse("meetings:calendar")).content.decode()
    return re.search(r'value="(http://testserver/meetings/calendar/[^"]+\.ics)"', page).group(1)


def test_the_feed_holds_no_name_and_is_refused_after_revoking(
    client, people, network_meeting, shared_case
):
    services.invite(by=people["coordinator"], meeting=network_meeting, user=people["school_staff"])
    convene(people["coordinator"], level=Level.OPERATIONAL, days=3)  # not invited: not in it
    url = _feed_url(client, people["school_staff"])
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert not CalendarFeed.objects.filter(token_hash=token).exists()  # only a hash is kept
    client.logout()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 1
    assert str(events[0]["summary"]) == f"SSPF: Network meeting {shared_case.reference}"
    assert str(events[0]["location"]) == "Stadshuset, rum 3"
    person = shared_case.young_person
    for secret in ("Elinorea", "Bergholmsvik", person.personnummer, person.personnummer[2:8]):
        assert secret not in body
    assert people["school_staff"].last_name not in body

    # Shown once: the page no longer holds the address.
    client.force_login(people["school_staff"])
    assert token not in client.get(reverse("meetings:calendar")).content.decode()
    client.post(reverse("meetings:calendar"), {"action": "revoke"})
    client.logout()
    assert client.get(url).status_code == 404
    assert client.get("/meetings/calendar/bogus.ics").status_code == 404


def test_a_new_address_replaces_the_old_one(client, people):
    first = _feed_url(client, people["school_staff"])
    second = _feed_url(client, people["school_staff"])
    client.logout()
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_the_case_reference_leaves_the_feed_when_consent_is_withdrawn(
    client, people, network_meeting, shared_case
):
    services.invite(by=people["coordinator"], meeting=network_meeting, user=people["school_police"])
    url = _feed_url(client, people["school_police"])
    assert shared_case.reference in client.get(url).content.decode()
    consent_withdraw(by=people["coordinator"], consent=shared_case.own_consent, reason="Återkallat")
    body = client.get(url).content.decode()
    assert shared_case.reference not in body and "Network meeting" in body


def test_my_meetings_upcoming_and_past_within_a_query_budget(
    client, people, django_assert_max_num_queries
):
    for days in (5, 6, 7, 8):
        convene(people["coordinator"], level=Level.STEERING, days=days)
    for days in (-20, -10):
        meeting = convene(people["coordinator"], level=Level.STEERING, days=1)
        Meeting.objects.filter(pk=meeting.pk).update(
            date=datetime.date.today() + datetime.timedelta(days=days)
        )
    client.force_login(people["coordinator"])
    with django_assert_max_num_queries(12):
        upcoming = client.get(reverse("meetings:list")).content.decode()
    with django_assert_max_num_queries(12):
        past = client.get(reverse("meetings:list") + "?when=past").content.decode()
    assert upcoming.count("Steering group") == 4 and past.count("Steering group") == 2
    client.force_login(people["school_police"])
    assert "No upcoming meetings." in client.get(reverse("meetings:list")).content.decode()


def test_the_home_page_query_count_does_not_grow_with_invitations(client, people, shared_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def home_queries():
        client.force_login(people["school_staff"])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return len(queries)

    meeting = convene(people["coordinator"], case=shared_case)
    services.invite(by=people["coordinator"], meeting=meeting, user=people["school_staff"])
    one = home_queries()
    for days in range(8, 14):
        meeting = convene(people["coordinator"], case=shared_case, days=days)
        services.invite(by=people["coordinator"], meeting=meeting, user=people["school_staff"])
    assert home_queries() == one
