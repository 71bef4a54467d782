"""`manage.py generate_scale_data`: the benchmark municipality is as large as documented, the same
seed gives the same data, it never mixes with other data, and the application works on it."""

import hashlib
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from audit.models import LogEntry, Seal
from bench import scale
from cases.models import Case, CaseMember, Consent, Note, PersonName, YoungPerson
from contacts.models import Contact
from meetings.models import Meeting
from referrals.models import Referral
from schools.models import School
from tests.conftest import missing
from tests.factories import UserFactory

S = 0.005


def generate(*args) -> str:
    out = io.StringIO()
    call_command("generate_scale_data", "--scale", str(S), "--no-progress", *args, stdout=out)
    return out.getvalue()


def digest() -> str:
    """Decrypted values and natural keys, not ids (a rolled-back run does not reset
    PostgreSQL's sequences), nonces or row keys."""
    h = hashlib.sha256()
    rows = [
        User.objects.order_by("username").values_list(
            "username", "first_name", "last_name", "organisation__name"
        ),
        YoungPerson.objects.order_by("personnummer_index").values_list(
            "personnummer", "gender", "birth_date", "school__name", "protected_identity"
        ),
        PersonName.objects.order_by("young_person__personnummer_index").values_list(
            "given_name", "family_name"
        ),
        Case.objects.order_by("reference").values_list(
            "reference", "young_person__personnummer", "status", "opened_on", "closed_on"
        ),
        Note.objects.order_by("created_at", "text").values_list(
            "case__reference", "author__username", "text", "created_at"
        ),
        Contact.objects.order_by("occurred_at", "client_token").values_list(
            "recorded_by__username", "occurred_at", "note", "girls", "boys"
        ),
        LogEntry.objects.order_by("timestamp", "cid").values_list(
            "actor__username", "action", "content_type__model", "timestamp", "remote_addr"
        ),
    ]
    for queryset in rows:
        for row in queryset:
            h.update(repr(row).encode())
    return h.hexdigest()


class Rollback(Exception):
    pass


def generated_digest(*args) -> str:
    """Generates, takes the digest and rolls the data back, so it can be generated again."""
    try:
        with transaction.atomic():
            generate(*args)
            result = digest()
            raise Rollback
    except Rollback:
        return result


@pytest.mark.django_db
def test_counts_scale_as_documented():
    assert scale.counts(1) == {
        **scale.counts(1),
        "schools": 40,
        "users": 600,
        "young_people": 10_000,
        "cases": 12_000,
        "notes": 60_000,
        "contacts": 200_000,
        "meetings": 3_000,
        "referrals": 5_000,
        "log_entries": 1_000_000,
    }
    expected = scale.counts(S)
    output = generate()

    assert School.objects.count() == expected["schools"]
    assert User.objects.count() == expected["users"]
    for role in scale.ROLE_MIX:
        assert User.objects.filter(groups__name=role).count() == expected[role], role
    assert YoungPerson.objects.count() == expected["young_people"]
    assert Case.objects.count() == expected["cases"]
    assert Note.objects.count() == expected["notes"]
    assert Contact.objects.count() == expected["contacts"]
    assert Meeting.objects.count() == expected["meetings"]
    assert Referral.objects.count() == expected["referrals"]
    assert LogEntry.objects.count() == expected["log_entries"]
    assert Seal.objects.count() == expected["log_entries"]
    # The time of each table and the total are reported.
    assert re.search(r"^contacts\s+[\d,]+ rows\s+[\d.]+ s$", output, re.M)
    assert re.search(r"^total\s+[\d.]+ s$", output, re.M)


@pytest.mark.django_db
def test_consents_in_every_state_and_references_unique():
    generate()
    today = timezone.localdate()
    running = Consent.objects.filter(
        withdrawn_at__isnull=True, valid_from__lte=today, valid_until__gte=today
    )
    assert running.filter(valid_until__gte=today + timezone.timedelta(days=30)).exists()
    assert running.filter(valid_until__lt=today + timezone.timedelta(days=30)).exists()
    assert Consent.objects.filter(valid_until__lt=today).exists()
    assert Consent.objects.filter(withdrawn_at__isnull=False).exists()
    assert Case.objects.exclude(status=Case.Status.SIGNAL).filter(consents__isnull=True).exists()
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(set(references)) == len(references)
    # Contacts at night and at weekends, over five years.
    times = [timezone.localtime(t) for t in Contact.objects.values_list("occurred_at", flat=True)]
    assert any(t.hour < 5 for t in times) and any(t.isoweekday() > 5 for t in times)
    assert (max(times) - min(times)).days > 4 * 365


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data():
    first = generated_digest("--seed", "7")
    assert generated_digest("--seed", "7") == first
    assert generated_digest("--seed", "8") != first


@pytest.mark.django_db
def test_refused_on_a_database_with_other_data(monkeypatch, settings):
    UserFactory(username="real-person")
    entries = LogEntry.objects.count()  # the user's own creation
    monkeypatch.delenv("SSPF_ALLOW_SCALE_DATA", raising=False)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="did not make"):
        generate()
    with pytest.raises(CommandError, match="DEBUG on or SSPF_ALLOW_SCALE_DATA=1"):
        generate("--force-demo-database")
    assert Case.objects.count() == 0 and User.objects.count() == 1
    assert LogEntry.objects.count() == entries

    monkeypatch.setenv("SSPF_ALLOW_SCALE_DATA", "1")
    generate("--force-demo-database")
    assert Case.objects.count() == scale.counts(S)["cases"]


@pytest.mark.django_db
def test_its_own_earlier_output_is_not_generated_twice():
    generate("--seed", "3")
    cases = Case.objects.count()
    assert "nothing to do" in generate("--seed", "3")
    with pytest.raises(CommandError, match="another scale or seed"):
        generate("--seed", "4")
    assert Case.objects.count() == cases


def _field_worker_with_cases():
    """A generated field worker on the team of an open case owned by their own organisation."""
    member = (
        CaseMember.objects.filter(user__groups__name="field_worker", case__owner__name=scale.SOCIAL)
        .exclude(case__status=Case.Status.CLOSED)
        .select_related("user", "case")
        .order_by("case__reference")
        .first()
    )
    assert member is not None
    return member.user, member.case


def _listed(client, case) -> bool:
    """Whether the case list, searched for the case's reference, links to the case."""
    response = client.get("/cases/", {"q": case.reference})
    assert response.status_code == 200
    return f'href="/cases/{case.pk}/">{case.reference}</a>' in response.content.decode()


def check_the_app_works(client):
    generate()
    worker, own_case = _field_worker_with_cases()
    others = Case.objects.exclude(owner=worker.organisation).exclude(members__user=worker)
    foreign = others.order_by("reference").first()
    assert foreign is not None, "a case of another organisation"

    login = {"username": worker.username, "password": scale.PASSWORD}
    assert client.post("/accounts/login/", login).status_code == 302
    assert _listed(client, own_case)
    assert not _listed(client, foreign)
    response = client.get(f"/cases/{own_case.pk}/")
    assert response.status_code == 200
    assert client.get(f"/cases/{foreign.pk}/").status_code == 404

    out = io.StringIO()
    call_command("verify_audit_log", stdout=out)
    total = LogEntry.objects.count()
    assert f"Audit log intact: {total} entries verified." in out.getvalue()


@pytest.mark.django_db
def test_the_app_works_on_the_generated_data(client):
    check_the_app_works(client)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_app_works_on_generated_data_in_postgresql(client):
    if connection.vendor != "postgresql":
        missing("generate_scale_data on PostgreSQL needs DATABASE_URL set to a PostgreSQL server")
    check_the_app_works(client)
