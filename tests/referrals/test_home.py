"""The inbox and the outbox on the home page and as lists: what they show, and query counts
that do not grow with the number of referrals."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals.models import Referral
from tests.cases.factories import make_person
from tests.referrals.conftest import make_referral


def many(sender, receiver, count, person):
    """`count` referrals in a mix of states, in bulk."""
    now = timezone.now()
    states = ["sent", "sent", "accepted", "in_progress", "withdrawn", "declined"]
    Referral.objects.bulk_create(
        Referral(
            kind="mediation",
            status=states[n % len(states)],
            organisation=sender.organisation,
            category="police",
            created_by=sender,
            receiver=receiver,
            young_person=person,
            contact_name="Namn",
            police_report_number="5000-K1-26",
            offence_date=datetime.date(2025, 1, 1),
            offence_category="damage",
            admitted=True,
            sent_at=now - datetime.timedelta(days=n % 20),
            withdrawn_at=now if states[n % len(states)] == "withdrawn" else None,
        )
        for n in range(count)
    )


def home_queries(client, user) -> tuple[int, str]:
    client.force_login(user)
    client.get("/")  # warm the session and the permission caches' first loads alike
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_inbox_costs_the_same_with_10_and_1000_referrals(client, people, organisations):
    person = make_person(age=16)
    many(people["police"], organisations["mediation"], 10, person)
    with_10, html = home_queries(client, people["mediator"])
    assert 'href="/referrals/inbox/' in html
    many(people["police"], organisations["mediation"], 990, person)
    with_1000, _html = home_queries(client, people["mediator"])
    print(f"home page of the mediator: {with_10} queries with 10, {with_1000} with 1,000")
    assert with_10 == with_1000
    sender_10 = home_queries(client, people["police"])[0]
    assert sender_10 == home_queries(client, people["police"])[0]


def test_inbox_and_outbox_lists_have_query_budgets(
    client, people, organisations, django_assert_max_num_queries
):
    many(people["police"], organisations["mediation"], 60, make_person(age=15))
    client.force_login(people["mediator"])
    for show in ("new", "overdue", "in_progress", "withdrawn", "closed"):
        with django_assert_max_num_queries(12):
            response = client.get(f"/referrals/inbox/?show={show}")
        assert response.status_code == 200
    client.force_login(people["police"])
    with django_assert_max_num_queries(12):
        response = client.get("/referrals/outbox/?page=2")
    assert len(response.context["page"].object_list) == 40 - 25  # the open ones, page 2


def test_the_detail_page_has_a_query_budget(
    client, people, organisations, django_assert_max_num_queries
):
    referral = make_referral(people["police"], organisations["mediation"], status="in_progress")
    for who in ("police", "mediator"):
        client.force_login(people[who])
        with django_assert_max_num_queries(18):
            assert client.get(f"/referrals/{referral.pk}/").status_code == 200


def test_overdue_means_not_answered_within_the_setting(client, people, organisations, settings):
    settings.SSPF_REFERRAL_ANSWER_DAYS = 5
    late = make_referral(people["police"], organisations["mediation"], sent_days_ago=6)
    make_referral(people["police"], organisations["mediation"], sent_days_ago=4)
    make_referral(people["police"], organisations["mediation"], status="accepted", sent_days_ago=9)
    client.force_login(people["mediator"])
    listed = client.get("/referrals/inbox/?show=overdue").context["page"].object_list
    assert [r.pk for r in listed] == [late.pk]


def test_lists_show_no_names_and_no_report_numbers(client, people, organisations):
    make_referral(people["police"], organisations["mediation"])
    for who, url in (("mediator", "/referrals/inbox/"), ("police", "/referrals/outbox/")):
        client.force_login(people[who])
        for page in (url, "/"):
            html = client.get(page).content.decode()
            assert "Malte" not in html and "K123456" not in html and "Kiosken" not in html


@pytest.mark.django_db
def test_the_demo_has_referrals_in_every_state_for_both_services(client):
    from accounts.demo import DEMO_PASSWORD

    call_command("seed_demo", force=True, verbosity=0)
    states = set(Referral.objects.values_list("kind", "status"))
    assert states == {(k, s) for k in Referral.Kind.values for s in Referral.Status.values}
    for username in ("medlare", "stodcentrum"):
        client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        html = client.get("/").content.decode()
        assert 'href="/referrals/inbox/"' in html
        assert client.get("/referrals/inbox/?show=overdue").context["page"].object_list
