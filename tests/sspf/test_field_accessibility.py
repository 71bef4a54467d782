"""Help texts and error messages are tied to their inputs (templates/field.html).

Django puts `aria-describedby="<id>_helptext <id>_error"` and `aria-invalid="true"` on an input;
a screen reader reads the text of those elements when the input gets focus, but only if each
named id exists on the page (exactly once). For a group of checkboxes or radios Django names no
ids on the inputs, so the group around them carries the description instead.
"""

import uuid
from collections import Counter
from html.parser import HTMLParser

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

from contacts.models import Place
from tests.once import post_form

pytestmark = pytest.mark.django_db


class Page(HTMLParser):
    """Every start tag of a page with its attributes, and how often each id occurs."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.ids = Counter()
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attrs))
        if attrs.get("id"):
            self.ids[attrs["id"]] += 1

    def by_id(self, id_):
        return next(attrs for tag, attrs in self.elements if attrs.get("id") == id_)

    def described_by(self):
        """(element's id or name, referenced id) for every id in every aria-describedby."""
        return [
            (attrs.get("id") or attrs.get("name") or tag, ref)
            for tag, attrs in self.elements
            for ref in attrs.get("aria-describedby", "").split()
        ]


def assert_every_description_exists_once(page):
    references = page.described_by()
    broken = {(element, ref): page.ids[ref] for element, ref in references if page.ids[ref] != 1}
    assert broken == {}, "aria-describedby names ids that are missing or not unique"
    return references


def assert_invalid_and_described(page, input_id, *, help_text=True):
    element = page.by_id(input_id)
    assert element.get("aria-invalid") == "true"
    expected = ([f"{input_id}_helptext"] if help_text else []) + [f"{input_id}_error"]
    assert element.get("aria-describedby", "").split() == expected


def text_of(html, id_):
    """The text inside the element with this id (the first element of that id)."""

    class Text(HTMLParser):
        depth = 0
        parts: list

        def handle_starttag(self, tag, attrs):
            if self.depth or dict(attrs).get("id") == id_:
                self.depth += 1

        def handle_endtag(self, tag):
            if self.depth:
                self.depth -= 1

        def handle_data(self, data):
            if self.depth:
                self.parts.append(data)

    parser = Text(convert_charrefs=True)
    parser.parts = []
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_login_with_empty_fields_ties_each_error_to_its_input(client):
    page = Page(client.get("/accounts/login/").content.decode())
    assert_every_description_exists_once(page)
    assert "aria-invalid" not in page.by_id("id_username")

    html = client.post("/accounts/login/", {"username": "", "password": ""}).content.decode()
    page = Page(html)
    references = assert_every_description_exists_once(page)
    assert ("id_username", "id_username_error") in references
    assert_invalid_and_described(page, "id_username", help_text=False)
    assert_invalid_and_described(page, "id_password", help_text=False)
    assert "Detta fält måste fyllas i." in text_of(html, "id_username_error")


def test_case_signal_search_ties_help_and_error_to_the_number(client, make_user):
    client.force_login(make_user("coordinator"))
    response = post_form(client, "/cases/new/", {"step": "search", "personnummer": "123"})
    html = response.content.decode()
    page = Page(html)
    assert_every_description_exists_once(page)
    assert_invalid_and_described(page, "id_personnummer")
    assert "ÅÅÅÅMMDD-NNNN" in text_of(html, "id_personnummer_error")
    assert "registreras två gånger" in text_of(html, "id_personnummer_helptext")


@pytest.fixture
def place(db):
    return Place.objects.create(name="Resecentrum", kind="station")


def test_contact_form_with_errors_ties_each_to_its_input_or_group(client, make_user, place):
    client.force_login(make_user("field_worker"))
    html = client.post(
        "/contacts/new/",
        {
            "client_token": str(uuid.uuid4()),
            "mode": "named",
            "kind": "street",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "place": place.pk,
            "personnummer": "19121212-1213",
            "themes": ["no-such-theme"],
        },
    ).content.decode()
    page = Page(html)
    assert_every_description_exists_once(page)
    assert_invalid_and_described(page, "id_personnummer")
    assert "Kontrollsiffran stämmer inte" in text_of(html, "id_personnummer_error")
    # No case and no valid number: the case field gets an error of its own.
    assert_invalid_and_described(page, "id_case", help_text=False)
    # A checkbox group (group contacts only: a named contact ignores the group's fields): no
    # input names an id, the group around them does.
    html = client.post(
        "/contacts/new/",
        {
            "client_token": str(uuid.uuid4()),
            "mode": "group",
            "kind": "street",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "place": place.pk,
            "girls": 2,
            "themes": ["no-such-theme"],
        },
    ).content.decode()
    page = Page(html)
    assert_every_description_exists_once(page)
    checkboxes = [attrs for tag, attrs in page.elements if attrs.get("name") == "themes"]
    assert checkboxes and not any("aria-describedby" in box for box in checkboxes)
    groups = [attrs for tag, attrs in page.elements if attrs.get("role") == "group"]
    themes = next(group for group in groups if "id_themes_error" in group["aria-describedby"])
    assert page.ids[themes["aria-labelledby"]] == 1
    assert text_of(html, themes["aria-labelledby"]) == "Teman"


def test_empty_contact_form_names_no_missing_ids(client, make_user):
    client.force_login(make_user("field_worker"))
    page = Page(client.get("/contacts/new/").content.decode())
    references = assert_every_description_exists_once(page)
    assert ("id_personnummer", "id_personnummer_helptext") in references
    labelled_by = [
        ref for _, attrs in page.elements for ref in attrs.get("aria-labelledby", "").split()
    ]
    assert labelled_by and all(page.ids[ref] == 1 for ref in labelled_by)
    # A label for a group of checkboxes points at no single input: no for="" (or a wrong one).
    label_targets = [
        attrs["for"] for tag, attrs in page.elements if tag == "label" and "for" in attrs
    ]
    assert all(page.ids[target] == 1 for target in label_targets)


class TwoErrorsForm(forms.Form):
    code = forms.CharField(help_text="Four letters.")

    def clean_code(self):
        raise ValidationError(["Too short.", "Letters only."])


def test_two_errors_for_one_field_share_one_element_with_the_id():
    form = TwoErrorsForm({"code": "1"})
    html = render_to_string("field.html", {"field": form["code"]})
    page = Page(html)
    assert_every_description_exists_once(page)
    assert_invalid_and_described(page, "id_code")
    assert text_of(html, "id_code_error") == "Too short. Letters only."
