"""My contacts, page by page (issue #15): keyset pages with "newer" and "older" links give
every contact exactly once, cost the same deep in the list as at its start, and show a
colleague's contact to the colleagues who took part and to nobody else."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, Place

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<a href="/contacts/(\d+)/">')
LINK = re.compile(r'<a href="([^"]+)" rel="(next|prev)">')
START = timezone.now().replace(microsecond=0) - datetime.timedelta(days=3)


def page_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def record(worker, place, minutes_ago, *, co_workers=(), kind="street") -> Contact:
    contact = Contact.objects.create(
        occurred_at=START - datetime.timedelta(minutes=minutes_ago),
        place=place,
        kind=kind,
        recorded_by=worker,
        organisation=worker.organisation,
        category="social_services",
        girls=1,
    )
    contact.co_workers.set(co_workers)
    return contact


def read(client, url) -> tuple[list[int], dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    links = {rel: href.replace("&amp;", "&") for href, rel in LINK.findall(html)}
    return [int(pk) for pk in ROW.findall(html)], links


def walk(client, url, rel) -> list[list[int]]:
    pages = []
    while url is not None:
        rows, links = read(client, url)
        pages.append(rows)
        url = links.get(rel) and reverse("contacts:list") + links[rel]
        assert len(pages) < 50
    return pages


@pytest.fixture
def world(make_user):
    fredrik = make_user("field_worker", username="fredrik")
    frida = make_user("field_worker", username="frida")  # a colleague
    olle = make_user("field_worker", username="olle")  # same organisation, never took part
    square = Place.objects.create(name="Torget", kind="centre")
    station = Place.objects.create(name="Stationen", kind="centre")
    expected = []
    for n in range(70):
        # Every third minute twice: contacts at the same moment are told apart by their id.
        place = square if n % 2 else station
        expected.append(record(fredrik, place, (n // 2) * 3))
    for n in range(9):
        expected.append(record(frida, square, n * 7 + 1, co_workers=[fredrik]))
    theirs = [record(frida, square, n * 5 + 2) for n in range(5)]
    theirs.append(record(olle, station, 4))
    expected.sort(key=lambda c: (c.occurred_at, c.pk), reverse=True)
    return {
        "fredrik": fredrik,
        "frida": frida,
        "olle": olle,
        "square": square,
        "expected": [c.pk for c in expected],
        "joint": [c.pk for c in expected if c.recorded_by_id == frida.pk],
        "theirs": [c.pk for c in theirs],
    }


def test_older_and_newer_pages_give_every_contact_exactly_once(world):
    client = page_as(world["fredrik"])
    older = walk(client, reverse("contacts:list"), "next")
    assert [len(page) for page in older] == [30, 30, 19]
    assert [pk for page in older for pk in page] == world["expected"]
    # From the last page back to the newest with the "newer" links: the same pages.
    _rows, links = read(client, reverse("contacts:list"))
    _rows, links = read(client, reverse("contacts:list") + links["next"])
    last_url = reverse("contacts:list") + links["next"]
    newer = walk(client, last_url, "prev")
    assert newer == list(reversed(older))
    assert "prev" not in read(client, reverse("contacts:list"))[1]


def test_a_colleagues_contact_shows_for_who_took_part_and_not_for_others(world):
    mine = {
        pk
        for page in walk(page_as(world["fredrik"]), reverse("contacts:list"), "next")
        for pk in page
    }
    assert set(world["joint"]) <= mine
    assert not mine & set(world["theirs"])
    frida = {
        pk
        for page in walk(page_as(world["frida"]), reverse("contacts:list"), "next")
        for pk in page
    }
    assert set(world["joint"]) <= frida
    olle = {
        pk for page in walk(page_as(world["olle"]), reverse("contacts:list"), "next") for pk in page
    }
    assert not olle & set(world["joint"])
    assert not olle & mine


def test_the_filters_hold_on_every_page(world):
    client = page_as(world["fredrik"])
    url = reverse("contacts:list") + f"?place={world['square'].pk}"
    pages = walk(client, url, "next")
    got = [pk for page in pages for pk in page]
    square = set(Contact.objects.filter(place=world["square"]).values_list("pk", flat=True))
    assert got == [pk for pk in world["expected"] if pk in square]
    assert len(pages) == 2


def test_a_broken_key_in_the_address_starts_at_the_newest(world):
    client = page_as(world["fredrik"])
    first, _links = read(client, reverse("contacts:list"))
    for junk in ("x", "1.", ".5", "99999999999999999999999.1", "-1.-1"):
        assert read(client, reverse("contacts:list") + f"?older={junk}")[0] == first


def test_a_deep_page_costs_what_the_first_costs(make_user, django_assert_max_num_queries):
    worker = make_user("field_worker")
    place = Place.objects.create(name="Torget", kind="centre")
    Contact.objects.bulk_create(
        Contact(
            occurred_at=START - datetime.timedelta(minutes=n),
            place=place,
            kind="street",
            recorded_by=worker,
            organisation=worker.organisation,
            category="social_services",
            boys=1,
        )
        for n in range(3000)
    )
    client = page_as(worker)
    url, counts = reverse("contacts:list"), []
    for hop in range(60):
        with CaptureQueriesContext(connection) as queries:
            rows, links = read(client, url)
        if hop in (0, 59):
            counts.append(len(queries))
            assert len(rows) == 30
        url = reverse("contacts:list") + links["next"]
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(11):
        read(client, url)
    with django_assert_max_num_queries(11):
        read(client, reverse("contacts:list"))
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "COUNT(" not in sql and "OFFSET" not in sql
