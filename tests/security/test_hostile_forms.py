"""Hostile input to every form and state-changing URL (issue 16, item 2).

Every POST form that any user of the matrix's world finds on any page (tests/security/
fuzz_forms.py reads them from the HTML) is sent, by hypothesis, with values replaced by hostile
ones: text of every Unicode class (controls, NUL, bidirectional and zero-width marks, digits
that are not ASCII, lone surrogates, invalid UTF-8), SQL and HTML, spreadsheet formulas, huge,
negative and non-numbers, impossible dates, ids of other organisations' objects, missing,
repeated and unknown fields, a JSON body, and the same form posted to an object outside the
user's scope. For each post:

- never a 500 (the test client raises the view's exception);
- a post that changed nothing shows why: the form again with its error, a redirect with a
  message, or a refusal (403/404); and it wrote nothing but audit entries of reads and
  refusals (no INSERT, UPDATE or DELETE on any other table: fuzz_forms.Writes);
- no hostile HTML comes back raw: not on the answer, not on the page a redirect leads to, and
  after an accepted post not on the app's pages nor the home page;
- after an accepted post with a formula-like value, no CSV export has a cell that a
  spreadsheet would run.

A URL of the matrix that no form posts to is sent one hostile POST too: it must write nothing
(otherwise it is a state-changing URL the fuzzer does not cover, and the test says so).

Each example runs in a transaction that is rolled back, so every example starts from the same
world. SSPF_FUZZ_EXAMPLES sets the examples per form (default below; more for a long run).
"""

import csv
import io
import os
import time
from collections import Counter
from itertools import chain

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.roles import ROLE_NAMES
from audit.models import LogEntry
from tests.security import matrix
from tests.security.fuzz_forms import (
    ANONYMOUS,
    FORMULAS,
    HOSTILE_DATE,
    HOSTILE_NUMBER,
    HOSTILE_TEXT,
    HTML,
    INVALID_UTF8,
    Form,
    Site,
    Writes,
    admin_pages,
    as_user,
    audit_actions_since,
    baseline,
    candidates,
    data_tables,
    formula_cells,
    last_audit_id,
    outside_urls,
    page_text,
    post_forms,
    raw_html,
    readable_pages,
    refused_fields,
    send,
    shown_messages,
    shows_an_error,
    url_name,
)

# The authorization matrix's world of users and objects (a fixture).
from tests.security.test_authorization_matrix import world as matrix_world  # noqa: F401

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("SSPF_FUZZ_EXAMPLES", "10"))
# A refused post may still leave these in the audit log: reads (the page was opened) and
# refusals (flagged as denied). Never a record of a write.
REFUSAL_ACTIONS = {LogEntry.Action.ACCESS}
REFUSALS = {403, 404}


def discover(client, world, writes) -> list[Site]:
    """Every POST form on every page the matrix lets someone open, once per (target, inputs),
    sent by the first user (in the matrix's role order) who finds it; then the forms that an
    ordinary send of those leads to (a second step, such as registering a signal after the
    personnummer search). A URL the matrix declares as POST-only whose form the first readers
    do not get is looked for on its app's pages as every reader; if the world shows it on no
    page (a step for another state), it is fuzzed as a URL with no known inputs."""
    outside = outside_urls(world)
    found: dict[tuple, Site] = {}
    declared = {n for n, p in matrix.cases() if p.method == "post" and p.scope != "out of scope"}
    read = set()
    for _name, url, who in chain(readable_pages(world), admin_pages(world)):
        _read_forms(client, world, found, url, who, outside, read)
    # A POST-only URL whose form the first reader does not get (the receiver's buttons on a
    # referral): the pages of its app as every other reader too.
    missing = declared - {site.name for site in found.values()}
    for name, url, who in readable_pages(world, everyone=True):
        if name.split(":")[0] in {m.split(":")[0] for m in missing}:
            _read_forms(client, world, found, url, who, outside, read)
    for name, policy in matrix.cases():
        if name in declared - {site.name for site in found.values()}:
            url = matrix.url_for(name, policy, world)
            who = next(w for w in ROLE_NAMES if policy.expected[w] < 400)
            found[(url, frozenset())] = Site(name, url, who, Form(url, {}), outside.get(name))
    done = set()
    while len(done) < len(found):
        key = next(key for key in found if key not in done)
        done.add(key)
        site = found[key]
        response = _ordinary_send(client, world, site, writes)
        if response.status_code == 200:
            _add_forms(found, page_text(response), site.url, site.role, outside)
    return list(found.values())


def _ordinary_send(client, world, site: Site, writes, tries=8):
    """Sends the form as the page shows it; while the form refuses some inputs, tries other
    ordinary values in them (the page's other options, another date), so that the fuzzer
    starts from a send that is accepted where the world allows one. Nothing is kept."""
    site.pairs = baseline(site.form)
    untried = {}
    for _ in range(tries):
        as_user(client, world, site.role)  # outside the transaction: the session stays
        client.cookies.pop("messages", None)
        with transaction.atomic():
            mark = writes.mark()
            response = send(client, site.url, site.pairs)
            wrote, page = writes.since(mark), page_text(response)
            site.reads_only = response.status_code == 200 and not wrote
            site.reads_only &= not shows_an_error(page)
            site.quiet_redirect = response.status_code == 302 and not shown_messages(response)
            transaction.set_rollback(True)
        refused = [name for name in refused_fields(page) if name in site.form.controls]
        if wrote or response.status_code != 200 or not refused:
            return response
        for name in refused:
            control = site.form.controls[name]
            left = untried.setdefault(name, candidates(control))
            if left:
                value = left.pop(0)
                site.pairs = [(n, v) for n, v in site.pairs if n != name] + [(name, value)]
                break
        else:
            return response
    return response


def _read_forms(client, world, found, url, who, outside, read):
    if (url, who) in read:
        return
    read.add((url, who))
    as_user(client, world, who)
    response = client.get(url)
    if response.status_code == 200 and "html" in response.get("Content-Type", ""):
        _add_forms(found, page_text(response), url, who, outside)


def _add_forms(found, page, url, who, outside):
    for form in post_forms(page, url):
        key = (form.action, form.signature())
        if key not in found:
            name = url_name(form.action) or form.action
            found[key] = Site(name, form.action, who, form, outside.get(name))


# --- What a hostile post is ------------------------------------------------------------------


def _forged_ids(world) -> list[str]:
    """Ids of every object of the world, most of them another organisation's or outside the
    user's scope, and ids no row has."""
    ids = {str(thing.pk) for thing in world.values() if hasattr(thing, "pk")}
    return sorted(ids | {"0", "-1", str(2**31), str(2**63 - 1), str(2**63)})


def _hostile_value(control, forged):
    kind = control.kind
    any_kind = st.one_of(HOSTILE_TEXT, HOSTILE_NUMBER, HOSTILE_DATE, st.just(INVALID_UTF8))
    if kind in ("select", "radio", "checkbox", "hidden"):
        typed = st.one_of(st.sampled_from(forged), HOSTILE_NUMBER, st.uuids().map(str))
    elif kind == "number":
        typed = HOSTILE_NUMBER
    elif kind in ("date", "datetime-local", "time"):
        typed = HOSTILE_DATE
    else:
        typed = HOSTILE_TEXT
    return st.one_of(typed, typed, any_kind)


@st.composite
def hostile_post(draw, site: Site, forged: list[str]):
    """The form as the page sends it, then up to four changes: a hostile value (sometimes
    repeated), a field left out, a field sent twice, an unknown field; sometimes the whole post
    goes to another organisation's object, or arrives as JSON."""
    controls = site.form.controls
    pairs = list(site.pairs)
    for _ in range(draw(st.integers(0, 4))):
        what = draw(st.sampled_from(["hostile", "hostile", "hostile", "missing", "twice", "extra"]))
        if what == "extra" or not controls:
            pairs.append((draw(HOSTILE_TEXT), draw(HOSTILE_TEXT)))
            continue
        name = draw(st.sampled_from(sorted(controls)))
        if what == "missing":
            pairs = [(n, v) for n, v in pairs if n != name]
        elif what == "twice":
            pairs += [(n, v) for n, v in pairs if n == name] or [(name, "")]
        else:
            values = draw(st.lists(_hostile_value(controls[name], forged), min_size=1, max_size=2))
            pairs = [(n, v) for n, v in pairs if n != name] + [(name, v) for v in values]
    outside = site.outside_url is not None and draw(st.integers(0, 7)) == 0
    as_json = draw(st.integers(0, 24)) == 0
    return pairs, outside, as_json


# --- Checking one post ---------------------------------------------------------------------------


def _namespace(name: str) -> str:
    return name.split(":")[0] if ":" in name else ""


def _pages_after(world, site: Site) -> list[str]:
    """The pages of the site's app (and the home page) that its user may open: where what an
    accepted post wrote is shown."""
    urls = [
        url
        for name, url, who in readable_pages(world)
        if who == site.role and (_namespace(name) == _namespace(site.name) or name == "home")
    ]
    return list(dict.fromkeys(urls))


def _exports(world) -> list[tuple[str, str]]:
    """(url, user) for every CSV export of the matrix, as the first user who may download it."""
    found = []
    for name, policy in matrix.cases():
        if name.endswith("csv") and policy.scope != "out of scope":
            who = next(w for w in matrix.EVERYONE if policy.expected[w] == 200)
            found.append((matrix.url_for(name, policy, world), who))
    return found


def _looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.lstrip(" \t\r\n")[:1] in ("=", "+", "-", "@")


def _navigation_changed(site: Site, pairs) -> bool:
    """Whether a hidden input that is not a token (a step, a return address) was changed."""
    hidden = [
        c.name
        for c in site.form.controls.values()
        if c.kind == "hidden" and c.name not in ("csrfmiddlewaretoken", "form_token")
    ]
    return any(
        [v for n, v in pairs if n == name] != [v for n, v in site.pairs if n == name]
        for name in hidden
    )


def _has_html(value) -> bool:
    return isinstance(value, str) and "fz(" in value


def _read(client, url):
    response = client.get(url)
    assert response.status_code < 500, url
    return page_text(response)


def check_post(client, world, site, post, writes, tally):
    pairs, outside, as_json = post
    url = site.outside_url if outside else site.url
    as_user(client, world, site.role)  # outside the transaction: the session stays
    client.cookies.pop("messages", None)  # an earlier example's message is not this one's
    with transaction.atomic():
        mark, audit_mark = writes.mark(), last_audit_id()
        response = send(client, url, pairs, as_json=as_json)
        status, page = response.status_code, page_text(response)
        wrote = writes.since(mark)
        tally[status] += 1
        assert status < 500, f"{status} from {url}"
        assert raw_html(page) == [], f"unescaped input on the answer from {url}"
        # The page a redirect leads to: where an accepted value, or a message quoting a refused
        # one, is shown first.
        if status in (301, 302, 303) and (wrote or any(_has_html(v) for _, v in pairs)):
            assert raw_html(_read(client, response["Location"])) == [], "unescaped after redirect"
        if outside:
            assert status in REFUSALS, f"{url} outside the user's scope gave {status}"
        if wrote:
            tally["accepted"] += 1
            assert status in (200, 302, 303), f"{status} from {url}, yet it wrote {wrote}"
            if any(_has_html(value) for _, value in pairs):
                tally["pages checked"] += 1
                for later in _pages_after(world, site):
                    assert raw_html(_read(client, later)) == [], f"unescaped on {later}"
            if any(_looks_like_formula(value) for _, value in pairs):
                tally["csv checked"] += 1
                for export, who in _exports(world):
                    as_user(client, world, who)
                    body = _read(client, export).removeprefix("\ufeff")
                    rows = csv.reader(io.StringIO(body, newline=""), delimiter=";")
                    assert formula_cells(rows) == [], f"a formula runs in {export}"
                client.fuzz_user = None  # those sessions are rolled back with the example
        else:
            tally["refused"] += 1
            new_actions = set(audit_actions_since(audit_mark))
            assert new_actions <= REFUSAL_ACTIONS, f"a refused post logged {new_actions}"
            if status in (200, 400):
                # An empty or JSON body leaves the form unbound, and so does a changed hidden
                # step of a form in steps: the page shows the form afresh.
                unbound = as_json or not pairs or _navigation_changed(site, pairs)
                if not (unbound or site.reads_only):
                    assert shows_an_error(page), f"{url}: refused without a word"
            elif status in (302, 303):
                assert site.quiet_redirect or shown_messages(response), (
                    f"{url}: refused with a redirect and no message"
                )
            else:
                assert status in REFUSALS, f"{url} answered {status}"
        transaction.set_rollback(True)


def _examples(site: Site) -> int:
    """EXAMPLES for a form of four inputs or more; fewer for a button with a token or two."""
    return max(4, min(EXAMPLES, EXAMPLES * len(site.form.controls) // 4))


def _fuzzer(client, world, site, writes, forged, tally):
    @settings(
        max_examples=_examples(site),
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
    @given(post=hostile_post(site, forged))
    def fuzz(post):
        tally["examples"] += 1
        check_post(client, world, site, post, writes, tally)

    return fuzz


def posts_elsewhere_that_write(client, world, sites, writes) -> dict:
    """Every URL of the matrix that no fuzzed form posts to may still answer a POST (a list or
    detail page shows itself again), but a POST there, with ordinary-looking and hostile
    fields, must write nothing. Returns those that wrote, and what."""
    fuzzed = {site.name for site in sites}
    fields = {"name": HTML[0], "text": FORMULAS[0], "id": str(2**63), "confirm": "on"}
    wrote, tried = {}, 0
    for name, policy in matrix.cases():
        if name in fuzzed or policy.scope == "out of scope" or name.endswith("(?P<url>.*)$"):
            continue
        url = matrix.url_for(name, policy, world)
        who = next((w for w in matrix.EVERYONE if policy.expected[w] == 200), ANONYMOUS)
        as_user(client, world, who)
        with transaction.atomic():
            mark = writes.mark()
            response = client.post(url, fields)
            tried += 1
            assert response.status_code < 500, url
            if writes.since(mark):
                wrote[name] = writes.since(mark)
            transaction.set_rollback(True)
    assert tried > 50  # the matrix was gone through
    return wrote


def test_every_form_and_post_survives_hostile_input(client, matrix_world):  # noqa: F811
    """The forms found, then the URLs no form posts to, then each form fuzzed in turn (every
    form is tried; all failures are listed at the end). With -s it prints, per form, the
    examples run and what they got."""
    world = matrix_world
    started = time.monotonic()
    writes = Writes(data_tables())
    sites = discover(client, world, writes)
    assert len({site.name for site in sites}) > 40  # the pages were read: forms were found
    wrote = posts_elsewhere_that_write(client, world, sites, writes)
    assert wrote == {}, "these change data on a POST: show their form on a page, or declare it"
    print(f"\n{len(sites)} forms found in {time.monotonic() - started:.1f} s")
    forged = _forged_ids(world)
    failures, lines, examples = [], [], 0
    for site in sites:
        tally = Counter()
        fuzz = _fuzzer(client, world, site, writes, forged, tally)
        began = time.monotonic()
        try:
            fuzz()
        except Exception as failure:  # noqa: BLE001  (every form is tried, all failures shown)
            notes = "\n".join(getattr(failure, "__notes__", []))
            failures.append(f"{site.label}: {type(failure).__name__}: {failure}\n{notes}")
        examples += tally["examples"]
        lines.append(f"{site.label}: {dict(tally)} in {time.monotonic() - began:.1f} s")
    took = time.monotonic() - started
    print(f"{examples} examples over {len(sites)} forms in {took:.0f} s", *lines, sep="\n")
    assert not failures, "\n\n".join(failures)
