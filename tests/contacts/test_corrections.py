"""Corrections with history and voiding (issue 18), and forms that never record twice,
through the pages the users use, checked as the user who should see the effect and as the
one who must not."""

import datetime
import uuid

import pytest
from django.utils import timezone

from contacts import selectors
from contacts.models import Contact, ContactRevision, Place
from stats import tables

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(db):
    return Place.objects.create(name="Resecentrum", kind="station")


@pytest.fixture
def fredrik(make_user):
    return make_user("field_worker", username="fredrik")


def new_contact(client, place, **data):
    payload = {
        "client_token": str(uuid.uuid4()),
        "mode": "group",
        "kind": "street",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place": place.pk,
        "girls": "7",
        "boys": "6",
        "others": "0",
        "not_recorded": "0",
        "age_band": "13_15",
        "note": "Lugn kväll",
    }
    payload.update(data)
    return client.post("/contacts/new/", payload), payload


def correction(contact, **data):
    payload = {
        "occurred_at": timezone.localtime(contact.occurred_at).strftime("%Y-%m-%dT%H:%M"),
        "place": contact.place_id,
        "kind": contact.kind,
        "girls": contact.girls,
        "boys": contact.boys,
        "others": contact.others,
        "not_recorded": contact.not_recorded,
        "age_band": contact.age_band,
        "note": contact.note,
    }
    payload.update(data)
    return payload


def group_total(year):
    return tables.build("contacts_group", "year", year).protected.grand_total


def test_the_recorder_corrects_and_the_original_stays_in_the_history(
    client, fredrik, place, make_user
):
    client.force_login(fredrik)
    new_contact(client, place)
    contact = Contact.objects.get()
    year = contact.occurred_at.year
    assert group_total(year) == 13

    response = client.post(
        f"/contacts/{contact.pk}/correct/",
        correction(contact, girls="9", reason="Räknade fel"),
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.girls == 9
    assert group_total(year) == 15  # statistics count the corrected value
    revision = ContactRevision.objects.get()
    assert revision.changed_by == fredrik and revision.change == "corrected"

    coordinator = make_user("coordinator", username="sara")  # same organisation
    client.force_login(coordinator)
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Räknade fel" in page
    history = page[page.index('id="history-heading"') :]
    assert '<dd class="prewrap">7</dd>' in history  # the value before the correction


def test_only_the_recorder_or_their_coordinator_may_correct(client, fredrik, place, make_user):
    client.force_login(fredrik)
    new_contact(client, place)
    contact = Contact.objects.get()
    colleague = make_user("field_worker", username="kim")  # reads it, did not record it
    outsider = make_user("coordinator", organisation="leisure", username="lo")

    client.force_login(colleague)
    assert client.get(f"/contacts/{contact.pk}/").status_code == 200
    assert b"/correct/" not in client.get(f"/contacts/{contact.pk}/").content
    response = client.post(f"/contacts/{contact.pk}/correct/", correction(contact, girls="1"))
    assert response.status_code == 403
    response = client.post(f"/contacts/{contact.pk}/void/", {"reason": "Fel"})
    assert response.status_code == 403

    client.force_login(outsider)
    response = client.post(f"/contacts/{contact.pk}/correct/", correction(contact, girls="1"))
    assert response.status_code == 404

    contact.refresh_from_db()
    assert (contact.girls, contact.voided_at) == (7, None)

    coordinator = make_user("coordinator", username="sara")
    client.force_login(coordinator)
    response = client.post(f"/contacts/{contact.pk}/correct/", correction(contact, girls="8"))
    assert response.status_code == 302
    client.force_login(fredrik)
    assert "8" in client.get(f"/contacts/{contact.pk}/").content.decode().split("Flickor")[1][:40]


def test_correction_only_within_the_window_but_voiding_at_any_time(
    client, fredrik, place, settings
):
    settings.SSPF_CORRECTION_DAYS = 14
    client.force_login(fredrik)
    new_contact(client, place)
    contact = Contact.objects.get()
    Contact.objects.filter(pk=contact.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=15)
    )
    contact.refresh_from_db()

    assert b"/correct/" not in client.get(f"/contacts/{contact.pk}/").content
    response = client.post(f"/contacts/{contact.pk}/correct/", correction(contact, girls="1"))
    assert response.status_code == 200
    assert "14" in response.content.decode()
    contact.refresh_from_db()
    assert contact.girls == 7 and not ContactRevision.objects.exists()

    confirm = client.get(f"/contacts/{contact.pk}/void/")
    assert confirm.status_code == 200 and b'name="reason"' in confirm.content
    assert client.post(f"/contacts/{contact.pk}/void/", {"reason": ""}).status_code == 200
    assert Contact.objects.get().voided_at is None
    response = client.post(f"/contacts/{contact.pk}/void/", {"reason": "Dubbelregistrerad"})
    assert response.status_code == 302
    assert Contact.objects.get().voided_at is not None


def test_a_voided_contact_is_excluded_from_every_count(client, fredrik, place, make_user):
    night = timezone.localtime().replace(hour=22, minute=0) - datetime.timedelta(days=1)
    client.force_login(fredrik)
    new_contact(client, place, occurred_at=night.strftime("%Y-%m-%dT%H:%M"))
    new_contact(client, place, occurred_at=night.strftime("%Y-%m-%dT%H:%M"), girls="5")
    first, second = Contact.objects.order_by("pk")
    year = night.year
    coordinator = make_user("coordinator", username="sara")

    def overview_contacts():
        rows = selectors.night_and_weekend_overview(coordinator, weeks=2)
        return sum(row["contacts"] for row in rows)

    assert group_total(year) == 13 + 11 and overview_contacts() == 2

    client.post(f"/contacts/{second.pk}/void/", {"reason": "Fel plats"})

    assert group_total(year) == 13
    assert overview_contacts() == 1
    client.force_login(coordinator)
    page = client.get("/contacts/overview/?weeks=2").content.decode()
    assert page.count("Resecentrum") == 1 and ">2</td>" not in page
    # The voided contact stays readable, marked, with the reason in its history.
    client.force_login(fredrik)
    detail = client.get(f"/contacts/{second.pk}/").content.decode()
    assert "Fel plats" in detail and "flag-warning" in detail
    assert b"/correct/" not in client.get(f"/contacts/{second.pk}/").content


def test_back_and_resubmit_shows_the_first_contact_instead_of_a_second(client, fredrik, place):
    client.force_login(fredrik)
    response, payload = new_contact(client, place)
    assert response.url == "/contacts/new/"
    again = client.post("/contacts/new/", payload)
    contact = Contact.objects.get()
    assert again.status_code == 302 and again.url == f"/contacts/{contact.pk}/"
    assert Contact.objects.count() == 1


def test_a_bad_number_in_the_hidden_named_part_does_not_block_a_group_contact(
    client, fredrik, place
):
    client.force_login(fredrik)
    response, _payload = new_contact(client, place, personnummer="19990101-0000")
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.young_person_id is None and contact.girls == 7


def test_after_an_error_the_next_new_form_is_empty_with_a_new_token(client, fredrik, place):
    client.force_login(fredrik)
    bad, payload = new_contact(client, place, girls="0", boys="0")
    assert bad.status_code == 200 and payload["client_token"] in bad.content.decode()
    fixed = client.post("/contacts/new/", {**payload, "girls": "2"})
    assert fixed.status_code == 302
    empty = client.get("/contacts/new/").content.decode()
    assert payload["client_token"] not in empty and "Lugn kväll" not in empty
    assert "data-saved" in empty  # the browser is told to delete its draft


def test_detail_page_with_history_has_a_query_budget(
    client, fredrik, place, django_assert_max_num_queries
):
    client.force_login(fredrik)
    new_contact(client, place)
    contact = Contact.objects.get()
    for girls in range(8, 14):
        client.post(f"/contacts/{contact.pk}/correct/", correction(contact, girls=str(girls)))
        contact.refresh_from_db()
    assert ContactRevision.objects.count() == 6
    with django_assert_max_num_queries(25):
        response = client.get(f"/contacts/{contact.pk}/")
    assert response.status_code == 200
