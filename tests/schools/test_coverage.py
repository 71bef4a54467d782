import csv
import datetime
import io
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from schools.models import SchoolVisit
from schools.terms import Term
from tests.schools.factories import SchoolFactory, assign

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def covered(make_user, schools, pelle, fia):
    """Ekbackeskolan: two police contacts, a field worker, visited this term.
    Lindängsskolan: one police contact, visited last term only."""
    assign(make_user("school_police"), schools["a"])
    SchoolVisit.objects.create(school=schools["a"], officer=pelle, date=TODAY, purpose="other")
    lind_officer = make_user("school_police")
    assign(lind_officer, schools["b"])
    SchoolVisit.objects.create(
        school=schools["b"],
        officer=lind_officer,
        purpose="other",
        date=Term.of(TODAY).previous().start,
    )
    return schools


def row_of(html: str, school: str) -> str:
    start = html.index(f">{school}</a></th>")
    return html[start : html.index("</tr>", start)]


def test_coverage_marks_too_few_police_and_a_missing_visit(client, coordinator, covered):
    client.force_login(coordinator)
    html = client.get("/schools/coverage/").content.decode()
    ekbacke, lindang = row_of(html, "Ekbackeskolan"), row_of(html, "Lindängsskolan")
    assert "2 / 2" in ekbacke and "saknas" not in ekbacke.split("</td>")[0]
    assert "1 / 2" in lindang and "1 saknas" in lindang
    this_term_cell = lambda row: row.split("<td")[-1]  # noqa: E731
    assert "ej besökt" not in this_term_cell(ekbacke)
    assert "ej besökt" in this_term_cell(lindang)
    assert "gap" in this_term_cell(lindang)


def test_target_is_configurable(client, coordinator, covered, settings):
    settings.SSPF_POLICE_CONTACTS_PER_SCHOOL = 3
    client.force_login(coordinator)
    html = client.get("/schools/coverage/").content.decode()
    assert "2 / 3" in row_of(html, "Ekbackeskolan")


def test_an_officer_logs_a_visit_and_coverage_shows_it(client, coordinator, covered, petra):
    this_term_cell = lambda row: row.split("<td")[-1]  # noqa: E731
    client.force_login(coordinator)
    assert "ej besökt" in this_term_cell(
        row_of(client.get("/schools/coverage/").content.decode(), "Lindängsskolan")
    )
    client.force_login(petra)
    client.post(
        f"/schools/{covered['b'].pk}/visits/new/",
        {"date": TODAY.isoformat(), "purpose": "class_visit", "form_token": str(uuid.uuid4())},
    )
    client.force_login(coordinator)
    html = client.get("/schools/coverage/").content.decode()
    assert "ej besökt" not in this_term_cell(row_of(html, "Lindängsskolan"))


def test_csv_opens_in_swedish_excel(client, coordinator, covered):
    client.force_login(coordinator)
    response = client.get("/schools/coverage.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:6] == ["Skola", "Stadium", "Område", "Kontaktpoliser", "Mål", "Fältsekreterare"]
    assert rows[0][6:] == [str(term) for term in Term.of(TODAY).last(4)]
    lindang = next(row for row in rows if row[0] == "Lindängsskolan")
    assert lindang[3:6] == ["1", "2", "0"]
    assert lindang[-1] == "nej" and lindang[-2] == "ja"


def test_inactive_schools_are_left_out(client, coordinator, covered):
    covered["b"].active = False
    covered["b"].save()
    client.force_login(coordinator)
    assert "Lindängsskolan" not in client.get("/schools/coverage/").content.decode()


def test_empty_state(client, coordinator):
    client.force_login(coordinator)
    assert "Det finns inga aktiva skolor" in client.get("/schools/coverage/").content.decode()


def _many_schools(count, make_user):
    officer, worker = make_user("school_police"), make_user("field_worker")
    for n in range(count):
        school = SchoolFactory()
        assign(officer, school)
        assign(worker, school)
        SchoolVisit.objects.create(
            school=school,
            officer=officer,
            purpose="other",
            date=TODAY - datetime.timedelta(days=n * 3),
        )


def test_query_count_does_not_grow_with_the_schools(
    client, coordinator, make_user, django_assert_max_num_queries, capsys
):
    client.force_login(coordinator)
    counts = {}
    for total, add in ((10, 10), (100, 90)):
        _many_schools(add, make_user)
        for url in ("/schools/coverage/", "/schools/coverage.csv"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts[(url, total)] = len(queries)
    with capsys.disabled():
        print(f"\n[queries] coverage: {counts}")
    assert counts[("/schools/coverage/", 10)] == counts[("/schools/coverage/", 100)] <= 10
    assert counts[("/schools/coverage.csv", 10)] == counts[("/schools/coverage.csv", 100)] <= 10
