"""Every page, as every role and the anonymous visitor, carries the security headers, holds no
inline code and names no missing id in aria-describedby or aria-labelledby (issue 16, items 5
and 6). The pages are those of the authorization matrix, so a new URL
is checked here as soon as it gets its matrix row."""

import json

import pytest

from tests.factories import PASSWORD
from tests.hardening.pages import dangling_references, every_url, header_problems, inline_code
from tests.security.matrix import ANONYMOUS, EVERYONE
from tests.sspf.test_settings import run_django


@pytest.mark.parametrize("who", EVERYONE)
def test_every_page_carries_the_headers_and_no_inline_code_or_dangling_reference(
    client, world, who
):
    if who != ANONYMOUS:
        client.force_login(world[who])
    wrong, html_pages = {}, 0
    for name, url in every_url(world):
        response = client.get(url)
        problems = header_problems(response)
        if response.get("Content-Type", "").startswith("text/html"):
            html_pages += 1
            problems += inline_code(response.content.decode())
            problems += dangling_references(response.content.decode())
        if problems:
            wrong[f"{name} {url} ({response.status_code})"] = problems
    assert wrong == {}
    assert html_pages > 20  # the pages were really read, not only redirects


def test_error_pages_carry_the_headers_too(client, world):
    client.force_login(world["coordinator"])
    for response in (client.get("/no/such/page/"), client.post("/cases/", {})):
        assert header_problems(response) == []
        assert inline_code(response.content.decode()) == []


def _production_settings(*names: str) -> dict:
    """The named settings as production sees them: DEBUG off and nothing else set
    (tests/settings.py switches secure cookies and 2FA off for the test client)."""
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}))"
    )
    result = run_django(["-c", code], DEBUG="0", SECRET_KEY="s" * 50, ALLOWED_HOSTS="sspf.example")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


PRODUCTION_SECURITY = [
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
]


def test_production_sends_hsts_and_secure_cookies(client, alice, settings):
    production = _production_settings(*PRODUCTION_SECURITY)
    assert production["SECURE_HSTS_SECONDS"] >= 31536000
    assert production["SECURE_SSL_REDIRECT"]
    for name, value in production.items():
        setattr(settings, name, value)

    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    page = client.get("/accounts/login/", secure=True)
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"

    response = client.post(
        "/accounts/login/", {"username": alice.username, "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    csrf = page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"


def test_development_over_plain_http_sends_no_hsts(client, db):
    response = client.get("/accounts/login/")
    assert "Strict-Transport-Security" not in response
