"""A member added on the team page reads the case at once (issue 10: the page once synced the
grants from the member list it had already loaded, so the newest member got a 404)."""

from cases.models import Case
from tests.browser.test_case_consent import log_in, log_out


def test_a_member_added_on_the_team_page_reads_the_case(page, screenshot, live_server, demo):
    case = next(
        c
        for c in Case.objects.prefetch_related("young_person__names")
        if any(n.given_name == "Ellinor" for n in c.young_person.names.all())
    )
    url = f"{live_server.url}/cases/{case.pk}/"

    log_in(page, live_server.url, "kontaktpolis2")
    page.goto(url)
    page.get_by_role("heading", name="Sidan hittades inte").wait_for()
    log_out(page)

    log_in(page, live_server.url, "samordnare")
    page.goto(url)
    page.get_by_role("link", name="Team", exact=True).click()
    page.get_by_label("Person").select_option(label="Per Polis (Polisen, lokalpolisområde Norrby)")
    page.get_by_label("Roll i ärendet").select_option(label="Kontaktperson")
    page.get_by_role("button", name="Lägg till i teamet").click()
    page.get_by_text("Teammedlemmen är tillagd").wait_for()
    screenshot("team-member-added")
    log_out(page)

    log_in(page, live_server.url, "kontaktpolis2")
    page.goto(url)
    page.get_by_text("har setts i en grupp vid resecentrum").wait_for()
    assert not page.get_by_text("Kartläggande samtal").is_visible()  # social services' own
    log_out(page)

    log_in(page, live_server.url, "kontaktpolis3")  # a colleague not added: still nothing
    page.goto(url)
    page.get_by_role("heading", name="Sidan hittades inte").wait_for()
