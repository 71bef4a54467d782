"""Issue 18 on a 390 px phone: after an error and a save the next contact form is empty;
Back and Save again records nothing new and shows the first contact; a correction and a void
appear in the history and in the counts. New buttons are found by their address, not their
text, so that the lead's translations do not break the test."""

import pytest

from contacts.models import Contact
from tests.browser.test_contact_on_phone import PHONE, log_in

pytestmark = pytest.mark.browser


def test_error_save_back_correct_and_void_on_a_phone(page, screenshot, live_server, demo):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page)
    page.get_by_role("heading", name="Välkommen, Fredrik").wait_for()
    before = Contact.objects.count()

    # An error first (no one counted), then a save.
    page.goto(f"{live_server.url}/contacts/new/")
    page.get_by_label("Anteckning (frivillig)").fill("Gammal text")
    page.get_by_role("button", name="Spara kontakt").click()
    page.locator(".field-error").first.wait_for()
    page.get_by_label("Flickor").fill("6")
    page.get_by_label("Pojkar").fill("7")
    page.get_by_role("button", name="Spara kontakt").click()
    page.get_by_text("Kontakten är registrerad.").wait_for()
    assert Contact.objects.count() == before + 1
    first = Contact.objects.latest("id")

    # The next new contact opens empty, with no restored draft.
    page.goto(f"{live_server.url}/contacts/new/")
    assert page.get_by_label("Anteckning (frivillig)").input_value() == ""
    assert page.get_by_label("Flickor").input_value() == "0"
    assert page.locator(".draft-notice").is_hidden()

    # Save, Back, Save again: no second record, the first is shown.
    page.get_by_label("Flickor").fill("6")
    page.get_by_label("Pojkar").fill("7")
    token = page.locator("input[name=client_token]").input_value()
    page.get_by_role("button", name="Spara kontakt").click()
    page.get_by_text("Kontakten är registrerad.").wait_for()
    second = Contact.objects.latest("id")
    assert Contact.objects.count() == before + 2
    page.go_back()
    page.get_by_role("heading", name="Registrera kontakt").wait_for()
    if page.locator("input[name=client_token]").input_value() == token:
        page.get_by_role("button", name="Spara kontakt").click()
    else:  # not kept by the browser: the same form sent again, as Back would
        page.evaluate(
            "t => { document.querySelector('input[name=client_token]').value = t;"
            " document.querySelector('form[data-draft]').submit(); }",
            token,
        )
    page.wait_for_url(f"**/contacts/{second.pk}/")
    assert Contact.objects.count() == before + 2

    # A correction, then a void, both in the history; the counts follow.
    page.goto(f"{live_server.url}/contacts/{first.pk}/correct/")
    page.get_by_label("Flickor").fill("8")
    page.locator("form:has([name=reason]) button[type=submit]").click()
    page.wait_for_url(f"**/contacts/{first.pk}/")
    first.refresh_from_db()
    assert first.girls == 8
    assert page.locator("#history-heading").is_visible()
    assert page.locator(".history li").count() == 1
    page.locator(f"a[href='/contacts/{first.pk}/void/']").click()
    page.locator("textarea[name=reason]").fill("Registrerad två gånger")
    page.locator("form:has([name=reason]) button[type=submit]").click()
    page.wait_for_url(f"**/contacts/{first.pk}/")
    assert page.locator(".history li").count() == 2
    assert page.get_by_text("Registrerad två gånger").is_visible()
    assert Contact.objects.filter(voided_at__isnull=True, pk=first.pk).count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot("contact-corrections-phone")
