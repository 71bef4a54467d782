"""Accessibility in Chromium (issue 16, item 6; lag 2018:1937: WCAG 2.1 AA).

One demo user per role logs in through the login page and visits their main pages: the home
page, every page of their menu, and from those the object pages and forms they link to (one
page of each kind, up to two links deep). On each page axe-core (the npm package, served to
the page from the site's own origin so that the content policy stays on) runs with the WCAG
2.1 A and AA rules, and the test fails on any serious or critical violation. It also fails
when an input's aria-describedby names an id the page lacks, and when the browser reports that
the content policy blocked anything (inline code left in a template or a script).
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

from accounts.demo import DEMO_PASSWORD, USERS
from tests.conftest import missing

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__test__/axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# One user per role, in the order of the demo's list.
ROLE_USERS = list({role: username for username, _f, _l, role, _o in reversed(USERS)}.values())[::-1]
PAGES_PER_USER = 13
# Not followed: downloads, the printable pages (print style sheet, checked by their own test),
# logging out, and the Django admin beyond its index and lists.
SKIP = re.compile(r"(\.ics$|/csv/|\.csv$|/print/|/accounts/logout/|/admin/.+/.+/.+)")
DESCRIBEDBY_TARGETS_MISSING = """
() => [...document.querySelectorAll('[aria-describedby]')].flatMap(element =>
    element.getAttribute('aria-describedby').split(/\\s+/).filter(Boolean)
        .filter(id => !document.getElementById(id))
        .map(id => `${element.tagName.toLowerCase()}[name=${element.name || ''}] -> #${id}`))
"""
SERIOUS = """
async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
    return result.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}
"""


def shape(path: str) -> str:
    """Pages of one kind share a shape: /cases/12/notes/new/ -> /cases/N/notes/new/."""
    return re.sub(r"/\d+(?=/|$)", "/N", path)


def links_in_page(page, base_url) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "header nav a[href], main a[href]", "links => links.map(a => a.href)"
    )
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if href.startswith(base_url) and parts.path and not SKIP.search(parts.path):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/)"))


def check(page, blocked: list) -> list:
    """The page's serious and critical violations, the ids its aria-describedby names but
    lacks, and what the content policy blocked since it began to load."""
    page.add_script_tag(url=AXE_URL)
    problems = page.evaluate(SERIOUS, WCAG_21_AA)
    if missing_ids := page.evaluate(DESCRIBEDBY_TARGETS_MISSING):
        problems.append({"id": "aria-describedby-target", "nodes": missing_ids})
    if blocked:
        problems.append({"id": "content-security-policy", "nodes": list(blocked)})
    return problems


def test_main_pages_of_every_role_have_no_serious_violation(browser, live_server, demo):
    if not AXE.is_file():
        missing(f"{AXE} is absent (make node)")
    base = live_server.url
    violations, checked = {}, []
    for username in [None, *ROLE_USERS]:
        context = browser.new_context(locale="sv-SE")
        context.route(
            f"{base}{AXE_URL}",
            lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"),
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        blocked = []
        page.on(
            "console",
            lambda message, blocked=blocked: (
                blocked.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        if username is None:  # the anonymous visitor: the login page
            page.goto(f"{base}/accounts/login/")
            queue = []
            checked.append(("anonymous", "/accounts/login/"))
            if found := check(page, blocked):
                violations["anonymous /accounts/login/"] = found
        else:
            log_in(page, base, username)
            queue = [(urlsplit(page.url).path, 0)]
        seen_shapes = set()
        while queue and sum(1 for who, _ in checked if who == username) < PAGES_PER_USER:
            path, depth = queue.pop(0)
            if shape(path) in seen_shapes:
                continue
            seen_shapes.add(shape(path))
            blocked.clear()
            response = page.goto(f"{base}{path}")
            if response.status != 200 or "text/html" not in response.headers.get(
                "content-type", ""
            ):
                continue
            checked.append((username, path))
            if found := check(page, blocked):
                violations[f"{username} {path}"] = found
            if depth < 2:
                queue += [(link, depth + 1) for link in links_in_page(page, base)]
        context.close()
    users = {who for who, _path in checked}
    print(
        f"\naxe: {len(checked)} pages checked as {len(users)} users; "
        f"{len(violations)} with serious or critical violations"
    )
    assert len(users) == len(ROLE_USERS) + 1
    assert len(checked) > 8 * len(ROLE_USERS)
    assert violations == {}
