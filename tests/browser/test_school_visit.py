from accounts.demo import DEMO_PASSWORD


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("heading", name="Välkommen", exact=False).wait_for()


def this_term_cell(page, school):
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=school))
    return row.get_by_role("cell").last


def test_officer_logs_a_visit_and_coverage_shows_it(page, screenshot, live_server, demo):
    log_in(page, live_server.url, "samordnare")
    page.get_by_role("link", name="Täckning").click()
    assert this_term_cell(page, "Lindängsskolan").inner_text().startswith("✗")
    page.get_by_role("button", name="Logga ut").click()

    log_in(page, live_server.url, "kontaktpolis")
    page.get_by_role("link", name="Mina skolor").click()
    school = page.locator("section").filter(has=page.get_by_role("heading", name="Lindängsskolan"))
    assert school.get_by_text("Inget besök registrerat denna termin").is_visible()
    school.get_by_label("Syfte").select_option(label="Klassbesök")
    school.get_by_label("Anteckning (frivillig)").fill("Pratade med åk 8 om trygghet.")
    school.get_by_role("button", name="Spara besök").click()
    page.get_by_text("Besöket på Lindängsskolan är registrerat.").wait_for()
    assert not school.get_by_text("Inget besök registrerat denna termin").is_visible()
    screenshot("my-schools-after-visit")
    page.get_by_role("button", name="Logga ut").click()

    log_in(page, live_server.url, "samordnare")
    page.get_by_role("link", name="Täckning").click()
    assert this_term_cell(page, "Lindängsskolan").inner_text().startswith("✓")
    screenshot("coverage")
