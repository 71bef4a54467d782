"""An administrator never sets a password (DESIGN §6). Found under attack: an administrator set
a user's password in the admin, logged in as them and read a protected identity, and the
password change was not in the sealed log."""

import re

import pytest
from django.core import mail

from accounts.models import User
from audit.models import LogEntry
from tests.factories import PASSWORD

ADMIN_CHOSEN = "chosen-by-the-admin-2026"
OWN_CHOICE = "my-own-long-password-77"


@pytest.fixture(autouse=True)
def english(settings):
    """The new messages are asserted in English (their Swedish is added with makemessages)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def administrator(make_user):
    return make_user("administrator", username="anna.admin")


def login(client, username, password) -> bool:
    client.logout()
    client.post("/accounts/login/", {"username": username, "password": password})
    return "_auth_user_id" in client.session


def link_in(message) -> str:
    return re.search(r"https?://testserver(/accounts/password/\S+/)", message.body).group(1)


def choose_password(client, link, password):
    """Follows the link as the user does (Django swaps the token for a session marker)."""
    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    return client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
    )


def test_the_user_admin_has_no_password_page(client, administrator, bob):
    client.force_login(administrator)
    page = client.get(f"/admin/accounts/user/{bob.pk}/change/").content.decode()
    assert "../password/" not in page  # Django's "Reset password" link
    assert 'id="id_password' not in page
    url = f"/admin/accounts/user/{bob.pk}/password/"
    response = client.post(url, {"password1": ADMIN_CHOSEN, "password2": ADMIN_CHOSEN})
    assert response.status_code in (302, 404)
    assert login(client, "bob", PASSWORD)
    assert not login(client, "bob", ADMIN_CHOSEN)


def test_a_new_user_chooses_their_own_password_through_a_one_time_link(
    client, administrator, organisations
):
    client.force_login(administrator)
    page = client.get("/admin/accounts/user/add/").content.decode()
    assert "password1" not in page
    # An administrator posting a password anyway (a crafted form) sets nothing.
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "ny.kurator",
            "first_name": "Ny",
            "last_name": "Kurator",
            "email": "ny.kurator@example.org",
            "organisation": organisations["school_a"].pk,
            "password1": ADMIN_CHOSEN,
            "password2": ADMIN_CHOSEN,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="ny.kurator")
    assert not user.has_usable_password()
    assert not login(client, "ny.kurator", ADMIN_CHOSEN)

    (message,) = mail.outbox
    assert message.to == ["ny.kurator@example.org"]
    link = link_in(message)
    done = choose_password(client, link, OWN_CHOICE)
    assert done.status_code == 302
    assert done["Location"] == "/accounts/password/done/"
    assert login(client, "ny.kurator", OWN_CHOICE)

    # The link works once.
    client.logout()
    again = client.get(link, follow=True)
    assert "already been used or has expired" in again.content.decode()


def test_the_add_form_needs_an_email_address_for_the_link(client, administrator, organisations):
    client.force_login(administrator)
    response = client.post(
        "/admin/accounts/user/add/",
        {"username": "utan.post", "organisation": organisations["school_a"].pk},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="utan.post").exists()
    assert mail.outbox == []


def test_sending_a_password_link_is_in_the_sealed_log(client, administrator, bob):
    from accounts.services import PASSWORD_LINK_SENT

    client.force_login(administrator)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "send_password_link", "_selected_action": [bob.pk]},
        follow=True,
    )
    assert "1 link sent." in response.content.decode()
    (message,) = mail.outbox
    assert message.to == [bob.email]
    sent = LogEntry.objects.get_for_object(bob).get(additional_data__event=PASSWORD_LINK_SENT)
    assert sent.actor == administrator
    assert hasattr(sent, "seal")
    # The old password keeps working until the user chooses a new one.
    assert login(client, "bob", PASSWORD)


def test_a_password_change_is_in_the_sealed_log_without_the_password(client, administrator, bob):
    from accounts.services import CREDENTIALS_CHANGED

    client.force_login(administrator)
    client.post(
        "/admin/accounts/user/", {"action": "send_password_link", "_selected_action": [bob.pk]}
    )
    choose_password(client, link_in(mail.outbox[0]), OWN_CHOICE)
    changed = LogEntry.objects.get_for_object(bob).get(additional_data__event=CREDENTIALS_CHANGED)
    assert changed.changes == {}
    assert hasattr(changed, "seal")
    assert login(client, "bob", OWN_CHOICE)
    assert not login(client, "bob", PASSWORD)


def test_no_link_for_an_inactive_account(client, administrator, bob):
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    client.force_login(administrator)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "send_password_link", "_selected_action": [bob.pk]},
        follow=True,
    )
    assert "The account is not active." in response.content.decode()
    assert mail.outbox == []
