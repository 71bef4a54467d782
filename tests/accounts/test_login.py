import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import PASSWORD

LOGIN = "/accounts/login/"


def login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_is_swedish_by_default(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="sv">' in html
    assert "Logga in" in html
    assert 'href="#main"' in html  # skip link


def test_correct_password_opens_the_home_page(client, alice):
    response = login(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Socialtjänsten" in home.content.decode()


def test_wrong_password_gets_a_clear_message_and_nothing_else(client, alice):
    response = login(client, "alice", "not-the-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ange ett korrekt användarnamn och lösenord" in html
    assert "_auth_user_id" not in client.session


def test_inactive_user_cannot_log_in(client, alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    login(client, "alice", PASSWORD)
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_even_for_the_right_password(client, alice):
    for _ in range(4):
        assert login(client, "alice", "wrong-password").status_code == 200
    locked = login(client, "alice", "wrong-password")
    assert locked.status_code == 429
    assert "För många misslyckade inloggningar" in locked.content.decode()
    assert login(client, "alice", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_does_not_touch_other_users(client, alice, bob):
    for _ in range(5):
        login(client, "alice", "wrong-password")
    assert login(client, "bob", PASSWORD).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=2)
def test_failure_limit_is_configurable(client, alice):
    assert login(client, "alice", "wrong").status_code == 200
    assert login(client, "alice", "wrong").status_code == 429


def test_lockout_ends_after_the_cool_off(client, alice, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt

    for _ in range(5):
        login(client, "alice", "wrong-password")
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(hours=1)
    )
    assert login(client, "alice", PASSWORD).status_code == 302


def test_logout_needs_post_and_ends_the_session(client, alice):
    client.force_login(alice)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_session_expires_when_idle_and_at_browser_close(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def _expiry(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_an_active_session_stays_open_and_an_idle_one_ends(client, alice, monkeypatch):
    """Thirty idle minutes end the session; a user who keeps working is never logged out,
    though the session is written at most once a minute rather than on every page."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    start = timezone.now()
    clock = [0.0]  # seconds since start; both clocks (the database's expiry and ours) follow it
    monkeypatch.setattr("sspf.middleware.time.time", lambda: start.timestamp() + clock[0])
    monkeypatch.setattr(
        "django.utils.timezone.now", lambda: start + datetime.timedelta(seconds=clock[0])
    )
    client.force_login(alice)
    assert client.get(reverse("home")).status_code == 200
    first = _expiry(client)

    clock[0] += 20  # a page twenty seconds later: the session is not written again
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert _expiry(client) == first

    # Working on for an hour and a quarter, a page every 25 minutes: still logged in.
    for _ in range(3):
        clock[0] += 25 * 60
        assert client.get(reverse("home")).status_code == 200
    assert _expiry(client) >= first + datetime.timedelta(minutes=75)

    # Then 31 idle minutes: the session has ended.
    clock[0] += 31 * 60
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_passwords_are_hashed_with_argon2_in_production():
    from sspf import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.parametrize("language,text", [("sv", "Logga in"), ("en", "Log in")])
def test_language_switch(client, db, language, text):
    response = client.post("/i18n/setlang/", {"language": language, "next": LOGIN})
    assert response.status_code == 302
    page = client.get(LOGIN).content.decode()
    assert f'<html lang="{language}">' in page
    assert text in page
