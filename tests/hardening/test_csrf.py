"""CSRF on every state-changing URL (issue 16, item 5).

Every URL of the authorization matrix is posted to without the CSRF token by a user who may
use the page (a form that writes) and by the anonymous visitor: each is refused with the plain
"form has expired" page, and not one row of any table changes — no write, no audit entry."""

import pytest
from django.apps import apps
from django.test import Client

from tests.hardening.pages import every_url
from tests.security.matrix import ANONYMOUS, cases


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _who_may_use(policy) -> str:
    """A role the page answers (a form it would accept); the anonymous visitor otherwise."""
    for role, status in policy.expected.items():
        if role != ANONYMOUS and status in {200, 302}:
            return role
    return ANONYMOUS


def test_every_post_without_the_token_is_refused_and_writes_nothing(world):
    plan = [
        (name, url, who)
        for (name, policy), (_name, url) in zip(cases(), every_url(world), strict=True)
        for who in sorted({_who_may_use(policy), ANONYMOUS})
    ]
    clients = {}
    for who in {who for _name, _url, who in plan}:
        clients[who] = Client(enforce_csrf_checks=True)
        if who != ANONYMOUS:
            clients[who].force_login(world[who])
    before = row_counts()  # after the logins, which write a session each
    wrong = {}
    for name, url, who in plan:
        # Plausible form data, so that only the missing token can be the reason.
        response = clients[who].post(url, {"confirm": "on", "reason": "x", "text": "x"})
        if response.status_code != 403 or "Formuläret har gått ut" not in (
            response.content.decode()
        ):
            wrong[f"{name} as {who}"] = response.status_code
    assert wrong == {}
    assert row_counts() == before
    assert len(plan) > len(cases())


def test_the_same_post_with_the_token_is_accepted(world):
    """The control for the test above: with its token the post gets through the middleware."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["coordinator"])
    client.get("/")
    token = client.cookies["csrftoken"].value
    response = client.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_no_view_is_exempt_from_csrf():
    from django.urls import URLPattern, URLResolver, get_resolver

    exempt = []

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and getattr(
                pattern.callback, "csrf_exempt", False
            ):
                exempt.append(str(pattern.pattern))

    walk(get_resolver().url_patterns)
    assert exempt == []


@pytest.mark.parametrize("header", ["HTTP_ORIGIN", "HTTP_REFERER"])
def test_a_post_from_another_site_with_a_stolen_token_is_refused(world, header, settings):
    """Over HTTPS Django also checks where the post came from."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["coordinator"])
    client.get("/", secure=True)
    token = client.cookies["csrftoken"].value
    before = row_counts()
    response = client.post(
        "/i18n/setlang/",
        {"language": "en", "csrfmiddlewaretoken": token},
        secure=True,
        **{header: "https://evil.example/"},
    )
    assert response.status_code == 403
    assert row_counts() == before
