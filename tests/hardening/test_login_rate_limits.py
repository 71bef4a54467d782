"""Login rate limits that a forged X-Forwarded-For cannot bypass (issue 16, item 5).

The lockout counts failures per account and per address (accounts/lockout.py). The address is
audit.middleware.client_ip: X-Forwarded-For is believed only when the request comes from a
proxy named in SSPF_TRUSTED_PROXIES, and then only its right-most hop that is not such a proxy.
A guesser who writes a new X-Forwarded-For on every attempt still guesses from one address.
"""

import pytest
from django.test import override_settings

from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
GUESSER = "203.0.113.66"
PROXY = "10.0.0.5"
pytestmark = pytest.mark.django_db


def forged(n: int) -> str:
    return f"198.51.100.{n % 250 + 1}"


def attempt(client, username, password, **meta):
    return client.post(LOGIN, {"username": username, "password": password}, **meta)


def logged_in_as(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def test_rotating_the_header_does_not_reset_the_accounts_count(client, alice):
    for n in range(4):
        response = attempt(
            client, "alice", f"guess-{n}", REMOTE_ADDR=GUESSER, HTTP_X_FORWARDED_FOR=forged(n)
        )
        assert response.status_code == 200
    assert attempt(client, "alice", "guess-4", HTTP_X_FORWARDED_FOR=forged(4)).status_code == 429
    locked = attempt(client, "alice", PASSWORD, REMOTE_ADDR=GUESSER, HTTP_X_FORWARDED_FOR=forged(5))
    assert locked.status_code == 429
    assert not logged_in_as(client, alice)


def _spray(client, accounts, meta_for):
    """Four guesses on each account (one short of its own limit), a new header each time."""
    n = 0
    for user in accounts:
        for _guess in range(4):
            attempt(client, user.username, f"guess-{n}", **meta_for(n))
            n += 1


def test_rotating_the_header_does_not_spread_a_spray_over_addresses(client, make_user):
    accounts = [make_user("school_staff", username=f"staff{n}") for n in range(6)]
    _spray(
        client,
        accounts[:5],
        lambda n: {"REMOTE_ADDR": GUESSER, "HTTP_X_FORWARDED_FOR": forged(n)},
    )
    untouched = accounts[5]
    response = attempt(
        client, untouched.username, PASSWORD, REMOTE_ADDR=GUESSER, HTTP_X_FORWARDED_FOR=forged(99)
    )
    assert response.status_code == 429
    assert not logged_in_as(client, untouched)
    # The account itself is fine from another address: the address was stopped, not the user.
    assert attempt(client, untouched.username, PASSWORD, REMOTE_ADDR="192.0.2.8").status_code == 302


@override_settings(SSPF_TRUSTED_PROXIES=[PROXY])
def test_behind_a_trusted_proxy_only_the_hop_it_added_counts(client, make_user):
    """The proxy appends the address it saw; whatever the guesser wrote is left of it."""
    accounts = [make_user("school_staff", username=f"staff{n}") for n in range(6)]
    _spray(
        client,
        accounts[:5],
        lambda n: {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{forged(n)}, {GUESSER}"},
    )
    untouched = accounts[5]
    response = attempt(
        client,
        untouched.username,
        PASSWORD,
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"{forged(99)}, {GUESSER}",
    )
    assert response.status_code == 429
    # A colleague behind the same proxy from another address logs in: the proxy is not blamed.
    colleague = attempt(
        client, untouched.username, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.8"
    )
    assert colleague.status_code == 302
    assert logged_in_as(client, untouched)


@override_settings(SSPF_TRUSTED_PROXIES=[PROXY])
def test_a_header_sent_around_the_proxy_is_not_believed(client, make_user):
    """Straight to the application (not through the proxy), the header counts for nothing."""
    accounts = [make_user("school_staff", username=f"staff{n}") for n in range(6)]
    _spray(
        client,
        accounts[:5],
        lambda n: {"REMOTE_ADDR": GUESSER, "HTTP_X_FORWARDED_FOR": f"{forged(n)}, {PROXY}"},
    )
    response = attempt(
        client, accounts[5].username, PASSWORD, REMOTE_ADDR=GUESSER, HTTP_X_FORWARDED_FOR=PROXY
    )
    assert response.status_code == 429
