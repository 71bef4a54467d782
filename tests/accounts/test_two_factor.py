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


def test_administrator_reset_removes_the_device(client, make_user, alice):
    TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    admin = make_user("administrator")
    client.force_login(admin)
    session = client.session
    # The administrator has passed the second factor too.
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    session["otp_device_id"] = device.persistent_id
    session.save()
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [alice.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()
