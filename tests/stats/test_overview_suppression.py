"""The night-and-weekend overview (contacts) goes through the same disclosure control."""

import datetime

from django.utils import timezone

from contacts.models import Contact, Place


def test_small_head_counts_are_suppressed_on_the_overview(client, make_user):
    worker, coordinator = make_user("field_worker"), make_user("coordinator")
    place = Place.objects.create(name="Stationen", kind="station")
    saturday = timezone.localdate() - datetime.timedelta(
        days=(timezone.localdate().weekday() - 5) % 7 or 7
    )
    Contact.objects.create(
        occurred_at=timezone.make_aware(datetime.datetime.combine(saturday, datetime.time(23))),
        place=place,
        kind="street",
        recorded_by=worker,
        organisation=worker.organisation,
        category="social_services",
        girls=2,
        boys=9,
    )
    client.force_login(coordinator)
    page = client.get("/contacts/overview/").content.decode()
    row = page[page.index("Stationen") :].split("</tr>")[0]
    assert 'class="suppressed"' in row
    assert ">2</td>" not in row and ">9</td>" not in row  # 9 would give 2 away
    assert ">0</td>" in row  # zero stays zero
