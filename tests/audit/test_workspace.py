"""The auditors' workspace from the auditor's side: search by person, the person's extract,
a user's activity, and what the auditor can never reach (DESIGN §6, issue 13)."""

import csv
import io
import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.urls import resolve, reverse

from audit.models import LogEntry
from tests.audit.conftest import CONTACT_NOTE, ELLINOR, NILS, NOTE_TEXT, PLAN_GOAL, page_as

pytestmark = pytest.mark.django_db

ABOUT_ELLINOR = ["alice case", "bob case", "fredrik contact", "alice plan item"]


CID = 7  # the CSV's last column: the request's correlation id


def csv_rows(response) -> list[list[str]]:
    """The rows of a CSV download, without its header."""
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))[1:]


def find_person(client, person):
    """The auditor types the number (POST) and lands on the person's entries."""
    response = client.post(reverse("audit:entries"), {"personnummer": person.personnummer})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('audit:entries')}?person={person.pk}"
    return client.get(response["Location"])


class TestPersonExtract:
    def test_lists_exactly_the_reads_of_everything_about_the_person(self, town, reads):
        auditor = page_as(town["gustav"])
        lookup_from = LogEntry.objects.order_by("-id").first().pk
        find_person(auditor, town["ellinor"])
        lookups = list(LogEntry.objects.filter(id__gt=lookup_from, object_id=town["ellinor"].pk))
        expected = reads.granted(*ABOUT_ELLINOR) + lookups
        # Every step of the scenario left reads of the case, the person, the contact and the
        # plan item; the refused attempt and Nils's case left none about her.
        assert {e.content_type.model for e in expected} >= {
            "case",
            "youngperson",
            "contact",
            "planitem",
        }

        response = auditor.get(reverse("audit:person_extract_csv", args=[town["ellinor"].pk]))

        assert response.status_code == 200
        rows = csv_rows(response)
        assert Counter(row[CID] for row in rows) == Counter(e.cid for e in expected)
        assert len(rows) == len(expected)

    def test_holds_nothing_about_anyone_else_nor_refused_attempts(self, town, reads):
        auditor = page_as(town["gustav"])
        response = auditor.get(reverse("audit:person_extract", args=[town["ellinor"].pk]))
        html = response.content.decode()
        for step in ("alice nils", "carol refused"):
            for entry in reads.steps[step]:
                assert entry.cid not in html
        for entry in reads.granted(*ABOUT_ELLINOR):
            assert entry.cid in html

    def test_the_extract_and_its_export_are_logged_without_the_number(self, town, reads):
        auditor = page_as(town["gustav"])
        person = town["ellinor"]
        before = LogEntry.objects.order_by("-id").first().pk
        auditor.get(reverse("audit:person_extract", args=[person.pk]))
        auditor.get(reverse("audit:person_extract_csv", args=[person.pk]))
        logged = list(LogEntry.objects.filter(id__gt=before).order_by("id"))
        assert [(e.actor, e.action, e.object_id) for e in logged] == [
            (town["gustav"], LogEntry.Action.ACCESS, person.pk)
        ] * 2
        assert "extract" in logged[0].additional_data["audit"]
        assert "extract_csv" in logged[1].additional_data["audit"]
        assert person.personnummer not in str([e.additional_data for e in logged])

    def test_the_lookup_by_number_is_logged_as_an_access_to_the_person(self, town):
        auditor = page_as(town["gustav"])
        before = LogEntry.objects.order_by("-id").first().pk
        find_person(auditor, town["ellinor"])
        logged = LogEntry.objects.filter(id__gt=before)
        assert logged.filter(actor=town["gustav"], object_id=town["ellinor"].pk).count() == 2
        assert town["ellinor"].personnummer not in str(
            list(logged.values_list("additional_data", flat=True))
        )

    def test_an_unknown_number_is_said_plainly(self, town):
        from tests.cases.factories import make_personnummer, years_before

        response = page_as(town["gustav"]).post(
            reverse("audit:entries"), {"personnummer": make_personnummer(years_before(15))}
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="id_personnummer_error"' in html  # said on the number's field
        assert "?person=" not in html


class TestSearch:
    def test_search_by_case_reference_finds_the_case_and_its_parts(self, town, reads):
        response = page_as(town["gustav"]).get(
            reverse("audit:entries"), {"case": town["case"].reference, "action": "access"}
        )
        html = response.content.decode()
        for entry in reads.granted("alice case", "bob case", "fredrik contact"):
            if entry.content_type.model != "youngperson":
                assert entry.cid in html
        for entry in reads.steps["alice nils"]:
            assert entry.cid not in html

    def test_refused_attempts_are_their_own_action(self, town, reads):
        response = page_as(town["gustav"]).get(reverse("audit:entries"), {"action": "denied"})
        html = response.content.decode()
        [refused] = reads.steps["carol refused"]
        assert refused.cid in html
        for entry in reads.granted("alice case"):
            assert entry.cid not in html

    def test_search_by_user_and_period(self, town, reads):
        from django.utils import timezone

        today = timezone.localdate().isoformat()
        response = page_as(town["gustav"]).get(
            reverse("audit:entries"), {"user": town["bob"].pk, "since": today, "until": today}
        )
        html = response.content.decode()
        assert all(e.cid in html for e in reads.steps["bob case"])
        assert not any(e.cid in html for e in reads.steps["alice case"])

    def test_every_search_is_logged_with_its_criteria(self, town, reads):
        before = LogEntry.objects.order_by("-id").first().pk
        page_as(town["gustav"]).get(reverse("audit:entries"), {"user": town["bob"].pk})
        [entry] = LogEntry.objects.filter(id__gt=before)
        assert entry.actor == town["gustav"]
        assert entry.action == LogEntry.Action.ACCESS
        assert entry.additional_data == {"audit": {"search": {"user": town["bob"].pk}}}

    def test_a_users_activity_and_its_export(self, town, reads):
        auditor = page_as(town["gustav"])
        page = auditor.get(reverse("audit:user_activity", args=[town["fredrik"].pk]))
        assert all(e.cid in page.content.decode() for e in reads.steps["fredrik contact"])
        assert not any(e.cid in page.content.decode() for e in reads.steps["bob case"])
        export = auditor.get(reverse("audit:user_activity_csv", args=[town["fredrik"].pk]))
        assert {row[CID] for row in csv_rows(export)} >= {
            e.cid for e in reads.steps["fredrik contact"]
        }


class TestNoCaseContent:
    SECRETS = (*ELLINOR, *NILS, NOTE_TEXT, PLAN_GOAL, CONTACT_NOTE)
    ALLOWED_APPS = {"audit", "", "accounts"}  # the workspace, the home page, the 2FA page

    def crawl(self, client, starts):
        """Every page reachable by following links from `starts`, as (url, response)."""
        seen, queue, pages = set(), list(starts), []
        while queue:
            url = queue.pop()
            path = urlsplit(url).path
            if url in seen or path.startswith("/static/") or not path.startswith("/"):
                continue
            seen.add(url)
            match = resolve(path)
            assert match.app_name in self.ALLOWED_APPS, f"{url} leads out of the workspace"
            response = client.get(url)
            pages.append((url, response))
            if response.status_code == 200 and "html" in response["Content-Type"]:
                html = response.content.decode()
                for link in re.findall(r'href="([^"#]+)"', html):
                    queue.append(link.replace("&amp;", "&"))
        return pages

    def test_no_link_on_any_workspace_page_leads_to_case_content(self, town, reads):
        from django.utils import timezone

        from audit.models import VerificationRun
        from audit.services import review_draw

        review_draw(
            by=town["gustav"], period_start=timezone.localdate(), period_end=timezone.localdate()
        )
        VerificationRun.objects.create(
            intact=False, message="Audit log BROKEN at entry 3.", finished_at=timezone.now()
        )
        auditor = page_as(town["gustav"])
        find_person(auditor, town["ellinor"])
        starts = [
            "/",
            reverse("audit:workspace"),
            f"{reverse('audit:entries')}?person={town['ellinor'].pk}",
            f"{reverse('audit:entries')}?case={town['case'].reference}",
        ]
        pages = self.crawl(auditor, starts)

        visited = {resolve(urlsplit(url).path).url_name for url, _ in pages}
        assert {
            "workspace",
            "entries",
            "person_extract",
            "person_extract_csv",
            "user_activity",
            "findings",
            "reviews",
            "review",
            "sample_assess",
            "review_close",
            "integrity",
        } <= visited
        for url, response in pages:
            assert response.status_code == 200, url
            body = response.content.decode("utf-8-sig")
            for secret in (*self.SECRETS, town["ellinor"].personnummer):
                assert secret not in body, f"{secret!r} shown on {url}"

    def test_the_auditor_is_refused_the_case_pages_themselves(self, town):
        auditor = page_as(town["gustav"])
        case = town["case"]
        for url in (
            reverse("cases:detail", args=[case.pk]),
            reverse("cases:consents", args=[case.pk]),
            reverse("cases:plan_follow_up", args=[case.pk, town["plan_item"].pk]),
            reverse("contacts:detail", args=[town["contact"].pk]),
        ):
            assert auditor.get(url).status_code in (403, 404), url


class TestQueryBudgets:
    def more_reads(self, town, n):
        from audit.access import log_access

        for _ in range(n):
            log_access(town["alice"], town["case"])
            log_access(town["bob"], town["ellinor"])

    def queries(self, client, url, django_assert_max_num_queries, budget, **params):
        with django_assert_max_num_queries(budget) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured.captured_queries)

    @pytest.mark.parametrize(
        "name,budget,params",
        [
            ("audit:entries", 22, {"action": "access"}),
            ("audit:person_extract", 18, {}),
            ("audit:user_activity", 18, {}),
            ("audit:workspace", 30, {}),
            ("audit:findings", 28, {}),
        ],
    )
    def test_pages_cost_the_same_with_ten_times_the_entries(
        self, town, django_assert_max_num_queries, name, budget, params
    ):
        auditor = page_as(town["gustav"])
        args = {
            "audit:person_extract": [town["ellinor"].pk],
            "audit:user_activity": [town["alice"].pk],
        }.get(name, [])
        url = reverse(name, args=args)
        auditor.get(url, params)  # caches warm, as on a running server
        self.more_reads(town, 3)
        few = self.queries(auditor, url, django_assert_max_num_queries, budget, **params)
        self.more_reads(town, 30)
        many = self.queries(auditor, url, django_assert_max_num_queries, budget, **params)
        assert few == many


def test_the_compiled_extract_gives_the_querysets_rows_for_every_person_and_period(town, reads):
    """person_extract_rows runs SQL compiled once with sentinel values: the rows must be the
    ones the queryset gives, for each person in turn and with or without a period."""
    import datetime

    from audit import selectors

    today = datetime.date.today()
    periods = [(None, None), (today - datetime.timedelta(days=30), today), (today, None)]
    seen = 0
    for _round in range(2):  # the second round runs on the cached SQL only
        for person in (town["ellinor"], town["nils"]):
            for since, until in periods:
                expected = list(selectors.person_extract(person, since, until))
                assert selectors.person_extract_rows(person, since, until) == expected
                seen += len(expected)
    assert seen > 0
    tomorrow = today + datetime.timedelta(days=1)
    assert selectors.person_extract_rows(town["ellinor"], tomorrow, tomorrow) == []
