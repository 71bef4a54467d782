"""The coordinator's home page names each ending consent once, with its case and whose
consent it is; other roles get no consent section at all."""

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import CaseMember
from tests.cases.factories import make_case, make_consent, make_guardian, make_person

pytestmark = pytest.mark.django_db


def ending_case(coordinator, worker, organisations, ends):
    case = make_case(
        person=make_person(age=16, recorded_by=organisations["social_services"]),
        owner=organisations["social_services"],
        coordinator=coordinator,
        members=[(worker, CaseMember.Role.CASE_WORKER)],
    )
    mother = make_guardian(case, name="Anna Berg")
    covered = [organisations["social_services"]]
    make_consent(case, guardian=mother, organisations=covered, valid_until=ends)
    make_consent(case, organisations=covered, valid_until=ends)
    return case


def test_each_ending_consent_once_with_case_and_party(
    client, make_user, organisations, django_assert_max_num_queries
):
    sara = make_user("coordinator", username="sara")
    sofia = make_user("social_worker", username="sofia")
    ends = timezone.localdate() + datetime.timedelta(days=10)
    cases = [ending_case(sara, sofia, organisations, ends) for _ in range(3)]

    client.force_login(sara)
    with django_assert_max_num_queries(40):
        page = client.get("/").content.decode()
    section = page.split('id="expiring-heading"')[1].split("</section>")[0]
    for case in cases:
        assert section.count(case.reference) == 2  # one line per party, not the same twice
    with translation.override("sv"):  # the page is Swedish; the wording is the catalogue's
        mother = _("the guardian's consent (%(relation)s)") % {"relation": _("Mother")}
        own = _("the young person's own consent")
    assert section.count(mother) == 3
    assert section.count(own) == 3
    assert "Anna Berg" not in section  # the relation says whose; the name stays on the case

    client.force_login(sofia)
    assert 'id="expiring-heading"' not in client.get("/").content.decode()


def test_query_count_of_the_home_page_does_not_grow_with_ending_consents(
    client, make_user, organisations
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sara = make_user("coordinator", username="sara")
    sofia = make_user("social_worker", username="sofia")
    ends = timezone.localdate() + datetime.timedelta(days=10)
    client.force_login(sara)
    counts = []
    for n in (1, 10):
        while len(counts) < n:  # top up to n cases
            ending_case(sara, sofia, organisations, ends)
            counts.append(None)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        counts[n - 1] = len(queries)
    assert counts[0] == counts[9]
