"""The leak hunt's crawler: a user's walk over the rendered pages, as a browser would take it.

From "/" it follows every same-site link (<a href>) and every redirect, and submits every GET
form with its default values (a search form once more with a query of the test's choosing);
a POST form marked role="search" (the personnummer searches, which must not travel in an
address) is sent once with the query too, since a search writes nothing. Every other POST
form is left alone: the hunt reads, it does not write.

Each page is a `Visit` with its status, type and body, kept for the canary scan. The walk is
bounded (pages per user, and addresses per URL pattern so that a long list of contacts does
not starve the other apps) and skips logging out, changing the language and static files.
"""

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from tests.security.oracle import route

SKIP_PREFIXES = ("/static/", "/accounts/logout/", "/i18n/", "/admin/logout/")
TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")
SEARCH_NAMES = {"q", "query", "search", "personnummer", "name"}


def normalise(base: str, href: str) -> str | None:
    """The same-site path and sorted query of a link, or None for another site, a fragment,
    a mailto: and the like."""
    href = (href or "").strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in ("http", "https", "") or parts.netloc not in ("", "testserver"):
        return None
    if parts.path.startswith(SKIP_PREFIXES):
        return None
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + (f"?{query}" if query else "")


def is_number(text: str) -> bool:
    return sum(char.isdigit() for char in text) >= 10


@dataclass
class Form:
    method: str
    action: str
    search: bool
    fields: list[tuple[str, str]] = field(default_factory=list)
    text_fields: list[str] = field(default_factory=list)


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, selected, all
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(
                method=(a.get("method") or "get").lower(),
                action=a.get("action") or "",
                search=a.get("role") == "search",
            )
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((a["name"], a.get("value", "on")))
                return
            self._form.fields.append((a["name"], a.get("value", "")))
            if kind in ("text", "search"):
                self._form.text_fields.append(a["name"])
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select[2].append(value)
            if "selected" in a:
                self._select[1].append(value)
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form.fields.append((a["name"], ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, selected, options = self._select
            chosen = selected or options[:1]
            self._form.fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea":
            self._textarea = None


@dataclass
class Visit:
    url: str
    status: int
    content_type: str
    body: str
    location: str = ""
    typed: str = ""  # the query the crawler typed into a search form, if it did
    error: str = ""


def body_text(response) -> str:
    content_type = response.get("Content-Type", "")
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    text = raw.decode("utf-8", errors="replace")
    if "text/calendar" in content_type:
        text = text.replace("\r\n ", "").replace("\n ", "")  # RFC 5545 line folding
    return text


def fetch(client, url: str, method: str = "get", data=None, typed: str = "") -> Visit:
    """One request; a server error comes back as a Visit with status 500 and its exception."""
    try:
        response = getattr(client, method)(url, data=data)
    except Exception as error:  # noqa: BLE001 (the test client re-raises the view's exception)
        return Visit(url, 500, "", "", error=f"{type(error).__name__}: {error}", typed=typed)
    return Visit(
        url,
        response.status_code,
        response.get("Content-Type", ""),
        body_text(response),
        location=response.get("Location", ""),
        typed=typed,
    )


class Crawl:
    """One user's walk. `search_terms` are typed into search forms (one request per term)."""

    def __init__(self, client, *, max_pages=400, per_pattern=25, limits=None, search_terms=()):
        self.client = client
        self.max_pages = max_pages
        self.per_pattern = per_pattern
        self.limits = limits or {}  # per URL pattern name, where it differs from per_pattern
        self.search_terms = list(search_terms)
        self.visits: list[Visit] = []
        self.seen: set[str] = set()
        self.given: set[str] = set()  # every address a page or redirect handed out
        self.typed: dict[str, str] = {}  # address of a search the crawler typed -> the term
        self._results: list[str] = []  # where POST searches led, visited next
        self._per_pattern: dict[str, int] = {}
        self._searched: set[tuple[str, str]] = set()

    def _admit(self, url: str, *, always=False) -> bool:
        if url in self.seen:
            return False
        if always:  # where a search led: its result, whatever the bounds
            self.seen.add(url)
            return True
        found = route(url)
        key = found[0] if found else url.split("?", 1)[0]
        if url.count("?"):
            key += "?"
        if self._per_pattern.get(key, 0) >= self.limits.get(key, self.per_pattern):
            return False
        self._per_pattern[key] = self._per_pattern.get(key, 0) + 1
        self.seen.add(url)
        return True

    def run(self, start=("/",)) -> list[Visit]:
        queue = deque(url for url in start if self._admit(url))
        while queue and len(self.visits) < self.max_pages:
            url = queue.popleft()
            visit = fetch(self.client, url, typed=self.typed.get(url, ""))
            self.visits.append(visit)
            for found in self._follow(visit):
                if found not in self.typed:
                    self.given.add(found)
                if self._admit(found):
                    queue.append(found)
            self.given.update(self._results)
            queue.extendleft(self._results)
            self._results.clear()
        return self.visits

    def _follow(self, visit: Visit) -> list[str]:
        if visit.location:
            target = normalise(visit.url, visit.location)
            return [target] if target else []
        if visit.status != 200 or "text/html" not in visit.content_type:
            return []
        parser = PageParser()
        parser.feed(visit.body)
        found = [u for u in (normalise(visit.url, href) for href in parser.links) if u]
        for form in parser.forms:
            action = urljoin(visit.url, form.action) if form.action else visit.url
            target = normalise(visit.url, action)
            if target is None:
                continue
            if form.method == "get":
                found.append(self._with_query(target, form.fields))
                for term in self._terms_for(form, target):
                    searched = self._with_query(target, self._typed(form, term))
                    self.typed[searched] = term
                    found.append(searched)
            elif form.search and len(self.visits) < self.max_pages:
                for term in self._terms_for(form, target):
                    data = dict(self._typed(form, term))
                    visit = fetch(self.client, target, "post", data, typed=term)
                    self.visits.append(visit)
                    result = visit.location and normalise(visit.url, visit.location)
                    if result and self._admit(result, always=True):
                        self._results.append(result)
        return found

    def _terms_for(self, form: Form, target: str) -> list[str]:
        fields = [name for name in form.text_fields if name in SEARCH_NAMES]
        if not fields:
            return []
        terms = []
        for term in self.search_terms:
            if form.method == "get" and is_number(term):
                continue  # a personnummer never goes into an address, not even by us
            if (target.split("?", 1)[0], term) not in self._searched:
                self._searched.add((target.split("?", 1)[0], term))
                terms.append(term)
        return terms

    @staticmethod
    def _typed(form: Form, term: str) -> list[tuple[str, str]]:
        names = {name for name in form.text_fields if name in SEARCH_NAMES}
        return [(name, term if name in names else value) for name, value in form.fields]

    @staticmethod
    def _with_query(target: str, fields: list[tuple[str, str]]) -> str:
        path = target.split("?", 1)[0]
        pairs = sorted((name, value) for name, value in fields if name != "csrfmiddlewaretoken")
        return path + (f"?{urlencode(pairs)}" if pairs else "")
