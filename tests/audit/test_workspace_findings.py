"""Findings: each points the auditor at the entries that deserve a look, with their count and
a link to them. The situations are made through the pages the users use."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from audit import findings
from audit.access import log_access
from audit.models import LogEntry
from tests.audit.conftest import Reads, page_as

pytestmark = pytest.mark.django_db


def finding_entries(auditor, code) -> str:
    """The page the finding's link leads to, as the auditor sees it."""
    today = timezone.localdate()
    since = today - datetime.timedelta(days=29)
    response = page_as(auditor).get(
        reverse("audit:entries"),
        {"finding": code, "since": since.isoformat(), "until": today.isoformat()},
    )
    assert response.status_code == 200
    return response.content.decode()


def counts(today=None) -> dict[str, int]:
    since, until = findings.default_period(today)
    return {s.kind.code: s.count for s in findings.summary(since, until)}


class TestReadAfterLeavingTheTeam:
    def test_a_read_after_removal_from_the_team_is_a_finding(self, town):
        log = Reads()
        fredrik, contact = town["fredrik"], town["contact"]
        contact_page = reverse("contacts:detail", args=[contact.pk])
        log.record("on the team", lambda: page_as(fredrik).get(contact_page))
        member = town["case"].members.get(user=fredrik)
        removed = page_as(town["alice"]).post(
            reverse("cases:member_remove", args=[town["case"].pk, member.pk])
        )
        assert removed.status_code == 302
        assert not town["case"].members.filter(user=fredrik).exists()
        # The recorder still reads his own contact: it belongs to a case he has left.
        log.record("after leaving", lambda: page_as(fredrik).get(contact_page))
        [late] = log.granted("after leaving")
        [early] = log.granted("on the team")

        assert counts()["after_team"] == 1
        html = finding_entries(town["gustav"], "after_team")
        assert late.cid in html
        assert early.cid not in html

    def test_team_members_reading_their_case_are_no_finding(self, town, reads):
        assert counts()["after_team"] == 0
        workspace = page_as(town["gustav"]).get(reverse("audit:workspace")).content.decode()
        link = f"{reverse('audit:entries')}?finding=after_team"
        assert link in workspace


class TestRefusedAttempts:
    def test_probing_many_ids_is_a_finding_and_one_stale_link_is_not(self, town, settings):
        settings.SSPF_AUDIT_PROBE_IDS = 3
        settings.SSPF_AUDIT_PROBE_ATTEMPTS = 5
        carol, bob = page_as(town["carol"]), page_as(town["bob"])
        for pk in (town["case"].pk, town["other_case"].pk, 999_999):
            assert carol.get(reverse("cases:detail", args=[pk])).status_code == 404
        assert bob.get(reverse("cases:detail", args=[town["other_case"].pk])).status_code == 404

        assert counts()["probing"] == 3
        html = finding_entries(town["gustav"], "probing")
        assert html.count(">carol</a>") == 3
        assert ">bob</a>" not in html


class TestDisclosure:
    def test_a_read_under_a_statutory_disclosure_is_a_finding(self, town, make_user):
        case = town["case"]
        log_access(town["alice"], case)
        police = make_user("school_police", username="pelle")
        log_access(police, case, {"statutory_basis": ["osl_10_18a"]})
        assert counts()["disclosure"] == 1
        assert ">pelle</a>" in finding_entries(town["gustav"], "disclosure")


class TestOutsideSchools:
    def test_reading_a_case_of_a_school_not_assigned_is_a_finding(self, town, make_user):
        from tests.schools.factories import SchoolFactory, assign

        police = make_user("school_police", username="pelle")
        assigned = SchoolFactory(organisation=town["bob"].organisation)
        elsewhere = SchoolFactory(organisation=town["bob"].organisation)
        assign(police, assigned)
        case, other = town["case"], town["other_case"]
        case.school = assigned
        case.save(update_fields=["school"])
        other.school = elsewhere
        other.save(update_fields=["school"])
        log_access(police, case)
        log_access(police, other)

        assert counts()["outside_schools"] == 1
        html = finding_entries(town["gustav"], "outside_schools")
        assert other.reference in html
        assert case.reference not in html


class TestVolume:
    def test_reading_far_more_than_ones_usual_is_a_finding(self, town, settings):
        settings.SSPF_AUDIT_VOLUME_MINIMUM = 10
        settings.SSPF_AUDIT_VOLUME_FACTOR = 3
        settings.SSPF_AUDIT_BASELINE_DAYS = 30
        settings.SSPF_AUDIT_FINDINGS_DAYS = 30
        alice, bob = town["alice"], town["bob"]
        case_type = ContentType.objects.get_for_model(type(town["case"]))
        earlier = timezone.now() - datetime.timedelta(days=45)
        for _ in range(2):  # Alice's usual: two reads a month
            LogEntry.objects.create(
                content_type=case_type,
                object_pk=str(town["case"].pk),
                object_id=town["case"].pk,
                object_repr=town["case"].reference,
                action=LogEntry.Action.ACCESS,
                actor=alice,
                timestamp=earlier,
            )
        for _ in range(12):
            log_access(alice, town["case"])
        for _ in range(3):
            log_access(bob, town["case"])

        assert counts()["volume"] == 12
        html = finding_entries(town["gustav"], "volume")
        assert ">alice</a>" in html
        assert ">bob</a>" not in html


class TestNightAndWeekend:
    def test_activity_at_night_is_a_finding(self, town, settings):
        settings.SSPF_AUDIT_NIGHT_STARTS, settings.SSPF_AUDIT_NIGHT_ENDS = 22, 6
        case_type = ContentType.objects.get_for_model(type(town["case"]))
        today = timezone.localdate()
        # A weekday, so that only the hour decides.
        weekday = today - datetime.timedelta(days=(today.isoweekday() - 3) % 7 or 7)

        def read_at(hour, user):
            moment = timezone.make_aware(datetime.datetime.combine(weekday, datetime.time(hour)))
            return LogEntry.objects.create(
                content_type=case_type,
                object_pk=str(town["case"].pk),
                object_id=town["case"].pk,
                object_repr=town["case"].reference,
                action=LogEntry.Action.ACCESS,
                actor=user,
                timestamp=moment,
                cid=f"read-at-{hour}",
            )

        before = counts()["night"]
        read_at(23, town["bob"])
        read_at(3, town["bob"])
        read_at(14, town["bob"])
        assert counts()["night"] == before + 2
        html = finding_entries(town["gustav"], "night")
        assert "read-at-23" in html and "read-at-3<" in html
        assert "read-at-14" not in html
