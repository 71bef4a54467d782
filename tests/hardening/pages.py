"""What the hardening tests look for in a page: the security headers and inline code."""

from html.parser import HTMLParser

from tests.security.matrix import cases, url_for

# Every directive of the policy and the sources it must allow, no more.
POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def parse_policy(header: str) -> dict[str, set[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = set(words[1:])
    return directives


def header_problems(response) -> list[str]:
    """What is missing or too weak among the headers every response must carry."""
    problems = []
    policy = parse_policy(response.get("Content-Security-Policy", ""))
    for directive, sources in POLICY.items():
        if policy.get(directive) != sources:
            problems.append(f"CSP {directive}: {policy.get(directive)}")
    if "'unsafe-inline'" in response.get("Content-Security-Policy", ""):
        problems.append("CSP allows 'unsafe-inline'")
    expected = {
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    for name, value in expected.items():
        if response.get(name) != value:
            problems.append(f"{name}: {response.get(name)!r}")
    permissions = response.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        if feature not in permissions:
            problems.append(f"Permissions-Policy lacks {feature}")
    if "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"Cache-Control: {response.get('Cache-Control')!r}")
    return problems


class InlineCode(HTMLParser):
    """Collects what a strict content policy would block: <script> without src, <style>,
    on*= event handlers, style= attributes and javascript: addresses."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=>")
            if name == "style":
                self.found.append(f"<{tag} style=>")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:>")

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def every_url(world) -> list[tuple[str, str]]:
    """(pattern name, URL) for every pattern of the matrix and each of its scopes."""
    return [(name, url_for(name, policy, world)) for name, policy in cases()]


class References(HTMLParser):
    """The ids a page has, and the ids its aria-describedby and aria-labelledby name."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.named: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in {"aria-describedby", "aria-labelledby"}:
                self.named += [(f"<{tag} {name}>", id_) for id_ in (value or "").split()]

    handle_startendtag = handle_starttag


def dangling_references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    parser.close()
    return [f"{where} -> #{id_}" for where, id_ in parser.named if id_ not in parser.ids]
