"""A field worker on a phone at night: group and named contacts in a few taps, an expired
session that loses nothing, and a double tap that records once."""

from django.contrib.sessions.models import Session

from accounts.demo import DEMO_PASSWORD
from cases.models import Case
from contacts.models import Contact

PHONE = {"width": 390, "height": 844}


def log_in(page, username="faltare"):
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def test_field_worker_records_on_a_phone(page, screenshot, live_server, demo):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page)
    page.get_by_role("heading", name="Välkommen, Fredrik").wait_for()
    before = Contact.objects.count()

    # An anonymous group contact: five actions (now and the last place are filled in).
    page.get_by_role("link", name="Registrera kontakt").click()
    page.get_by_label("Flickor").fill("2")
    page.get_by_label("Pojkar").fill("3")
    page.get_by_label("Åldersgrupp").select_option("13_15")
    page.get_by_role("button", name="Spara kontakt").click()
    page.get_by_text("Kontakten är registrerad.").wait_for()
    group = Contact.objects.latest("id")
    assert (group.girls, group.boys, group.age_band, group.young_person) == (2, 3, "13_15", None)
    screenshot("contact-phone-group")

    # A named contact on a case: four actions.
    case = Case.objects.filter(members__user__username="faltare").order_by("pk").first()
    page.get_by_label("Namngiven ung person").check()
    page.get_by_label("Ärende").select_option(label=case.reference)
    page.get_by_label("Anteckning (frivillig)").fill("Kort samtal vid busshållplatsen.")
    page.get_by_role("button", name="Spara kontakt").click()
    page.get_by_text("Kontakten är registrerad.").wait_for()
    named = Contact.objects.latest("id")
    assert (named.case, named.girls) == (case, 0)
    assert Contact.objects.count() == before + 2
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"]

    # The session expires while the worker types; nothing typed is lost.
    page.get_by_label("Flickor").fill("4")
    page.get_by_label("Anteckning (frivillig)").fill("Halvskriven anteckning om gruppen vid torget")
    Session.objects.all().delete()
    page.get_by_role("button", name="Spara kontakt").click()
    page.get_by_role("heading", name="Logga in").wait_for()
    assert Contact.objects.count() == before + 2
    log_in(page)
    page.get_by_role("heading", name="Registrera kontakt").wait_for()
    assert page.get_by_label("Flickor").input_value() == "4"
    assert page.get_by_label("Anteckning (frivillig)").input_value().startswith("Halvskriven")
    screenshot("contact-phone-restored")

    # A double tap records one contact.
    page.get_by_role("button", name="Spara kontakt").dblclick()
    page.get_by_text("registrerad").first.wait_for()
    assert Contact.objects.count() == before + 3
    assert Contact.objects.latest("id").note == "Halvskriven anteckning om gruppen vid torget"
