from accounts.demo import DEMO_PASSWORD


def test_demo_user_logs_in_switches_language_and_logs_out(page, screenshot, live_server, demo):

    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "sv"
    page.get_by_label("Användarnamn").fill("faltare")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()

    page.get_by_role("heading", name="Välkommen, Fredrik").wait_for()
    assert "Socialtjänsten Norrby" in page.content()
    assert page.get_by_role("heading", name="Fältsekreterare").is_visible()
    screenshot("home-sv")

    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Welcome, Fredrik").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Field worker").is_visible()
    screenshot("home-en")

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Log in").wait_for()
    assert "/accounts/login/" in page.url


def test_skip_link_is_the_first_stop_for_the_keyboard(page, live_server, transactional_db):
    page.goto(f"{live_server.url}/no-such-page/")  # a page without an autofocused field
    page.keyboard.press("Tab")
    skip_link = page.locator(":focus")
    assert skip_link.inner_text() == "Hoppa till innehållet"
    assert skip_link.bounding_box()["x"] >= 0  # shown on the screen while focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_home_page_fits_a_phone(page, screenshot, live_server, demo):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Användarnamn").fill("samordnare")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("heading", name="Välkommen, Sara").wait_for()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375
    screenshot("home-phone")
