"""A target SSPF can count itself (issue 14: "computed from the system's own data where it
holds them"): the follow-up shows the count of the year, as published after disclosure
control; a value the coordinator enters for a year wins."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from stats.models import Target
from tests.cases.factories import make_case, make_person
from tests.once import form_token

pytestmark = pytest.mark.django_db
# The follow-up is of a finished year.
YEAR = datetime.date.today().year - 1


def open_cases(coordinator, count, year):
    for _ in range(count):
        case = make_case(
            person=make_person(age=15, recorded_by=coordinator.organisation),
            owner=coordinator.organisation,
            coordinator=coordinator,
        )
        Case.objects.filter(pk=case.pk).update(opened_on=datetime.date(year, 3, 1))


def target_row(html, name):
    start = html.index(name)
    return html[start : html.index("</tr>", start)]


def test_a_counted_target_shows_the_years_count_and_an_entered_value_wins(client, make_user):
    coordinator = make_user("coordinator")
    client.force_login(coordinator)
    response = client.post(
        "/stats/targets/",
        {
            "name": "Nya SSPF-ärenden",
            "baseline_year": 2020,
            "baseline_value": "10",
            "yearly_change": "-5",
            "direction": "decrease",
            "measure": "cases_new",
            "form_token": form_token(client, "/stats/targets/"),
        },
    )
    assert response.status_code == 302
    assert Target.objects.get().measure == "cases_new"
    open_cases(coordinator, 7, YEAR)
    open_cases(coordinator, 2, YEAR - 1)

    # Seen by a steering-group member: the year's count; last year's 2 is suppressed.
    client.force_login(make_user("steering_group"))
    row = target_row(client.get(f"/stats/follow-up/?year={YEAR}").content.decode(), "Nya SSPF")
    assert "7 <" in row and "räknat i SSPF" in row
    assert "skyddat" not in row
    # The year before: 2 new cases, a total below the threshold, shown as suppressed.
    row = target_row(client.get(f"/stats/follow-up/?year={YEAR - 1}").content.decode(), "Nya SSPF")
    assert "skyddat" in row and "räknat i SSPF" not in row

    # An entered value for the year wins over the count.
    client.force_login(coordinator)
    target = Target.objects.get()
    url = f"/stats/targets/{target.pk}/values/new/"
    entered = client.post(
        url,
        {
            "year": YEAR,
            "value": "9",
            "source": "Rättad av samordnaren",
            "entered_on": datetime.date.today().isoformat(),
            "form_token": form_token(client, url),
        },
    )
    assert entered.status_code == 302
    row = target_row(client.get(f"/stats/follow-up/?year={YEAR}").content.decode(), "Nya SSPF")
    assert "Rättad av samordnaren" in row and "räknat i SSPF" not in row


def test_counted_targets_cost_one_table_per_measure(client, make_user):
    coordinator = make_user("coordinator")
    client.force_login(coordinator)
    counts = []
    for n in (1, 4):
        for i in range(n):
            Target.objects.create(
                name=f"Mål {n}-{i}",
                baseline_year=2020,
                baseline_value=10,
                yearly_change=-5,
                direction="decrease",
                measure="cases_new",
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/stats/follow-up/?year={YEAR}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
