from accounts.demo import DEMO_PASSWORD
from cases.models import Case


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("heading", name="Välkommen", exact=False).wait_for()


def log_out(page):
    page.get_by_role("button", name="Logga ut").click()


def test_withdrawn_consent_closes_the_case_at_once(page, screenshot, live_server, demo):
    case = next(
        c
        for c in Case.objects.prefetch_related("young_person__names")
        if any(n.given_name == "Ellinor" for n in c.young_person.names.all())
    )
    url = f"{live_server.url}/cases/{case.pk}/"

    log_in(page, live_server.url, "kontaktpolis")
    page.get_by_role("link", name="Ärenden").click()
    page.get_by_role("link", name=case.reference).click()
    page.get_by_text("har setts i en grupp vid resecentrum").wait_for()
    assert page.get_by_text("Frånvaron har ökat till 30 %").is_visible()
    assert not page.get_by_text("Kartläggande samtal").is_visible()  # social services' own
    screenshot("case-police-view")
    log_out(page)

    log_in(page, live_server.url, "fritidsledare")
    page.goto(url)
    page.get_by_role("heading", name="Sidan hittades inte").wait_for()
    log_out(page)

    log_in(page, live_server.url, "samordnare")
    page.goto(url)
    page.get_by_role("link", name="Samtycke", exact=True).click()
    row = page.get_by_role("row").filter(has_text="Pappa Bergqvist")
    row.get_by_role("link", name="Återkalla").click()
    page.get_by_label("Skäl till återkallelsen").fill("Pappan återkallade per telefon.")
    page.get_by_role("button", name="Återkalla samtycke").click()
    page.get_by_text("Samtycket är återkallat").wait_for()
    screenshot("consent-withdrawn")
    log_out(page)

    log_in(page, live_server.url, "kontaktpolis")
    page.goto(url)
    page.get_by_role("heading", name="Sidan hittades inte").wait_for()
    log_out(page)

    log_in(page, live_server.url, "socialsekreterare")
    page.goto(url)
    page.get_by_text("Kartläggande samtal").wait_for()
