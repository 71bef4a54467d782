"""The bench's twins and floor (bench/twins.py, bench/urls.py): mounted only in the bench's
URLconf, behind the login like every page, really without the access rule and the audit (or
every ratio the bench prints would compare a page with itself), and a page or twin that does
not answer as expected stops the bench."""

import pytest
from django.urls import Resolver404, resolve

from audit.models import LogEntry
from bench import measure
from bench.pages import BenchError, Probe
from tests.cases.factories import make_case, make_person

pytestmark = pytest.mark.django_db

BENCH_URLS = [
    "/bench/floor/",
    "/bench/bare/stats/",
    "/bench/cases/",
    "/bench/cases/1/",
    "/bench/contacts/new/",
    "/bench/contacts/",
    "/bench/meetings/prepare/",
    "/bench/referrals/inbox/",
    "/bench/schools/coverage/",
]


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = "bench.urls"


@pytest.fixture
def two_cases(alice, make_user, organisations):
    """Alice's own case, and one of another coordinator that Alice may not read."""
    own = make_case(
        person=make_person(age=15), owner=organisations["social_services"], coordinator=alice
    )
    other = make_case(
        person=make_person(age=14),
        owner=organisations["social_services"],
        coordinator=make_user("coordinator"),
    )
    return own, other


def test_the_site_itself_has_no_bench_pages():
    for url in BENCH_URLS:
        with pytest.raises(Resolver404):
            resolve(url, urlconf="sspf.urls")


@pytest.mark.parametrize("url", BENCH_URLS)
def test_every_bench_page_sends_the_anonymous_visitor_to_the_login(client, bench_urls, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_floor_answers_a_signed_in_user(
    client, bench_urls, alice, django_assert_max_num_queries
):
    client.force_login(alice)
    with django_assert_max_num_queries(6):  # the session, the user and its roles: no more
        response = client.get("/bench/floor/")
    assert response.status_code == 200


def test_the_case_list_twin_lists_what_the_page_hides(client, bench_urls, alice, two_cases):
    own, other = two_cases
    client.force_login(alice)
    page = client.get("/cases/").content.decode()
    twin = client.get("/bench/cases/").content.decode()
    assert own.reference in page and other.reference not in page
    assert own.reference in twin and other.reference in twin


def test_the_case_page_twin_writes_no_access_entry(client, bench_urls, alice, two_cases):
    own, other = two_cases
    client.force_login(alice)
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    assert client.get(f"/bench/cases/{own.pk}/").status_code == 200
    assert client.get(f"/bench/cases/{other.pk}/").status_code == 200  # no check at all
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == before
    assert client.get(f"/cases/{own.pk}/").status_code == 200
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() > before
    assert client.get(f"/cases/{other.pk}/").status_code == 404


def test_a_page_that_does_not_answer_as_expected_stops_the_bench(bench_urls, alice, two_cases):
    own, other = two_cases
    clients = measure.Clients()
    fine = Probe("case page", alice, f"/cases/{own.pk}/", f"/bench/cases/{own.pk}/")
    assert measure.check_and_count(clients, [fine])[("case page", True)].status == 200
    refused = Probe("case page", alice, f"/cases/{other.pk}/", f"/bench/cases/{other.pk}/")
    with pytest.raises(BenchError, match="answered 404, expected 200"):
        measure.check_and_count(clients, [refused])


def test_a_twin_that_errors_stops_the_bench(bench_urls, alice, two_cases):
    own, _ = two_cases
    broken = Probe("case page", alice, f"/cases/{own.pk}/", "/bench/cases/999999/")
    with pytest.raises(Exception, match="does not exist"):
        measure.check_and_count(measure.Clients(), [broken])
