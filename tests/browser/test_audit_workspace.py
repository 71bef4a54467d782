"""The demo auditor finds who read a demo person's record, exports it, and completes a log
review (issue 13). Fields are found by their names, so the test outlives the translations."""

import re
from pathlib import Path

from audit.models import Review
from cases.models import PersonName
from tests.browser.test_case_consent import log_in, log_out


def test_the_auditor_finds_who_read_a_record_exports_it_and_reviews_the_log(
    page, screenshot, live_server, demo
):
    person = next(
        name.young_person
        for name in PersonName.objects.select_related("young_person")
        if name.given_name == "Ellinor"  # encrypted: compared after decryption
    )

    log_in(page, live_server.url, "granskare")
    page.locator('a[href="/audit/"]').first.click()
    page.locator('input[name="personnummer"]').first.fill(person.personnummer)
    page.locator('form[action="/audit/entries/"] button[type="submit"]').first.click()
    page.wait_for_url(re.compile(rf"/audit/entries/\?person={person.pk}$"))
    rows = page.locator("table tbody tr")
    assert rows.count() > 0
    assert "Ellinor" not in page.content()
    screenshot("audit-person-entries")

    page.locator(f'a[href="/audit/people/{person.pk}/"]').click()
    page.get_by_role("heading", level=1).wait_for()
    for reader in ("samordnare", "skolpersonal", "faltare2"):  # faltare2 after leaving
        assert page.get_by_role("cell", name=reader, exact=True).count() >= 1
    with page.expect_download() as download:
        page.locator(f'a[href^="/audit/people/{person.pk}/csv/"]').first.click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "skolpersonal" in exported and "Ellinor" not in exported
    screenshot("audit-extract")

    page.goto(f"{live_server.url}/audit/reviews/")
    page.locator('input[name="per_organisation"]').fill("1")
    page.locator('form[method="post"] button[type="submit"]').last.click()
    page.wait_for_url(re.compile(r"/audit/reviews/\d+/$"))
    review = Review.objects.get()
    samples = review.samples.count()
    assert samples > 0
    page.locator('a[href*="/samples/"]').first.click()
    for _ in range(samples):
        page.wait_for_url(re.compile(r"/samples/\d+/$"))
        page.locator('input[name="verdict"][value="justified"]').check()
        page.locator('form[method="post"] button[type="submit"]').last.click()
        page.wait_for_load_state()
        if not re.search(r"/samples/\d+/$", page.url):
            break
    page.wait_for_url(re.compile(rf"/audit/reviews/{review.pk}/$"))
    page.locator(f'a[href="/audit/reviews/{review.pk}/close/"]').click()
    page.locator('textarea[name="conclusion"]').fill("Stickprovet visar inga obefogade läsningar.")
    page.locator('form[method="post"] button[type="submit"]').last.click()
    page.wait_for_url(re.compile(rf"/audit/reviews/{review.pk}/$"))
    page.get_by_text("Stickprovet visar inga obefogade läsningar.").wait_for()
    screenshot("audit-review-closed")
    review.refresh_from_db()
    assert review.is_closed
    assert not review.samples.filter(verdict="").exists()
    log_out(page)
