"""Shared set-up for the fault and concurrency tests: the case team of tests/cases, and a
client per user that reads the pages in English (the messages checked are the English
msgids, whatever the Swedish catalogue says)."""

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.cases.conftest import case, consented_case, guardians, person, team  # noqa: F401


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def as_user():
    return client_of


def hidden(html: str, name: str) -> str:
    """The value of the hidden input `name` in a page, as the browser would send it."""
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden input {name!r} on the page"
    return match.group(1)
