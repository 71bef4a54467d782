"""A coordinator opens the gender view for a year, switches to terms, downloads the CSV
(Swedish Excel: UTF-8 with BOM, ';') and the chart carries a text alternative."""

import datetime

import pytest

from tests.browser.test_school_visit import log_in

pytestmark = pytest.mark.browser


def test_coordinator_views_terms_and_downloads_the_csv(page, screenshot, live_server, demo):
    year = datetime.date.today().year - 1
    log_in(page, live_server.url, "samordnare")
    page.get_by_role("link", name="Gender-disaggregated statistics").or_(
        page.get_by_role("link", name="Könsuppdelad statistik")
    ).first.click()
    page.get_by_label("What to count").or_(page.get_by_label("Vad som räknas")).first.select_option(
        value="contacts_group"
    )
    page.locator("#id_year").select_option(str(year))
    page.locator("#id_split").select_option("term")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**split=term**")
    table = page.locator("table.stats-table")
    assert table.locator("tbody th").count() == 2  # spring and autumn term
    chart = page.locator("svg.stats-chart")
    assert chart.get_attribute("role") == "img"
    description = chart.locator("desc").text_content()
    assert str(year) in description or "termin" in description.lower()
    first_row = table.locator("tbody tr").first.locator("td")
    girls = first_row.first.inner_text()
    assert girls.isdigit() or girls.startswith("×")
    if girls.isdigit():
        assert girls in description
    screenshot("stats-terms")
    with page.expect_download() as download:
        page.locator("a[href*='/stats/csv/']").click()
    with open(download.value.path(), "rb") as saved:
        raw = saved.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    lines = text.splitlines()
    assert len(lines) == 5  # title, header, two terms, totals
    assert all(";" in line for line in lines[1:])
