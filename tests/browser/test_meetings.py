"""A coordinator prepares a network meeting, records minutes and a decision; the responsible
school staff member finds the new commitment on their home page; the agenda prints on one A4
page without navigation. In English (the language cookie), so that the test reads the msgids."""

import datetime

import pytest

from accounts.demo import DEMO_PASSWORD
from meetings.models import Meeting

A4_WIDTH_CSS_PX, A4_HEIGHT_CSS_PX = 794, 1123  # 210 × 297 mm at 96 px per inch


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Welcome", exact=False).wait_for()


def log_out(page):
    page.get_by_role("button", name="Log out").click()


@pytest.mark.browser
def test_a_network_meeting_from_preparation_to_the_commitment_on_the_home_page(
    page, screenshot, live_server, demo
):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    meeting = (
        Meeting.objects.filter(level="network", status="planned", case__plan_items__isnull=False)
        .select_related("case")
        .order_by("date")
        .first()
    )
    log_in(page, live_server.url, "samordnare")
    page.get_by_role("link", name="All my meetings").click()
    page.get_by_role("row").filter(has_text=meeting.case.reference).get_by_role("link").click()
    page.get_by_role("link", name="Prepare", exact=True).click()
    page.get_by_role("heading", name="Preparation", exact=False).wait_for()
    assert page.get_by_text("Mentor och vårdnadshavare ses varannan vecka").is_visible()
    screenshot("meeting-preparation")
    page.go_back()

    page.get_by_role("link", name="Write the minutes").first.click()
    page.get_by_label("Minutes").fill("Närvaron är bättre; Ellinor vill börja på fotbollen.")
    page.get_by_label("Kind of information").select_option("school")
    page.get_by_role("button", name="Save minutes").click()
    page.get_by_text("The minutes are saved.").wait_for()

    page.get_by_role("link", name="Record a decision").first.click()
    page.get_by_label("Goal").fill("Ellinor provar på fotbollen")
    page.get_by_label("Action").fill("Mentorn följer med på första träningen")
    page.get_by_label("Responsible organisation").select_option(label="Ekbackeskolan")
    page.get_by_label("Responsible person").select_option(label="Sven Kurator (Ekbackeskolan)")
    due = datetime.date.today() + datetime.timedelta(days=21)
    page.get_by_label("Due").fill(due.isoformat())
    page.get_by_label("Kind of information").select_option("school")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("The decision is recorded.").wait_for()
    screenshot("meeting-decision")

    page.get_by_role("link", name="Print the agenda").click()
    page.get_by_role("heading", name="Agenda", exact=False).first.wait_for()
    assert page.locator("nav").count() == 0 and page.locator(".site-header").count() == 0
    assert page.get_by_text("Mentorn följer med på första träningen").is_visible()
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_WIDTH_CSS_PX, "height": A4_HEIGHT_CSS_PX})
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_WIDTH_CSS_PX
    assert page.evaluate("document.body.getBoundingClientRect().width") <= A4_WIDTH_CSS_PX
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type/Page") == 1
    page.emulate_media(media="screen")
    screenshot("meeting-print")
    page.go_back()
    log_out(page)

    log_in(page, live_server.url, "skolpersonal")
    commitments = page.locator(
        "section", has=page.get_by_role("heading", name="My open commitments")
    )
    commitments.get_by_text("Mentorn följer med på första träningen").wait_for()
    screenshot("meeting-commitment-on-home")
