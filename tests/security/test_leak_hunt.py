"""The leak hunt (issue 16, item 1): every demo user crawls the site; every address anyone was
given is then requested as every other user and as an anonymous visitor, and every object
address once more with the ids just outside each user's scope. The oracle
(tests/security/oracle.py) says from the data what each answer must be; every body is scanned
for the canaries (tests/security/leak_world.py) its reader may not see.

The numbers are printed (run with -s to see them) and held to minimums, so that the hunt cannot
pass by finding nothing; test_the_hunt_finds_a_planted_leak proves it can fail.
"""

import datetime
import logging
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from accounts.demo import USERS
from accounts.models import User
from meetings import services as meeting_services
from sspf import personnummer as pnr
from tests.security.crawler import Crawl, Visit, fetch, is_number
from tests.security.leak_world import number_forms, seed
from tests.security.oracle import ALLOW, DENY, Oracle, route

ANONYMOUS = "anonymous"
UNREGISTERED = pnr.fictional(datetime.date(2011, 3, 14), "995")  # no one in the world has it
CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
LOGIN = ("/accounts/login/", "/admin/login/")
# Each object's own page and the model of its `pk`, for the ids just outside a user's scope.
DETAIL_PAGES = {
    "cases:detail": "cases.Case",
    "schools:detail": "schools.School",
    "schools:visit_detail": "schools.SchoolVisit",
    "contacts:detail": "contacts.Contact",
    "meetings:detail": "meetings.Meeting",
    "referrals:detail": "referrals.Referral",
    "audit:person_extract": "cases.YoungPerson",
    "audit:user_activity": "accounts.User",
    "audit:review": "audit.Review",
}
# Every kind of object page and download that the crawl must have reached.
MUST_REACH = {
    "cases:detail",
    "cases:consents",
    "contacts:detail",
    "meetings:detail",
    "meetings:print",
    "meetings:feed",
    "referrals:detail",
    "schools:detail",
    "schools:visit_detail",
    "schools:coverage_csv",
    "audit:person_extract",
    "audit:person_extract_csv",
    "audit:user_activity_csv",
    "stats:csv",
}


@dataclass
class Report:
    crawled: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    pairs: int = 0
    canary_checks: int = 0
    out_of_scope: int = 0
    requests: int = 0
    object_pages: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    failures: list[str] = field(default_factory=list)
    shown: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # to its readers
    shown_at: set[str] = field(default_factory=set)  # the addresses of those pages
    seconds: dict[str, float] = field(default_factory=dict)
    number_searches: int = 0  # users who searched a registered and an unknown number

    @property
    def urls(self) -> set[str]:
        return set().union(*self.crawled.values()) if self.crawled else set()

    def summary(self) -> str:
        return (
            f"leak hunt: {len(self.urls)} distinct URLs crawled, {self.requests} requests, "
            f"{self.pairs} user x URL pairs tried, {self.canary_checks} canary checks, "
            f"{self.out_of_scope} out-of-scope ids tried, {self.number_searches} "
            f"registered/unknown number searches compared, {len(self.failures)} failures; "
            + ", ".join(f"{phase} {seconds:.0f} s" for phase, seconds in self.seconds.items())
        )


class Hunt:
    """One hunt over the given demo users (and the anonymous visitor): crawl, then every
    address as everyone, then the ids just outside each user's scope. Failures are collected,
    not raised, so that one run reports all of them (and the self-check can read them)."""

    def __init__(self, usernames, canaries, *, max_pages=400, per_pattern=2, per_object_page=6):
        self.users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        self.canaries = canaries
        self.max_pages, self.per_pattern = max_pages, per_pattern
        # Object pages are walked wider than action pages; the consents page is the one that
        # names the guardians.
        self.limits = dict.fromkeys([*DETAIL_PAGES, "cases:consents"], per_object_page)
        self.oracle = Oracle()
        self.visible = self.oracle.visibility(self.users.values(), canaries)
        self.numbers = {t for c in canaries if c.kind == "person" for t in c.texts if t[0] == "2"}
        self.report = Report()
        self._verdicts: dict = {}
        self._number_searches: dict = defaultdict(dict)
        self._clients: dict = {}

    def client(self, who: str) -> Client:
        if who not in self._clients:
            client = Client()
            if who != ANONYMOUS:
                client.force_login(self.users[who])
            self._clients[who] = client
        return self._clients[who]

    def run(self, *, cross=True, out_of_scope=True) -> Report:
        self.search_terms = self._search_terms()
        started = time.monotonic()
        for who in [*self.users, ANONYMOUS]:
            crawl = Crawl(
                self.client(who),
                max_pages=self.max_pages,
                per_pattern=self.per_pattern,
                limits=self.limits,
                search_terms=self.search_terms,
            )
            for visit in crawl.run(start=["/", *self._feed(who)]):
                self.check(who, visit)
                self.report.crawled[who].add(visit.url)
            for url in crawl.given:
                self._nothing_personal_in(url, f"{who} was given")
        self._same_answer_for_any_number()
        self.report.seconds["crawl"] = time.monotonic() - started
        if cross:
            started = time.monotonic()
            self._cross()
            self.report.seconds["cross"] = time.monotonic() - started
        if out_of_scope:
            started = time.monotonic()
            self._outside_scope()
            self.report.seconds["out of scope"] = time.monotonic() - started
        return self.report

    def _feed(self, who: str) -> list[str]:
        """The address of the user's calendar feed, as their calendar program holds it (the
        page shows it once, in a text box, not as a link)."""
        if who == ANONYMOUS:
            return []
        token = meeting_services.feed_renew(by=self.users[who])
        return [reverse("meetings:feed", args=[token])]

    def _search_terms(self) -> list[str]:
        """A name another organisation recorded, the reference of a case and a personnummer
        (the last only into the POST searches)."""
        from cases.models import Case

        person = next(c for c in self.canaries if c.label == "name")
        name, number = person.texts[0], person.texts[3]  # given name, YYYYMMDD-NNNN
        self.registered, self.unregistered = person, number_forms(UNREGISTERED)[1]
        reference = Case.objects.order_by("-pk").values_list("reference", flat=True).first()
        return [name, reference, number, self.unregistered]

    # ---- checks --------------------------------------------------------------------------

    def expect(self, who: str, url: str):
        key = (who, url)
        if key not in self._verdicts:
            user = None if who == ANONYMOUS else self.users[who]
            self._verdicts[key] = self.oracle.expect(user, url)
        return self._verdicts[key]

    def check(self, who: str, visit: Visit) -> None:
        self.report.requests += 1
        if visit.status >= 500:
            self.fail(who, visit, f"server error {visit.error}")
            return
        verdict, reason = self.expect(who, visit.url)
        if visit.typed and verdict != DENY:
            verdict = "open"  # a POST search answers on its own page
        to_login = visit.status == 302 and visit.location.startswith(LOGIN)
        if verdict == ALLOW and not (visit.status == 200 or (visit.status == 302 and not to_login)):
            self.fail(who, visit, f"refused, but the oracle allows it ({reason})")
        if verdict == DENY and not (visit.status in (400, 403, 404, 405) or to_login):
            self.fail(who, visit, f"answered, but the oracle forbids it ({reason})")
        if visit.location:
            self._nothing_personal_in(visit.location, f"{who} was redirected to")
        found = route(visit.url)
        if visit.status == 200 and found and found[1]:
            self.report.object_pages[who].add(found[0])
        self._scan(who, visit, found)
        if visit.typed and is_number(visit.typed):
            self._number_searches[who, visit.url][visit.typed] = visit

    def _same_answer_for_any_number(self) -> None:
        """A search by personnummer answers a registered number the user may not read about
        exactly as it answers a number nobody registered (DESIGN §4, identity across
        agencies). The auditors' workspace finds people by number on purpose."""
        known = self.registered.texts[3]
        for (who, _url), answers in self._number_searches.items():
            user = self.users.get(who)
            if user is None or self.oracle.audits(user) or self._sees(user, self.registered):
                continue
            if known not in answers or self.unregistered not in answers:
                continue
            bodies = [
                self._without_noise(answers[number], number)
                for number in (known, self.unregistered)
            ]
            if bodies[0] != bodies[1] or answers[known].status != answers[self.unregistered].status:
                self.fail(who, answers[known], "answers a registered number unlike an unknown one")
            self.report.number_searches += 1

    @staticmethod
    def _without_noise(visit: Visit, number: str) -> str:
        body = CSRF_VALUE.sub('name="csrfmiddlewaretoken"', visit.body)
        for form in number_forms(number.replace("-", "")):
            body = body.replace(form, "NUMBER")
        return body

    def _scan(self, who: str, visit: Visit, found) -> None:
        viewer = None if who == ANONYMOUS else self.users[who]
        if found and found[0] == "meetings:feed":  # the owner's calendar, whoever holds it
            viewer = meeting_services.feed_owner(found[1]["token"])
        address = unquote_plus(visit.url)
        for canary in self.canaries:
            if viewer is not None and self._sees(viewer, canary):
                if canary.found_in(visit.body):
                    self.report.shown[canary.texts[0]].add(who)
                    self.report.shown_at.add(visit.url)
                continue
            self.report.canary_checks += 1
            text = canary.found_in(visit.body)
            if text and text != visit.typed and text not in address:  # not our own query echoed
                self.fail(who, visit, f"shows {canary.label} {text!r} ({canary.model} {canary.pk})")

    def _sees(self, viewer, canary) -> bool:
        key = (viewer.pk, canary.texts[0])
        if key not in self.visible:
            self.visible[key] = self.oracle.may_see(viewer, canary)
        return self.visible[key]

    def _nothing_personal_in(self, url: str, how: str) -> None:
        """No personnummer in any address a page or redirect hands out, and no canary text
        other than the search the crawler typed itself."""
        address = unquote_plus(url)
        if any(number in address for number in self.numbers):
            self.report.failures.append(f"{how} an address with a personnummer: {url}")
        for canary in self.canaries:
            text = canary.found_in(address)
            if text and text not in self.search_terms:
                self.report.failures.append(f"{how} an address with {canary.label}: {url}")

    def fail(self, who, visit: Visit, what: str) -> None:
        self.report.failures.append(f"{who} GET {visit.url} -> {visit.status}: {what}")

    # ---- every address as everyone -------------------------------------------------------

    def _cross(self) -> None:
        """Pages anyone reached, as everyone else: one address per URL pattern, and every
        page on which a canary was shown to a reader of it (query strings are the crawling
        user's own filters and searches, so the shortest address of a pattern stands for it)."""
        chosen, patterns = set(), set()
        for url in sorted(self.report.urls, key=lambda u: ("?" in u, len(u), u)):
            found = route(url)
            if found is None or found[0] == "meetings:feed":
                continue  # the feed is its owner's: checked as the owner above
            if found[0] not in patterns or (url in self.report.shown_at and "?" not in url):
                chosen.add(url)
                patterns.add(found[0])
        for who in [*self.users, ANONYMOUS]:
            client = self.client(who)
            for url in sorted(chosen - self.report.crawled[who]):
                self.report.pairs += 1
                self.check(who, fetch(client, url))
        self.report.pairs += sum(len(urls) for urls in self.report.crawled.values())

    # ---- ids just outside each user's scope ----------------------------------------------

    def _outside_scope(self) -> None:
        """Each object's own page with the ids nearest the user's own objects that the oracle
        refuses them, and the ids just above the highest."""
        templates = {}
        for url in sorted(self.report.urls):
            found = route(url)
            if found and found[0] in DETAIL_PAGES and found[0] not in templates:
                templates[found[0]] = found[1]
        for who in self.users:
            client = self.client(who)
            for name, kwargs in sorted(templates.items()):
                model = apps.get_model(DETAIL_PAGES[name])
                for pk in self._ids_outside(who, name, model, kwargs):
                    url = reverse(name, kwargs={**kwargs, "pk": pk})
                    if self.expect(who, url)[0] != DENY:
                        continue
                    self.report.out_of_scope += 1
                    self.check(who, fetch(client, url))

    def _ids_outside(self, who, name, model, kwargs) -> list[int]:
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
        if len(ids) > 80:  # a long table (contacts, users): a window around the user's own
            own = [url for url in self.report.crawled[who] if (route(url) or ("",))[0] == name]
            centre = int(route(own[0])[1]["pk"]) if own else ids[len(ids) // 2]
            ids = [pk for pk in ids if abs(pk - centre) <= 40]
        refused, mine = [], []
        for pk in ids:
            verdict = self.expect(who, reverse(name, kwargs={**kwargs, "pk": pk}))[0]
            (refused if verdict == DENY else mine).append(pk)
        chosen = set()
        if mine:  # the nearest refused ids below the user's lowest and above their highest
            chosen.update([pk for pk in refused if pk < mine[0]][-1:])
            chosen.update([pk for pk in refused if pk > mine[-1]][:1])
            between = [pk for pk in refused if mine[0] < pk < mine[-1]]
            chosen.update(between[len(between) // 2 :][:1])  # and one in between
        else:
            chosen.update(refused[:1] + refused[-1:])
        top = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        return sorted(chosen | {top + 1, top + 2})


@pytest.fixture
def canaries(db):
    return seed()


@pytest.fixture(autouse=True)
def _quiet_refusals():
    """Thousands of refusals are the point here; Django's log of each is noise."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


def demo_usernames():
    return [username for username, *_rest in USERS]


def test_no_user_sees_what_design_forbids(canaries):
    started, cpu = time.monotonic(), time.process_time()
    report = Hunt(demo_usernames(), canaries).run()
    print(
        f"\n{report.summary()}; in all {time.monotonic() - started:.0f} s "
        f"({time.process_time() - cpu:.0f} s of CPU)"
    )
    for who, urls in sorted(report.crawled.items()):
        print(f"  {who:<18} {len(urls):>4} pages, object pages: {len(report.object_pages[who])}")
    assert report.failures == [], "\n".join(report.failures[:60])
    # Not vacuous: the crawl went far, and every planted canary reached a reader of it.
    assert len(report.urls) >= 150
    reached = {route(url)[0] for url in report.urls if route(url)}
    assert reached >= MUST_REACH, MUST_REACH - reached
    assert report.pairs >= 1000
    assert report.out_of_scope >= 200
    assert report.canary_checks >= 20_000
    assert report.number_searches >= 5
    without = {who for who in demo_usernames() if not report.object_pages[who]}
    assert without <= {"styrgrupp"}, without  # the steering group reads statistics only
    planted = {c.texts[0] for c in canaries if c.label != "demo personnummer"}
    assert planted - report.shown.keys() == set(), "canaries no reader was shown"


def test_the_hunt_finds_a_planted_leak(canaries, monkeypatch):
    """The hunt fails when a selector forgets the entry rule (a note of social services shown
    to the school mentor) or a check lets a team member in whom no consent covers (leisure)."""
    from cases import access
    from cases import selectors as case_selectors
    from cases.models import Note

    reading = case_selectors.case_for_reading

    def every_note(user, pk, today=None):
        view = reading(user, pk, today)
        view.notes = list(Note.objects.filter(case=view.case))
        return view

    def lets_members_in(user, case, codename="view_case", today=None):
        return access.case_access(case, today)

    monkeypatch.setattr(case_selectors, "case_for_reading", every_note)
    monkeypatch.setattr(access, "check_case", lets_members_in)
    report = Hunt(["skolpersonal", "fritidsledare"], canaries, max_pages=40).run(out_of_scope=False)
    failures = "\n".join(report.failures)
    assert "skolpersonal GET /cases/" in failures and "SocAnteckningEgen" in failures, failures
    assert "fritidsledare GET /cases/" in failures and "oracle forbids" in failures, failures
