import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import LogEntry
from schools.models import Assignment, SchoolVisit
from schools.terms import Term
from tests.schools.factories import SchoolFactory, assign

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_officer_sees_exactly_the_assigned_schools(client, pelle, petra, schools):
    client.force_login(pelle)
    html = client.get("/schools/").content.decode()
    assert "Ekbackeskolan" in html
    assert "Lindängsskolan" not in html


def test_the_page_shows_other_contacts_and_the_missing_visit(client, pelle, fia, schools):
    client.force_login(pelle)
    html = client.get("/schools/").content.decode()
    assert fia.get_full_name() in html
    assert "Inget besök registrerat denna termin" in html
    SchoolVisit.objects.create(
        school=schools["a"], officer=pelle, date=TODAY, purpose="class_visit"
    )
    html = client.get("/schools/").content.decode()
    assert "Inget besök registrerat denna termin" not in html


def test_visits_of_last_term_are_shown_too(client, pelle, schools):
    last_term = Term.of(TODAY).previous()
    SchoolVisit.objects.create(
        school=schools["a"], officer=pelle, date=last_term.start, purpose="parents_meeting"
    )
    client.force_login(pelle)
    html = client.get("/schools/").content.decode()
    assert str(last_term) in html
    assert "föräldramöte" in html


def test_an_ended_assignment_hides_the_school(client, pelle, schools):
    Assignment.objects.filter(user=pelle).update(end_date=TODAY)
    client.force_login(pelle)
    assert "Ekbackeskolan" not in client.get("/schools/").content.decode()
    assert client.get(f"/schools/{schools['a'].pk}/").status_code == 404


def test_another_schools_page_is_a_404_and_the_attempt_is_logged(client, pelle, schools):
    client.force_login(pelle)
    response = client.get(f"/schools/{schools['b'].pk}/")
    assert response.status_code == 404
    entry = LogEntry.objects.get(additional_data={"denied": True})
    assert (entry.actor, entry.object_pk) == (pelle, str(schools["b"].pk))


def test_field_worker_sees_the_school_but_cannot_log_visits(client, fia, schools):
    client.force_login(fia)
    html = client.get("/schools/").content.decode()
    assert "Ekbackeskolan" in html
    assert "Registrera ett besök" not in html
    assert client.get(f"/schools/{schools['a'].pk}/visits/new/").status_code == 403


def test_empty_state_without_assignments(client, make_user):
    client.force_login(make_user("school_police"))
    assert "Du har inga skoluppdrag just nu" in client.get("/schools/").content.decode()


def _schools_with_contacts(count, make_user, officer):
    colleague = make_user("school_police")
    worker = make_user("field_worker")
    for _ in range(count):
        school = SchoolFactory()
        for user in (officer, colleague, worker):
            assign(user, school)
        for days in (1, 200):
            SchoolVisit.objects.create(
                school=school,
                officer=colleague,
                purpose="other",
                date=TODAY - datetime.timedelta(days=days),
            )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_schools(
    client, make_user, organisations, django_assert_max_num_queries, capsys
):
    officer = make_user("school_police")
    client.force_login(officer)
    _schools_with_contacts(10, make_user, officer)
    with django_assert_max_num_queries(12):
        ten = count_queries(client, "/schools/")
    _schools_with_contacts(90, make_user, officer)
    hundred = count_queries(client, "/schools/")
    with capsys.disabled():
        print(f"\n[queries] my schools: {ten} with 10 schools, {hundred} with 100")
    assert hundred == ten


def test_school_page_query_budget(client, pelle, schools, django_assert_max_num_queries):
    for days in range(1, 40):
        SchoolVisit.objects.create(
            school=schools["a"],
            officer=pelle,
            purpose="other",
            date=TODAY - datetime.timedelta(days=days),
        )
    client.force_login(pelle)
    with django_assert_max_num_queries(14):
        response = client.get(f"/schools/{schools['a'].pk}/")
    assert response.status_code == 200
    assert "Sida 1 av 2" in response.content.decode()
