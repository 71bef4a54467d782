"""The password policy, through the page where a user chooses their password (the one-time
link; DESIGN §6: no administrator ever sets one): at least 12 characters, not a common
password, not all digits, not like the user's own name, username or e-mail address."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.html import escape
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from tests.factories import PASSWORD

GOOD = "sju-gröna-cyklar-i-regnet"


@pytest.fixture
def margareta(make_user):
    return make_user(
        "social_worker",
        username="margareta.lindqvist",
        first_name="Margareta",
        last_name="Lindqvist",
        email="margareta.lindqvist@kommun.example",
    )


def choose(client, user, password):
    """Opens the user's link as they would and submits the password twice."""
    link = (
        f"/accounts/password/{urlsafe_base64_encode(force_bytes(user.pk))}/"
        f"{default_token_generator.make_token(user)}/"
    )
    form = client.get(link, follow=True)
    assert form.status_code == 200
    return client.post(
        form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )


def can_log_in(client, user, password) -> bool:
    client.logout()
    client.post("/accounts/login/", {"username": user.username, "password": password})
    logged_in = client.session.get("_auth_user_id") == str(user.pk)
    client.logout()
    return logged_in


@pytest.mark.parametrize(
    "password,code",
    [
        ("kort-lösen", "password_too_short"),  # 10 characters
        ("1qaz2wsx3edc", "password_too_common"),
        ("administrator", "password_too_common"),
        ("190512345678", "password_entirely_numeric"),
        ("MargaretaLindqvist", "password_too_similar"),
        ("margareta.lindqvist!", "password_too_similar"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason(client, margareta, password, code):
    response = choose(client, margareta, password)
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["new_password2"]
    assert code in {error.code for error in errors}
    html = response.content.decode()
    for error in errors:
        assert escape(error.messages[0]) in html
    assert not can_log_in(client, margareta, password)
    assert can_log_in(client, margareta, PASSWORD)


def test_a_good_password_is_accepted_and_opens_the_account(client, margareta):
    response = choose(client, margareta, GOOD)
    assert response.status_code == 302
    assert can_log_in(client, margareta, GOOD)
    assert not can_log_in(client, margareta, PASSWORD)


def test_the_policy_does_not_compare_with_another_users_name(client, margareta, make_user):
    """Similarity is to the user's own attributes only: a colleague's name is no reason."""
    other = make_user("school_staff", username="karl.holmberg", first_name="Karl")
    assert choose(client, other, "MargaretaLindqvist-och-jag").status_code == 302
    assert User.objects.get(pk=other.pk).check_password("MargaretaLindqvist-och-jag")
