"""The auditors' log search and a user's activity, page by page (issue #15): keyset pages
("newer"/"older") give every entry exactly once, with no COUNT and no OFFSET over the log,
and cost the same deep in the log as at its start."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.access import log_denied
from audit.models import LogEntry
from cases.models import Case

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a href="([^"]+)" rel="(next|prev)">')


def page_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def read(client, url) -> tuple[list[int], dict[str, str], int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    rows = [row["id"] for row in response.context["page"]]
    links = {
        rel: href.replace("&amp;", "&") for href, rel in LINK.findall(response.content.decode())
    }
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "OFFSET" not in sql and 'COUNT(*) AS "__COUNT"' not in sql
    return rows, links, len(queries)


def walk(client, base, url, rel):
    pages, counts = [], []
    while url is not None:
        rows, links, count = read(client, url)
        pages.append(rows)
        counts.append(count)
        url = links.get(rel) and base + links[rel]
        assert len(pages) < 50
    return pages, counts


@pytest.fixture
def logged(make_user):
    """130 refused attempts by Olle, some by Otto."""
    olle, otto = make_user("social_worker", username="olle"), make_user("school_staff")
    for n in range(130):
        log_denied(olle, Case, 10_000 + n)
        if n % 10 == 0:
            log_denied(otto, Case, 20_000 + n)
    return olle, otto


def test_the_search_pages_give_every_entry_exactly_once(make_user, logged):
    olle, _otto = logged
    auditor = page_as(make_user("auditor", username="gunilla"))
    base = reverse("audit:entries")
    first = f"{base}?user={olle.pk}"
    read(auditor, first)  # the process's caches (content types, permissions) warm
    older, counts = walk(auditor, base, first, "next")
    expected = list(
        LogEntry.objects.filter(actor=olle)
        .order_by("-timestamp", "-id")
        .values_list("id", flat=True)
    )
    assert [len(page) for page in older] == [50, 50, 30]
    assert [pk for page in older for pk in page] == expected
    assert counts[0] == counts[-1]
    # Back from the last page with the "newer" links: the same pages.
    _rows, links, _count = read(auditor, first)
    _rows, links, _count = read(auditor, base + links["next"])
    newer, _counts = walk(auditor, base, base + links["next"], "prev")
    assert newer == list(reversed(older))


def test_a_users_activity_pages_give_every_entry_exactly_once(make_user, logged):
    olle, otto = logged
    auditor = page_as(make_user("auditor", username="gunilla"))
    base = reverse("audit:user_activity", args=[otto.pk])
    pages, _counts = walk(auditor, base, base, "next")
    assert [pk for page in pages for pk in page] == list(
        LogEntry.objects.filter(actor=otto)
        .order_by("-timestamp", "-id")
        .values_list("id", flat=True)
    )
    assert not set(LogEntry.objects.filter(actor=olle).values_list("id", flat=True)) & {
        pk for page in pages for pk in page
    }


def test_the_log_list_stays_within_its_query_budget(
    make_user, logged, django_assert_max_num_queries
):
    olle, _otto = logged
    auditor = page_as(make_user("auditor", username="gunilla"))
    auditor.get(reverse("audit:entries"))
    with django_assert_max_num_queries(22):
        auditor.get(f"{reverse('audit:entries')}?user={olle.pk}")
    with django_assert_max_num_queries(22):
        auditor.get(reverse("audit:user_activity", args=[olle.pk]))


def test_only_auditors_page_through_the_log(make_user, logged):
    olle, _otto = logged
    response = page_as(make_user("coordinator")).get(f"{reverse('audit:entries')}?user={olle.pk}")
    assert response.status_code == 403
