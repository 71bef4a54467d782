"""A visit needs a deliberate choice, is recorded once per form, and can be corrected within
the window and voided with a reason by the officer; coverage skips voided visits."""

import datetime
import uuid

import pytest
from django.utils import timezone

from schools import selectors
from schools.models import SchoolVisit, VisitRevision

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_an_untouched_visit_form_records_nothing(client, pelle, schools):
    client.force_login(pelle)
    page = client.get(f"/schools/{schools['a'].pk}/visits/new/").content.decode()
    token = page.split('name="form_token" value="')[1].split('"')[0]
    response = client.post(f"/schools/{schools['a'].pk}/visits/new/", {"form_token": token})
    assert response.status_code == 200 and not SchoolVisit.objects.exists()


def test_back_and_resubmit_shows_the_first_visit(client, pelle, schools):
    client.force_login(pelle)
    payload = {"date": TODAY.isoformat(), "purpose": "class_visit", "form_token": uuid.uuid4()}
    first = client.post(f"/schools/{schools['a'].pk}/visits/new/", payload)
    again = client.post(f"/schools/{schools['a'].pk}/visits/new/", payload)
    visit = SchoolVisit.objects.get()
    assert first.status_code == 302 and again.url == f"/schools/visits/{visit.pk}/"


def test_officer_corrects_and_voids_and_coverage_follows(client, pelle, petra, schools, settings):
    client.force_login(pelle)
    payload = {"date": TODAY.isoformat(), "purpose": "class_visit", "form_token": uuid.uuid4()}
    client.post(f"/schools/{schools['a'].pk}/visits/new/", payload)
    visit = SchoolVisit.objects.get()

    client.force_login(petra)  # a police colleague who did not record it
    assert client.post(f"/schools/visits/{visit.pk}/void/", {"reason": "x"}).status_code in (
        403,
        404,
    )

    client.force_login(pelle)
    response = client.post(
        f"/schools/visits/{visit.pk}/correct/",
        {"date": TODAY.isoformat(), "purpose": "parents_meeting", "reason": "Fel syfte"},
    )
    assert response.status_code == 302
    page = client.get(f"/schools/visits/{visit.pk}/").content.decode()
    assert "Fel syfte" in page and VisitRevision.objects.count() == 1

    SchoolVisit.objects.filter(pk=visit.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=settings.SSPF_CORRECTION_DAYS + 1)
    )
    late = client.post(
        f"/schools/visits/{visit.pk}/correct/",
        {"date": TODAY.isoformat(), "purpose": "other"},
    )
    assert late.status_code == 200
    assert SchoolVisit.objects.get().purpose == "parents_meeting"

    row = next(r for r in selectors.coverage(TODAY).rows if r.school == schools["a"])
    assert row.visited_this_term
    client.post(f"/schools/visits/{visit.pk}/void/", {"reason": "Besöket blev inställt"})
    row = next(r for r in selectors.coverage(TODAY).rows if r.school == schools["a"])
    assert not row.visited_this_term
    assert "Besöket blev inställt" in client.get(f"/schools/visits/{visit.pk}/").content.decode()
