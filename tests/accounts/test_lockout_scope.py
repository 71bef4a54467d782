"""Lockout per account across addresses and per address across accounts (issue 10, item 8).

The probe found the lockout keyed on the pair (account, address): one address could try four
passwords on every account, and many addresses could try four each on one account.
Defaults: 5 failures per account, 20 per address, 15 minutes (README, "Settings").
"""

import pytest
from django.test import override_settings

from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
pytestmark = pytest.mark.django_db


def login(client, username, password, address):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in_as(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def test_an_account_locks_whatever_address_the_guesses_come_from(client, alice, bob):
    for n in range(4):
        assert login(client, "alice", f"guess-{n}", f"203.0.113.{n + 1}").status_code == 200
    assert login(client, "alice", "guess-4", "203.0.113.5").status_code == 429
    locked = login(client, "alice", PASSWORD, "198.51.100.7")  # an address never seen before
    assert locked.status_code == 429
    assert not logged_in_as(client, alice)
    # Those addresses are not blocked for everyone: five failures are far from twenty.
    assert login(client, "bob", PASSWORD, "203.0.113.1").status_code == 302
    assert logged_in_as(client, bob)


def test_one_address_cannot_try_a_few_passwords_on_every_account(client, make_user):
    accounts = [make_user("school_staff", username=f"staff{n}") for n in range(6)]
    spraying_from = "203.0.113.66"
    for user in accounts[:5]:
        for n in range(4):  # one short of each account's own limit
            login(client, user.username, f"guess-{n}", spraying_from)
    untouched = accounts[5]
    assert login(client, untouched.username, PASSWORD, spraying_from).status_code == 429
    assert not logged_in_as(client, untouched)
    # The same account from elsewhere is not affected: it had no failures of its own.
    assert login(client, untouched.username, PASSWORD, "198.51.100.7").status_code == 302
    assert logged_in_as(client, untouched)


def test_an_office_sharing_one_address_is_not_locked_out_by_a_few_typos(client, make_user):
    """Ten colleagues behind the same public address each mistype once: nobody is locked."""
    office = "192.0.2.10"
    colleagues = [make_user("school_staff", username=f"colleague{n}") for n in range(11)]
    for user in colleagues[:10]:
        login(client, user.username, "typo", office)
    assert login(client, colleagues[10].username, PASSWORD, office).status_code == 302
    assert logged_in_as(client, colleagues[10])


def test_logging_in_does_not_wipe_the_count_of_the_address(client, alice, make_user):
    """An insider guessing from their own machine cannot reset the counts by logging in as
    themself between guesses: only their own account's failures are cleared."""
    make_user("school_staff", username="insider")
    here = "203.0.113.99"
    for n in range(4):
        login(client, "alice", f"guess-{n}", here)
    assert login(client, "insider", PASSWORD, here).status_code == 302
    client.logout()
    login(client, "alice", "guess-4", here)
    assert login(client, "alice", PASSWORD, here).status_code == 429
    assert not logged_in_as(client, alice)


def test_a_successful_login_clears_the_accounts_own_failures(client, alice):
    for n in range(4):
        login(client, "alice", f"typo-{n}", "192.0.2.20")
    assert login(client, "alice", PASSWORD, "192.0.2.20").status_code == 302
    client.logout()
    for n in range(4):
        login(client, "alice", f"typo-{n}", "192.0.2.20")
    assert login(client, "alice", PASSWORD, "192.0.2.20").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3, SSPF_LOGIN_ADDRESS_FAILURE_LIMIT=6)
def test_both_limits_come_from_the_settings(client, make_user):
    users = [make_user("school_staff", username=f"u{n}") for n in range(4)]
    for n in range(3):
        login(client, "u0", f"guess-{n}", f"203.0.113.{n + 1}")
    assert login(client, "u0", PASSWORD, "198.51.100.1").status_code == 429
    for user in users[1:3]:
        for n in range(3 - 1):
            login(client, user.username, f"guess-{n}", "198.51.100.2")
    # Four failures at this address: below six.
    assert login(client, "u3", PASSWORD, "198.51.100.2").status_code == 302
    client.logout()
    login(client, "u1", "guess-x", "198.51.100.2")
    login(client, "u2", "guess-x", "198.51.100.2")
    assert login(client, "u3", PASSWORD, "198.51.100.2").status_code == 429
