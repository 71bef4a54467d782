"""The case page costs the same however long the case's history is, and leaves one ACCESS
entry per page view (issue #15, DESIGN §10)."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import LogEntry
from cases.models import Case, PlanItem
from contacts.models import Contact, Place
from meetings.models import AgendaItem, Level
from tests.cases.factories import make_case, make_consent, make_guardian, make_note, make_person
from tests.meetings.conftest import convene
from tests.referrals.conftest import make_referral

pytestmark = pytest.mark.django_db

# The page's own queries: the case with the user's rights and what the access rule needs (9),
# one per kind of entry (5), the ACCESS entry (1), and what every page costs (session and
# user 2, roles and permissions 3; the session's idle clock is saved at most once a minute).
# Savepoints (the test's transaction; none in production) and the seal chain's step (after the
# response: audit/seal.py, budgeted by its own tests) are counted in CASE_PAGE_TOTAL only.
CASE_PAGE_OWN = 20
CASE_PAGE_TOTAL = 30


def own_queries(captured) -> list[str]:
    sqls = [q["sql"] for q in captured]
    return [
        sql
        for sql in sqls
        if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        and "audit_chainhead" not in sql
        and "audit_seal" not in sql
        and not (sql.startswith("SELECT") and 'FROM "audit_logentry"' in sql)
    ]


def page_as(user) -> Client:
    """A logged-in user who is already at work (the session's idle clock was just restarted,
    which a page does at most once a minute: sspf.middleware.SessionIdleMiddleware)."""
    client = Client()
    client.force_login(user)
    client.get(reverse("home"))
    return client


def new_entries(since_id: int):
    return LogEntry.objects.filter(pk__gt=since_id).order_by("pk")


def last_id() -> int:
    return LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def add_history(case, writer, meeting, count):
    """`count` notes, plan items, contacts, minutes and referrals written by `writer`'s
    organisation on the case."""
    organisation = writer.organisation
    place = Place.objects.get_or_create(name="Torget", kind="centre")[0]
    now = timezone.now()
    for i in range(count):
        make_note(case, writer, category="social_services")
        PlanItem.objects.create(
            case=case,
            author=writer,
            organisation=organisation,
            category="social_services",
            goal="Mål",
            action="Åtgärd",
            due_date=timezone.localdate() + datetime.timedelta(days=30),
            responsible_organisation=organisation,
        )
        Contact.objects.create(
            occurred_at=now - datetime.timedelta(hours=i + 1),
            place=place,
            kind="street",
            recorded_by=writer,
            organisation=organisation,
            category="social_services",
            young_person=case.young_person,
            case=case,
        )
        AgendaItem.objects.create(
            meeting=meeting,
            level=Level.NETWORK,
            order=i + 10,
            topic="Uppföljning",
            case=case,
            minutes="Protokoll",
            minutes_by=writer,
            minutes_at=now,
            organisation=organisation,
            category="social_services",
        )
        make_referral(writer, meeting.case.owner, case=case)


def test_the_case_page_costs_the_same_with_10_and_60_of_each_entry(
    team, consented_case, guardians, organisations, django_assert_max_num_queries
):
    social = team["social"]
    meeting = convene(team["coordinator"], case=consented_case)
    reader = page_as(social)
    url = reverse("cases:detail", args=[consented_case.pk])
    counts = {}
    for total, add in ((10, 10), (60, 50)):
        add_history(consented_case, social, meeting, add)
        for _ in range(add):
            make_consent(consented_case, organisations=[organisations["police"]])
        with (
            django_assert_max_num_queries(CASE_PAGE_TOTAL),
            CaptureQueriesContext(connection) as queries,
        ):
            response = reader.get(url)
        assert response.status_code == 200
        counts[total] = len(own_queries(queries.captured_queries))
        assert counts[total] <= CASE_PAGE_OWN, own_queries(queries.captured_queries)
        # Every entry is on the page: the count did not stay flat by showing less.
        shown = response.context["view"]
        assert [len(shown.notes), len(shown.plan_items), len(shown.contacts)] == [total] * 3
        assert [len(shown.minutes), len(shown.referrals)] == [total] * 2
    assert counts[10] == counts[60], counts


def test_the_rights_are_read_once_per_page(team, consented_case, guardians):
    """The access check and the page's buttons use the same rights: no second lookup of the
    user's grants, and none through auth_permission."""
    reader = page_as(team["social"])
    with CaptureQueriesContext(connection) as queries:
        reader.get(reverse("cases:detail", args=[consented_case.pk]))
    grants = [q["sql"] for q in queries if "caseuserobjectpermission" in q["sql"]]
    assert len(grants) == 1
    assert "auth_permission" not in grants[0]


def test_one_access_entry_per_case_page_naming_the_person_shown(
    team, consented_case, guardians, make_user
):
    case, person = consented_case, consented_case.young_person
    before = last_id()
    assert page_as(team["social"]).get(reverse("cases:detail", args=[case.pk])).status_code == 200
    logged = list(new_entries(before).filter(action=LogEntry.Action.ACCESS))
    assert len(logged) == 1
    entry = logged[0]
    assert entry.content_type == ContentType.objects.get_for_model(Case)
    assert entry.object_id == case.pk and entry.actor == team["social"]
    assert entry.additional_data["young_person"] == person.pk

    # The auditor's extract for the person lists this read (the case is about the person)...
    auditor = make_user("auditor", username="gunilla")
    extract = page_as(auditor).get(reverse("audit:person_extract", args=[person.pk]))
    assert extract.status_code == 200
    reads = [
        row
        for row in extract.context["rows"]
        if row["actor_id"] == team["social"].pk and row["id"] == entry.pk
    ]
    assert len(reads) == 1
    assert case.reference in extract.content.decode()
    # ...and the extract of someone else does not.
    other = make_person(age=15, given="Nilsinor", family="Ekvallberg")
    make_case(person=other, owner=case.owner, coordinator=team["coordinator"], members=[])
    elsewhere = page_as(auditor).get(reverse("audit:person_extract", args=[other.pk]))
    assert entry.pk not in [row["id"] for row in elsewhere.context["rows"]]


def test_a_member_who_is_not_shown_the_identity_is_not_logged_as_reading_it(team, organisations):
    """A protected identity recorded by social services: the police officer on the team reads
    the case under consent but is shown "protected identity", so the entry names no person."""
    person = make_person(
        age=16, protected=True, given="Skyddadine", recorded_by=organisations["social_services"]
    )
    case = make_case(
        person=person,
        owner=organisations["social_services"],
        coordinator=team["coordinator"],
        members=[(team["police"], "contact")],
    )
    covered = [organisations["police"]]
    for relation in ("mother", "father"):
        make_consent(case, guardian=make_guardian(case, relation=relation), organisations=covered)
    make_consent(case, organisations=covered)
    before = last_id()
    response = page_as(team["police"]).get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    assert "Skyddadine" not in response.content.decode()
    logged = list(new_entries(before))
    assert len(logged) == 1
    assert "young_person" not in logged[0].additional_data
    # The coordinator of the recording organisation is shown the identity, and logged so.
    before = last_id()
    page_as(team["coordinator"]).get(reverse("cases:detail", args=[case.pk]))
    logged = list(new_entries(before))
    assert len(logged) == 1 and logged[0].additional_data["young_person"] == person.pk


def test_an_outsider_leaves_a_refusal_and_no_read(team, consented_case, make_user):
    outsider = make_user("social_worker", username="olle")
    before = last_id()
    response = page_as(outsider).get(reverse("cases:detail", args=[consented_case.pk]))
    assert response.status_code == 404
    logged = list(new_entries(before))
    assert len(logged) == 1 and logged[0].additional_data == {"denied": True}
