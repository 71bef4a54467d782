import pytest
from django.utils import timezone

from schools.models import Assignment

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_coordinator_starts_an_assignment(client, coordinator, make_user, schools):
    officer = make_user("school_police")
    client.force_login(coordinator)
    response = client.post(
        "/schools/assignments/new/",
        {
            "school": schools["a"].pk,
            "kind": "police_contact",
            "user": officer.pk,
            "start_date": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    assert Assignment.objects.get().user == officer
    client.force_login(officer)
    assert "Ekbackeskolan" in client.get("/schools/").content.decode()


def test_non_police_user_gets_a_clear_message(client, coordinator, make_user, schools):
    staff = make_user("field_worker")
    client.force_login(coordinator)
    response = client.post(
        "/schools/assignments/new/",
        {
            "school": schools["a"].pk,
            "kind": "police_contact",
            "user": staff.pk,
            "start_date": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200
    assert (
        "Bara den som tillhör en polisorganisation kan vara kontaktpolis"
        in response.content.decode()
    )
    assert not Assignment.objects.exists()


def test_overlap_gets_a_clear_message(client, coordinator, pelle, schools):
    client.force_login(coordinator)
    response = client.post(
        "/schools/assignments/new/",
        {
            "school": schools["a"].pk,
            "kind": "police_contact",
            "user": pelle.pk,
            "start_date": TODAY.isoformat(),
        },
    )
    assert "har redan ett sådant uppdrag" in response.content.decode()
    assert Assignment.objects.count() == 1


def test_ending_asks_first_then_ends(client, coordinator, pelle, schools):
    assignment = Assignment.objects.get(user=pelle)
    client.force_login(coordinator)
    page = client.get(f"/schools/assignments/{assignment.pk}/end/")
    assert "Det går inte att ångra" in page.content.decode()
    assignment.refresh_from_db()
    assert assignment.end_date is None  # a GET changes nothing
    response = client.post(
        f"/schools/assignments/{assignment.pk}/end/", {"end_date": TODAY.isoformat()}
    )
    assert response.status_code == 302
    client.force_login(pelle)
    assert client.get(f"/schools/{schools['a'].pk}/").status_code == 404


def test_history_keeps_ended_assignments(client, coordinator, pelle, schools):
    Assignment.objects.filter(user=pelle).update(end_date=TODAY)
    client.force_login(coordinator)
    html = client.get("/schools/assignments/").content.decode()
    assert "avslutat" in html
    html = client.get("/schools/assignments/?current=on").content.decode()
    assert "Inga uppdrag matchar" in html


def test_list_is_paginated_within_a_query_budget(
    client, coordinator, make_user, django_assert_max_num_queries
):
    from tests.schools.factories import SchoolFactory, assign

    officer = make_user("school_police")
    for _ in range(60):
        assign(officer, SchoolFactory())
    client.force_login(coordinator)
    with django_assert_max_num_queries(12):
        response = client.get("/schools/assignments/")
    assert "Sida 1 av 2" in response.content.decode()
    with django_assert_max_num_queries(12):
        assert client.get("/schools/assignments/?page=2").status_code == 200
