"""Keyboard only, no mouse (issue 16, item 6; WCAG 2.1.1): a field worker records a group and
a named contact on a phone, and a coordinator prepares a meeting and puts an item on its
agenda. Every step is a Tab, arrow, Space, Enter or typed text; each element the user reaches
shows where the focus is."""

import re

from accounts.demo import DEMO_PASSWORD
from contacts.models import Contact
from meetings.models import AgendaItem

PHONE = {"width": 390, "height": 844}
MAX_TABS = 80
FOCUSED = """
() => {
    const e = document.activeElement;
    if (!e || e === document.body) return {name: '', outlined: false};
    const label = e.labels && e.labels.length ? e.labels[0].textContent : '';
    const name = (e.getAttribute('aria-label') || label || e.textContent || e.value || '')
        .replace(/\\s+/g, ' ').trim();
    const style = getComputedStyle(e);
    return {name, tag: e.tagName.toLowerCase(),
            outlined: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0};
}
"""


def tab_to(page, name: str, *, exact=False):
    """Presses Tab until the focus is on the element called `name`; fails after MAX_TABS."""
    seen = []
    for _tab in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        seen.append(focused["name"][:40])
        if focused["name"] == name or (not exact and focused["name"].startswith(name)):
            assert focused["outlined"], f"no visible focus on {name!r}"
            return focused
    raise AssertionError(f"{name!r} not reached by Tab; focus went through {seen}")


def english(page, base_url):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base_url}])


def log_in_by_keyboard(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    tab_to(page, "Username")
    page.keyboard.type(username)
    tab_to(page, "Password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Welcome", exact=False).wait_for()


def test_a_field_worker_records_contacts_on_a_phone_by_keyboard(page, live_server, demo):
    page.set_viewport_size(PHONE)
    english(page, live_server.url)
    log_in_by_keyboard(page, live_server.url, "faltare")
    before = Contact.objects.count()

    tab_to(page, "Record contact", exact=True)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Record contact").wait_for()
    tab_to(page, "Girls")
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    tab_to(page, "Boys")
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    tab_to(page, "Age band")
    page.keyboard.press("ArrowDown")  # the first age band after "—"
    tab_to(page, "Save contact")
    page.keyboard.press("Enter")
    page.get_by_text("The contact is recorded.").wait_for()
    group = Contact.objects.latest("id")
    assert Contact.objects.count() == before + 1
    assert (group.girls, group.boys, group.case) == (2, 3, None)
    assert group.age_band

    # A named contact: the radio group is reached by Tab and changed with an arrow key.
    tab_to(page, "Anonymous group")
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Named young person").is_checked()
    tab_to(page, "Case")
    page.keyboard.press("ArrowDown")  # the first of the worker's cases after "No case"
    tab_to(page, "Note (optional)")
    page.keyboard.type("Kort samtal vid busshållplatsen.")
    tab_to(page, "Save contact")
    page.keyboard.press("Enter")
    page.get_by_text("The contact is recorded.").wait_for()
    named = Contact.objects.latest("id")
    assert Contact.objects.count() == before + 2
    assert named.case is not None and named.case.members.filter(user__username="faltare").exists()
    assert named.note == "Kort samtal vid busshållplatsen."
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_coordinator_prepares_a_meeting_by_keyboard(page, live_server, demo):
    english(page, live_server.url)
    log_in_by_keyboard(page, live_server.url, "samordnare")

    tab_to(page, "Prepare meetings", exact=True)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Prepare my next meetings").wait_for()
    # The first meeting in the list: its link starts with its date.
    focused = tab_to(page, "20")
    assert focused["tag"] == "a"
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=re.compile("^Preparation")).wait_for()
    meeting_pk = int(re.search(r"/meetings/(\d+)/prepare/", page.url).group(1))

    tab_to(page, "Print the agenda")
    page.keyboard.press("Shift+Tab")  # the link to the meeting's own page, just above
    href = page.evaluate("document.activeElement.getAttribute('href')")
    assert href == f"/meetings/{meeting_pk}/"
    page.keyboard.press("Enter")
    page.get_by_role("link", name="New agenda item").wait_for()
    tab_to(page, "New agenda item")
    page.keyboard.press("Enter")
    page.get_by_label("Topic").wait_for()
    tab_to(page, "Topic")
    page.keyboard.type("Uppföljning av närvaron")
    page.keyboard.press("Enter")
    page.get_by_text("Uppföljning av närvaron").first.wait_for()
    item = AgendaItem.objects.filter(meeting_id=meeting_pk).latest("id")
    assert item.topic == "Uppföljning av närvaron"
