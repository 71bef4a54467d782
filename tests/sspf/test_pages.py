from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client, override_settings
from django.urls import path, reverse

from accounts.roles import ROLE_NAMES, ROLES_BY_NAME


def test_healthz_answers_200_when_the_database_is_reachable(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_healthz_answers_503_when_the_database_is_not(client, db):
    with mock.patch("sspf.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert b"down" not in response.content


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_home_page_fits_the_role(client, make_user, role, django_assert_max_num_queries):
    user = make_user(role)
    client.force_login(user)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert user.organisation.name in html
    assert str(ROLES_BY_NAME[role].label) in html
    assert ("Administration" in html) == (role == "administrator")


def test_home_page_names_the_role_in_swedish_and_english(client, make_user):
    client.force_login(make_user("field_worker"))
    assert "Fältsekreterare" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Field worker" in client.get("/").content.decode()


def test_404_page_reveals_nothing(client, alice):
    client.force_login(alice)
    response = client.get("/no/such/page/?personnummer=200001019876")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Sidan hittades inte" in html
    assert "200001019876" not in html
    assert "urlpatterns" not in html.lower()


def broken_view(request):
    raise RuntimeError("secret detail 19990101-1234")


urlpatterns = [path("broken/", broken_view)]


@override_settings(ROOT_URLCONF=__name__)
def test_500_page_reveals_nothing(db):
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Något gick fel" in html
    assert "secret detail" not in html
    assert "Traceback" not in html


def test_csrf_failure_gets_the_plain_page(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert "Formuläret har gått ut" in response.content.decode()


def test_security_headers(client, db):
    response = client.get("/accounts/login/")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]
