"""Session fixation and two-factor bypass (issue 16, item 5).

- The session id changes when the password is accepted and again when the second factor is:
  an id planted or seen before a step never becomes the signed-in (or verified) session.
- Between the two steps every URL of the matrix, as every role, is refused or sent to the
  second-factor page: nothing but the second-factor pages themselves and the public pages
  (health check, the password link, the language switch) answers.
"""

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import EXEMPT_VIEWS
from tests.factories import PASSWORD
from tests.hardening.pages import every_url
from tests.security.matrix import ROLE_NAMES, cases

LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/verify/"
SETUP = "/accounts/two-factor/setup/"


@pytest.fixture(autouse=True)
def require_2fa(settings):
    settings.SSPF_REQUIRE_2FA = True


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def session_id(client) -> str | None:
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else None


def password_step(client, user):
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_the_session_id_changes_at_the_password_step(client, alice):
    client.get(LOGIN)
    client.session.save()  # the visitor has a session before logging in (a planted id)
    planted = session_id(client)
    assert planted
    password_step(client, alice)
    assert session_id(client) not in {None, planted}
    # The planted id is not signed in.
    stranger = Client()
    stranger.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert stranger.get("/")["Location"].startswith(LOGIN)


def test_the_session_id_changes_at_the_second_factor(client, alice):
    device = TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    password_step(client, alice)
    half_signed_in = session_id(client)
    response = client.post(VERIFY, {"token": code_for(device)})
    assert response.status_code == 302
    assert session_id(client) not in {None, half_signed_in}
    assert client.get("/").status_code == 200
    # Whoever knew the id from before the second factor holds no verified session.
    watcher = Client()
    watcher.cookies[settings.SESSION_COOKIE_NAME] = half_signed_in
    assert watcher.get("/").status_code == 302


def test_the_session_id_changes_when_a_device_is_enrolled(client, alice):
    password_step(client, alice)
    client.get(SETUP)
    before = session_id(client)
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    assert client.post(SETUP, {"token": code_for(device)}).status_code == 302
    assert session_id(client) not in {None, before}
    assert client.get("/").status_code == 200


# Pages that answer before the second factor, and why.
ANSWERED_MID_LOGIN = {
    *EXEMPT_VIEWS,  # the second-factor pages, logout, the language switch, the health check
    "accounts:login",  # sends a signed-in user home, where the second factor is asked
    "accounts:password_set",  # the one-time link (here an invalid one): no session content
    "accounts:password_set_done",
}


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_between_password_and_second_factor_every_url_is_refused(world, role):
    user = world[role]
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client()
    password_step(client, user)
    assert client.session.get("_auth_user_id") == str(user.pk)
    answered = {}
    for (name, policy), (_name, url) in zip(cases(), every_url(world), strict=True):
        if name in ANSWERED_MID_LOGIN:
            continue
        response = getattr(client, policy.method)(url)
        location = response.get("Location", "")
        if not (response.status_code == 302 and location.startswith(VERIFY)):
            answered[f"{name} {url}"] = (response.status_code, location)
    assert answered == {}
    # Still half signed in, and the second factor still opens the pages.
    assert client.get("/")["Location"].startswith(VERIFY)


def test_the_exemptions_are_few_and_known():
    """A page added to the exemptions shows up here and must be argued for."""
    assert {
        "accounts:logout",
        "accounts:two_factor_setup",
        "accounts:two_factor_verify",
        "set_language",
        "healthz",
    } == EXEMPT_VIEWS
