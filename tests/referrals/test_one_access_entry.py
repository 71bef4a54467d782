"""The referral page leaves one ACCESS entry per view; when it shows who the young person is,
the entry says so and the person's extract lists it (issue #15)."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import LogEntry
from tests.cases.factories import make_person
from tests.referrals.conftest import make_referral

pytestmark = pytest.mark.django_db


def page_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def last_id() -> int:
    return LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_the_sender_reads_the_referral_and_the_person_in_one_entry(people, organisations):
    person = make_person(
        age=16, given="Tindraline", family="Korpholm", recorded_by=organisations["social_services"]
    )
    referral = make_referral(people["social"], organisations["mediation"], person=person)
    before = last_id()
    response = page_as(people["social"]).get(reverse("referrals:detail", args=[referral.pk]))
    assert response.status_code == 200
    assert "Tindraline" in response.content.decode()
    logged = list(LogEntry.objects.filter(pk__gt=before))
    assert len(logged) == 1
    assert logged[0].object_id == referral.pk
    assert logged[0].additional_data == {"side": "sender", "young_person": person.pk}

    extract = page_as(people["auditor"]).get(reverse("audit:person_extract", args=[person.pk]))
    assert logged[0].pk in [row["id"] for row in extract.context["rows"]]


def test_the_receiver_is_not_shown_the_identity_and_not_logged_as_reading_it(people, organisations):
    person = make_person(
        age=16, given="Tindraline", family="Korpholm", recorded_by=organisations["social_services"]
    )
    referral = make_referral(people["social"], organisations["mediation"], person=person)
    before = last_id()
    response = page_as(people["mediator"]).get(reverse("referrals:detail", args=[referral.pk]))
    assert response.status_code == 200
    logged = list(LogEntry.objects.filter(pk__gt=before))
    assert len(logged) == 1
    assert logged[0].additional_data == {"side": "receiver"}
