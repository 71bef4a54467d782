"""On a 390 px phone every list page reads without sideways scrolling of the page: tables
stack each row into a small card (a label before each value) instead of growing wider than
the screen. Each list is opened as the demo user who sees it."""

from cases.models import Case
from meetings.models import Meeting
from tests.browser.test_case_consent import log_in, log_out

PHONE = {"width": 390, "height": 844}


def case_with_plan():
    return Case.objects.filter(plan_items__isnull=False).order_by("pk").first()


def pages_by_user():
    case = case_with_plan()
    meeting = Meeting.objects.order_by("pk").first()
    return {
        "samordnare": [
            "/",
            "/cases/",
            f"/cases/{case.pk}/",
            f"/cases/{case.pk}/consents/",
            f"/cases/{case.pk}/team/",
            "/schools/",
            "/schools/coverage/",
            "/schools/assignments/",
            "/contacts/",
            "/contacts/overview/",
            "/contacts/places/",
            "/meetings/",
            f"/meetings/{meeting.pk}/",
            "/meetings/prepare/",
            "/stats/",
            "/stats/follow-up/",
            "/stats/targets/",
        ],
        "faltare": ["/", "/contacts/", "/schools/", "/cases/"],
        "kontaktpolis": ["/", "/schools/", "/cases/", "/referrals/outbox/"],
        "skolpersonal": ["/", "/cases/", "/meetings/"],
        "medlare": ["/", "/referrals/inbox/"],
        "stodcentrum": ["/", "/referrals/inbox/"],
        "granskare": [
            "/",
            "/audit/",
            "/audit/entries/",
            "/audit/findings/",
            "/audit/reviews/",
            "/audit/integrity/",
        ],
    }


def test_no_list_page_scrolls_sideways_on_a_phone(page, live_server, demo):
    page.set_viewport_size(PHONE)
    too_wide = {}
    for username, paths in pages_by_user().items():
        log_in(page, live_server.url, username)
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert response.status == 200, (username, path)
            if width > PHONE["width"]:
                too_wide[(username, path)] = width
        log_out(page)
    assert too_wide == {}


ROW_HEIGHTS = "[...document.querySelectorAll('main table tbody tr')].map(r => r.offsetHeight)"


def test_my_contacts_is_one_short_summary_per_contact_on_a_phone(page, live_server, demo):
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "faltare")
    page.goto(f"{live_server.url}/contacts/")
    heights = page.evaluate(ROW_HEIGHTS)
    line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
    assert len(heights) == 30  # a full page of the demo's contacts
    assert max(heights) <= 5 * line  # a date line and a short summary, not a word per line
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
