"""A police officer refers a young crime victim to the support centre; the centre accepts,
starts, records two support contacts and completes; the officer sees each status change on
the referral page. Elements are found by their ids, values and classes, not by their text."""

import datetime

from django.utils import timezone

from referrals.models import Referral
from tests.browser.test_case_consent import log_in
from tests.cases.factories import make_personnummer


def status_shown(page, url, status):
    page.goto(url)
    page.locator(f"h1 .status-{status}").wait_for()


def test_a_victim_support_referral_from_the_police_to_completion(browser, live_server, demo):
    officer = browser.new_context(locale="sv-SE").new_page()
    centre = browser.new_context(locale="sv-SE").new_page()
    for page in (officer, centre):
        page.set_default_timeout(15_000)
    base = live_server.url
    today = timezone.localdate()

    log_in(officer, base, "kontaktpolis")
    officer.goto(f"{base}/referrals/new/victim-support/")
    receiver = officer.locator("#id_receiver option:not([value=''])").first.get_attribute("value")
    officer.select_option("#id_receiver", receiver)
    officer.fill("#id_personnummer", make_personnummer(datetime.date(today.year - 16, 3, 9)))
    officer.select_option("#id_gender", "girl")
    officer.fill("#id_contact_name", "Tova Ek")
    officer.fill("#id_contact_details", "070-555 12 12")
    officer.fill("#id_offence_date", (today - datetime.timedelta(days=2)).isoformat())
    officer.select_option("#id_offence_category", "robbery")
    officer.fill("#id_police_report_number", "5000-K77-26")
    officer.check("#id_victim_agreed_to_contact")
    officer.check("#id_custodian_agreed_to_contact")
    officer.locator("main form button[type=submit]").click()
    officer.locator("h1 .status-draft").wait_for()
    referral = Referral.objects.get(
        created_by__username="kontaktpolis",
        status="draft",
        young_person__birth_date=datetime.date(today.year - 16, 3, 9),
    )
    url = f"{base}/referrals/{referral.pk}/"
    officer.locator("form[action$='/send/'] button").click()
    officer.locator("h1 .status-sent").wait_for()

    log_in(centre, base, "stodcentrum")
    centre.locator(f"a[href='/referrals/{referral.pk}/']").first.click()
    centre.locator("form[action$='/accept/'] button").click()
    centre.locator("h1 .status-accepted").wait_for()
    status_shown(officer, url, "accepted")

    centre.locator("form[action$='/start/'] button").click()
    centre.locator("h1 .status-in_progress").wait_for()
    status_shown(officer, url, "in_progress")

    for note in ("Första samtalet med Tova.", "Samtal med Tova och mamma."):
        centre.locator("a[href$='/activities/new/']").click()
        centre.select_option("#id_kind", "support_contact")
        centre.fill("#id_date", today.isoformat())
        centre.fill("#id_note", note)
        centre.locator("main form button[type=submit]").click()
        centre.get_by_text(note).wait_for()
    centre.locator("a[href$='/complete/']").click()
    centre.check("input[name=outcome][value=support_given]")
    centre.locator("main form button[type=submit]").click()
    centre.locator("h1 .status-completed").wait_for()

    status_shown(officer, url, "completed")
    assert officer.locator("ol.timeline > li").count() == 5  # draft, sent, accepted, started, done
    assert officer.get_by_text("Första samtalet med Tova.").count() == 0  # the centre's records
    officer.screenshot(path=str(_shots() / "referral-completed-officer.png"), full_page=True)
    referral.refresh_from_db()
    assert referral.status == "completed" and referral.activities.count() == 2


def _shots():
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
