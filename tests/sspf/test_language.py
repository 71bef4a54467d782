"""Swedish by default whatever the browser asks for; English only by the language switch,
and then remembered. Counts use the plural forms of the translation ("1 flicka", "2 flickor")."""

import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from contacts import services
from contacts.models import Place

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
SWEDISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "sv-SE,sv;q=0.9"}


def test_an_english_browser_gets_swedish(client):
    response = client.get("/accounts/login/", **ENGLISH_BROWSER)
    assert response.status_code == 200
    assert response["Content-Language"] == "sv"
    assert "Logga in" in response.content.decode()
    assert "Log in" not in response.content.decode()


def test_english_only_by_the_switch_and_then_remembered(client):
    assert "Logga in" in client.get("/accounts/login/", **ENGLISH_BROWSER).content.decode()

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert switched.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    # Remembered on the next pages, even when the browser itself asks for Swedish.
    for headers in (SWEDISH_BROWSER, ENGLISH_BROWSER, {}):
        page = client.get("/accounts/login/", **headers)
        assert page["Content-Language"] == "en"
        assert "Log in" in page.content.decode()

    client.post("/i18n/setlang/", {"language": "sv", "next": "/accounts/login/"})
    assert "Logga in" in client.get("/accounts/login/", **ENGLISH_BROWSER).content.decode()


def test_an_unknown_language_in_the_cookie_falls_back_to_swedish(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx-klingon"
    page = client.get("/accounts/login/", **ENGLISH_BROWSER)
    assert page["Content-Language"] == "sv"


def group(by, place, **counts):
    contact, _ = services.contact_record(
        by=by,
        client_token=uuid.uuid4(),
        occurred_at=timezone.now(),
        place=place,
        kind="street",
        **counts,
    )
    return contact


def test_my_contacts_counts_use_plural_forms(client, make_user):
    worker = make_user("field_worker", username="fredrik")
    place = Place.objects.create(name="Torget", kind="centre")
    group(worker, place, girls=1, boys=2)
    group(worker, place, girls=2, boys=1, others=1)
    client.force_login(worker)

    page = client.get("/contacts/", **ENGLISH_BROWSER).content.decode()
    assert "1 flicka, 2 pojkar" in page
    assert "2 flickor, 1 pojke, 1 med annat kön" in page
    assert "1 flickor" not in page and "1 pojkar" not in page

    client.post("/i18n/setlang/", {"language": "en", "next": "/contacts/"})
    page = client.get("/contacts/").content.decode()
    assert "1 girl, 2 boys" in page
    assert "2 girls, 1 boy, 1 of another gender" in page
