"""Reads and refused reads leave an entry with actor, address and the request's id."""

import pytest
from django.test import Client, override_settings

from audit.access import log_access
from audit.models import LogEntry
from tests.testapp.models import Secret

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.audit.urls")]


@pytest.fixture
def secret(alice):
    return Secret.objects.create(label="alice", name="Ellinor")


def test_a_granted_read_is_logged_as_access(client, alice, secret):
    client.force_login(alice)
    response = client.get(f"/secret/{secret.pk}/", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).get()
    assert (entry.actor, entry.object_pk, entry.object_repr) == (
        alice,
        str(secret.pk),
        f"REF-{secret.pk}",
    )
    assert entry.remote_addr == "10.1.2.3"
    assert entry.cid == response["X-Request-ID"]
    assert entry.additional_data is None


def test_a_refused_read_is_logged_as_denied(client, carol, secret):
    client.force_login(carol)
    response = client.get(f"/secret/{secret.pk}/")
    assert response.status_code == 404
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).get()
    assert entry.actor == carol
    assert entry.additional_data == {"denied": True}
    assert entry.object_repr == f"REF-{secret.pk}"
    assert entry.cid == response["X-Request-ID"]


def test_an_attempt_on_a_missing_object_is_logged_too(client, carol):
    client.force_login(carol)
    assert client.get("/secret/999999/").status_code == 404
    entry = LogEntry.objects.get(additional_data={"denied": True})
    assert (entry.object_pk, entry.object_id, entry.object_repr) == ("999999", 999999, "")


def test_the_correlation_id_is_made_by_the_server(client, alice, secret):
    client.force_login(alice)
    first = client.get(f"/secret/{secret.pk}/", HTTP_X_CORRELATION_ID="chosen-by-client")
    second = client.get(f"/secret/{secret.pk}/")
    accesses = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).order_by("id")
    ids = list(accesses.values_list("cid", flat=True))
    assert "chosen-by-client" not in ids
    assert ids == [first["X-Request-ID"], second["X-Request-ID"]]
    assert ids[0] != ids[1]


def test_outside_a_request_the_actor_is_given(alice, secret):
    log_access(alice, secret)
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert entry.actor == alice
    assert entry.cid is None


def test_an_unregistered_model_cannot_be_logged_by_mistake(alice):
    from django.contrib.auth.models import Group

    with pytest.raises(LookupError):
        log_access(alice, Group.objects.get(name="auditor"))
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


@pytest.mark.parametrize(
    "remote,forwarded,trusted,expected",
    [
        ("203.0.113.9", "", "", "203.0.113.9"),
        # A client cannot choose its address by sending the header itself.
        ("203.0.113.9", "10.9.9.9", "", "203.0.113.9"),
        ("10.0.0.2", "198.51.100.7", "10.0.0.2", "198.51.100.7"),
        # Left of the first untrusted hop is whatever the client wrote: ignored.
        ("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.3", "10.0.0.2,10.0.0.3", "198.51.100.7"),
        ("10.0.0.2", "not-an-address", "10.0.0.2", "10.0.0.2"),
    ],
)
def test_forwarded_for_is_believed_only_from_trusted_proxies(
    alice, secret, settings, remote, forwarded, trusted, expected
):
    settings.SSPF_TRUSTED_PROXIES = [p for p in trusted.split(",") if p]
    client = Client()
    client.force_login(alice)
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    client.get(f"/secret/{secret.pk}/", REMOTE_ADDR=remote, **headers)
    assert LogEntry.objects.get(action=LogEntry.Action.ACCESS).remote_addr == expected


@override_settings(SSPF_TRUSTED_PROXIES=["10.0.0.2"])
def test_lockout_counts_the_real_client_behind_the_proxy(alice):
    from axes.models import AccessAttempt

    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"
