"""The contact police officer's home page says which of their schools still need a visit this
term (issue 18: home pages show what needs them), and a visit recorded on "My schools" takes
the school off the list."""

import uuid

import pytest
from django.utils import timezone

from schools.models import SchoolVisit
from tests.schools.factories import SchoolFactory, assign

pytestmark = pytest.mark.django_db


def due_section(client) -> str:
    html = client.get("/").content.decode()
    start = html.index('id="visits-due-heading"')
    return html[start : html.index("</section>", start)]


def test_due_visits_on_the_officers_home_page(client, pelle, petra, schools, organisations):
    third = SchoolFactory(name="Hagaskolan", organisation=organisations["school_a"])
    assign(pelle, third)
    client.force_login(pelle)
    due = due_section(client)
    assert "Ekbackeskolan" in due and "Hagaskolan" in due
    assert "Lindängsskolan" not in due  # not one of pelle's schools

    response = client.post(
        f"/schools/{schools['a'].pk}/visits/new/",
        {
            "date": timezone.localdate().isoformat(),
            "purpose": "class_visit",
            "note": "",
            "form_token": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    due = due_section(client)
    assert "Ekbackeskolan" not in due and "Hagaskolan" in due

    # A voided visit does not count as a visit.
    SchoolVisit.objects.filter(school=schools["a"]).update(voided_at=timezone.now())
    assert "Ekbackeskolan" in due_section(client)

    # Another officer's home is about their own schools only.
    client.force_login(petra)
    due = due_section(client)
    assert "Lindängsskolan" in due and "Hagaskolan" not in due and "Ekbackeskolan" not in due


def test_no_due_visits_panel_for_other_roles(client, make_user):
    client.force_login(make_user("field_worker"))
    assert 'id="visits-due-heading"' not in client.get("/").content.decode()


def test_the_panel_costs_the_same_with_2_and_20_schools(
    client, pelle, organisations, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(pelle)
    client.get("/")  # once per process, the permission ids are read and kept (cases/access.py)
    counts = []
    for extra in (1, 18):
        for _n in range(extra):
            assign(pelle, SchoolFactory(organisation=organisations["school_a"]))
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(16):
        client.get("/")
