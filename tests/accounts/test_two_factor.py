import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/verify/"


@pytest.fixture(autouse=True)
def require_2fa(settings):
    settings.SSPF_REQUIRE_2FA = True


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def password_login(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_password_alone_opens_nothing_but_the_second_factor(client, alice):
    password_login(client, alice)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    # Without a device the user is sent on to enrolment.
    assert client.get(VERIFY)["Location"] == SETUP


def test_enrolment_shows_a_qr_code_and_confirms_with_a_code(client, alice):
    password_login(client, alice)
    page = client.get(SETUP)
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/SSPF")

    response = client.post(SETUP, {"token": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200


def test_wrong_code_at_enrolment_gets_a_clear_message(client, alice):
    password_login(client, alice)
    client.get(SETUP)
    response = client.post(SETUP, {"token": "000000"})
    assert response.status_code == 200
    assert "Koden är fel eller har gått ut" in response.content.decode()
    assert not TOTPDevice.objects.get(user=alice).confirmed
    assert client.get(reverse("home")).status_code == 302


def test_enrolled_user_gives_the_code_at_each_login(client, alice):
    device = TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    password_login(client, alice)
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)

    wrong = client.post(VERIFY, {"token": "12345x"})
    assert "Koden består bara av siffror" in wrong.content.decode()
    wrong = client.post(VERIFY, {"token": "000000"})
    assert "Koden är fel eller har gått ut" in wrong.content.decode()

    # django-otp throttles after a failure; reset it so the right code is judged on its own.
    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(f"{VERIFY}?next=/", {"token": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200


def test_verify_refuses_to_redirect_off_site(client, alice):
    device = TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    password_login(client, alice)
    response = client.post(f"{VERIFY}?next=https://evil.example/", {"token": code_for(device)})
    assert response["Location"] == reverse("home")


def test_repeated_wrong_codes_are_throttled(client, alice):
    TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    password_login(client, alice)
    client.post(VERIFY, {"token": "000000"})
    response = client.post(VERIFY, {"token": "000001"})
    assert "För många felaktiga koder" in response.content.decode()


def test_two_factor_is_not_asked_when_switched_off(client, alice, settings):
    settings.SSPF_REQUIRE_2FA = False
    password_login(client, alice)
    assert client.get(reverse("home")).status_code == 200


def test_two_factor_is_on_by_default_in_production_and_off_in_development():
    from tests.sspf.test_settings import PRINT_SETTING, run_django

    production = run_django(["-c", PRINT_SETTING.format("SSPF_REQUIRE_2FA")], SECRET_KEY="x" * 50)
    development = run_django(["-c", PRINT_SETTING.format("SSPF_REQUIRE_2FA")], DEBUG="1")
    assert (production.stdout.strip(), development.stdout.strip()) == ("True", "False")


@pytest.fixture
def english(settings):
    """The new messages are asserted in English (their Swedish is added with makemessages)."""
    settings.LANGUAGE_CODE = "en"


def verified_login(client, user):
    """Signed in with both factors, as an administrator must be to reach the admin."""
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


def run_action(client, action, user):
    return client.post(
        "/admin/accounts/user/", {"action": action, "_selected_action": [user.pk]}, follow=True
    )


def test_one_administrator_alone_cannot_reset_a_device(client, make_user, alice, english):
    TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    verified_login(client, make_user("administrator"))
    asked = run_action(client, "request_two_factor_reset", alice)
    assert "another administrator must approve it" in asked.content.decode()
    assert TOTPDevice.objects.filter(user=alice).exists()

    approved = run_action(client, "approve_two_factor_reset", alice)
    assert "Another administrator must approve the reset you asked for." in (
        approved.content.decode()
    )
    assert TOTPDevice.objects.filter(user=alice).exists()
    # The old single-step action is gone.
    run_action(client, "reset_two_factor", alice)
    assert TOTPDevice.objects.filter(user=alice).exists()


def test_a_second_administrator_approves_and_both_steps_are_sealed(
    client, make_user, alice, english
):
    from audit.models import LogEntry

    TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    first, second = make_user("administrator"), make_user("administrator")
    verified_login(client, first)
    run_action(client, "request_two_factor_reset", alice)
    listed = client.get("/admin/accounts/user/?two_factor_reset=pending").content.decode()
    assert "alice" in listed and "Reset waiting for a second administrator" in listed

    client.logout()
    verified_login(client, second)
    approved = run_action(client, "approve_two_factor_reset", alice)
    assert "1 reset approved" in approved.content.decode()
    assert not TOTPDevice.objects.filter(user=alice).exists()

    request = alice.two_factor_reset_requests.get()
    (asked,) = LogEntry.objects.get_for_object(request).filter(action=LogEntry.Action.CREATE)
    (done,) = LogEntry.objects.get_for_object(request).filter(action=LogEntry.Action.UPDATE)
    assert (asked.actor, done.actor) == (first, second)
    removed = LogEntry.objects.filter(
        content_type__model="totpdevice", action=LogEntry.Action.DELETE
    ).get()
    assert removed.actor == second
    assert all(hasattr(entry, "seal") for entry in (asked, done, removed))

    # Alice enrols a new device herself at her next password login.
    client.logout()
    password_login(client, alice)
    assert client.get(VERIFY)["Location"] == SETUP
    assert "<svg" in client.get(SETUP).content.decode()


def test_nobody_approves_a_reset_of_their_own_device(client, make_user, english):
    first, second = make_user("administrator"), make_user("administrator")
    TOTPDevice.objects.create(user=second, name="app", confirmed=True)
    verified_login(client, first)
    run_action(client, "request_two_factor_reset", second)
    client.logout()
    verified_login(client, second)
    response = run_action(client, "approve_two_factor_reset", second)
    assert "Another administrator must approve a reset of your own device." in (
        response.content.decode()
    )
    assert TOTPDevice.objects.filter(user=second).count() == 2


def test_enrolment_needs_the_password_given_in_this_session(client, alice, english):
    """Whoever sits at an old session (or an administrator's force-login) cannot enrol."""
    client.force_login(alice)
    page = client.get(SETUP).content.decode()
    assert "<svg" not in page
    assert 'name="password"' in page
    assert not TOTPDevice.objects.filter(user=alice).exists()

    wrong = client.post(SETUP, {"password": "not-the-password"})
    assert "The password is wrong." in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=alice).exists()

    assert client.post(SETUP, {"password": PASSWORD})["Location"] == SETUP
    assert "<svg" in client.get(SETUP).content.decode()


def test_a_password_given_long_ago_is_asked_again(client, alice):
    from accounts.views import PASSWORD_GIVEN_AT

    password_login(client, alice)
    session = client.session
    session[PASSWORD_GIVEN_AT] -= 11 * 60
    session.save()
    assert 'name="password"' in client.get(SETUP).content.decode()


def test_a_key_shown_in_another_session_is_never_confirmed(client, alice):
    """Someone who held the password earlier saw a key; the user's own enrolment gets another."""
    from django.test import Client

    intruder = Client()
    password_login(intruder, alice)
    intruder.get(SETUP)
    seen = TOTPDevice.objects.get(user=alice, confirmed=False)

    password_login(client, alice)
    client.get(SETUP)
    response = client.post(SETUP, {"token": code_for(seen)})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=alice, confirmed=True).exists()
    assert not TOTPDevice.objects.filter(pk=seen.pk).exists()


def test_enrolment_is_sealed_without_the_key_and_logins_add_nothing(client, alice):
    from audit.models import LogEntry
    from audit.registry import MASK

    password_login(client, alice)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=alice)
    client.post(SETUP, {"token": code_for(device)})
    entries = LogEntry.objects.filter(content_type__model="totpdevice", object_id=device.pk)
    assert {entry.action for entry in entries} == {LogEntry.Action.CREATE, LogEntry.Action.UPDATE}
    assert entries.get(action=LogEntry.Action.UPDATE).changes["confirmed"] == ["False", "True"]
    created = entries.get(action=LogEntry.Action.CREATE)
    assert created.changes["key"] == [MASK, MASK]
    assert device.key not in str([entry.changes for entry in entries])

    count = LogEntry.objects.filter(content_type__model="totpdevice").count()
    client.logout()
    device.refresh_from_db()
    device.last_t = -1  # a fresh login may reuse the same 30-second step
    device.save(update_fields=["last_t"])
    password_login(client, alice)
    client.post(VERIFY, {"token": code_for(device)})
    assert client.get(reverse("home")).status_code == 200
    assert LogEntry.objects.filter(content_type__model="totpdevice").count() == count


def test_the_admin_has_no_page_to_give_anyone_a_device(client, make_user, alice):
    verified_login(client, make_user("administrator"))
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 404
    assert client.get(f"/admin/accounts/user/{alice.pk}/change/").status_code == 200
    assert not TOTPDevice.objects.filter(user=alice).exists()
