"""Systematic log review through the pages: a stratified random sample drawn from a seed,
assessed entry by entry and closed with a conclusion that is itself in the sealed log."""

from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit import services
from audit.access import log_access
from audit.models import LogEntry, Review, ReviewSample
from tests.audit.conftest import page_as
from tests.once import post_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(town, reads):
    today = timezone.localdate().isoformat()
    response = post_form(
        page_as(town["gustav"]),
        reverse("audit:reviews"),
        {"period_start": today, "period_end": today, "per_organisation": 2},
    )
    assert response.status_code == 302
    made = Review.objects.get()
    assert response["Location"] == reverse("audit:review", args=[made.pk])
    return made


def drawn(review) -> list[tuple[int, int]]:
    return list(review.samples.order_by("position").values_list("organisation_id", "entry_id"))


def test_the_sample_is_stratified_by_organisation(town, review):
    reads_by_org = Counter(
        LogEntry.objects.filter(action=LogEntry.Action.ACCESS, id__lte=review.last_entry_id)
        .exclude(actor=None)
        .values_list("actor__organisation_id", flat=True)
    )
    sampled = Counter(org for org, _entry in drawn(review))
    assert sampled == {org: min(2, n) for org, n in reads_by_org.items()}
    entries = LogEntry.objects.filter(pk__in=[e for _o, e in drawn(review)])
    assert all(e.action == LogEntry.Action.ACCESS for e in entries)


def test_the_sample_is_reproducible_from_its_seed(town, review):
    for _ in range(5):  # the log grows after the draw
        log_access(town["alice"], town["case"])
    again = services.sample_entries(
        period_start=review.period_start,
        period_end=review.period_end,
        per_organisation=review.per_organisation,
        seed=review.seed,
        last_entry_id=review.last_entry_id,
    )
    assert again == drawn(review)


def test_the_same_seed_through_the_page_draws_the_same_sample(town, review):
    today = timezone.localdate().isoformat()
    post_form(
        page_as(town["gustav"]),
        reverse("audit:reviews"),
        {"period_start": today, "period_end": today, "per_organisation": 2, "seed": review.seed},
    )
    second = Review.objects.exclude(pk=review.pk).get()
    assert second.seed == review.seed
    assert drawn(second) == drawn(review)


def assess_all(client, review, verdict="justified", comment=""):
    for sample in review.samples.filter(verdict=""):
        response = client.post(
            reverse("audit:sample_assess", args=[review.pk, sample.pk]),
            {"verdict": verdict, "comment": comment},
        )
        assert response.status_code == 302


def test_assessments_and_conclusion_are_themselves_audited(town, review):
    auditor = page_as(town["gustav"])
    first = review.samples.order_by("position").first()
    auditor.post(
        reverse("audit:sample_assess", args=[review.pk, first.pk]),
        {"verdict": "follow_up", "comment": "Fråga samordnaren om läsningen."},
    )
    assess_all(auditor, review)
    response = auditor.post(
        reverse("audit:review_close", args=[review.pk]),
        {"conclusion": "Inga obefogade läsningar."},
    )
    assert response.status_code == 302

    review.refresh_from_db()
    assert review.is_closed and review.closed_by == town["gustav"]
    sample_type = ContentType.objects.get_for_model(ReviewSample)
    review_type = ContentType.objects.get_for_model(Review)
    updates = LogEntry.objects.filter(content_type=sample_type, action=LogEntry.Action.UPDATE)
    assert {e.actor for e in updates} == {town["gustav"]}
    assert ["", "follow_up"] in [e.changes.get("verdict") for e in updates]
    closing = LogEntry.objects.filter(
        content_type=review_type, object_id=review.pk, action=LogEntry.Action.UPDATE
    ).get()
    assert closing.actor == town["gustav"]
    assert "closed_at" in closing.changes
    # The conclusion's text is encrypted in the table and masked in the log.
    assert "Inga obefogade" not in str(closing.changes)

    page = page_as(town["gustav"]).get(reverse("audit:review", args=[review.pk])).content.decode()
    assert "Inga obefogade läsningar." in page
    assert "Fråga samordnaren om läsningen." in page


def test_a_review_closes_only_when_every_entry_is_assessed(town, review):
    auditor = page_as(town["gustav"])
    response = auditor.post(
        reverse("audit:review_close", args=[review.pk]), {"conclusion": "Klart."}
    )
    assert response.status_code == 200
    assert not Review.objects.get(pk=review.pk).is_closed


def test_not_justified_needs_a_comment(town, review):
    sample = review.samples.first()
    response = page_as(town["gustav"]).post(
        reverse("audit:sample_assess", args=[review.pk, sample.pk]), {"verdict": "not_justified"}
    )
    assert response.status_code == 200
    sample.refresh_from_db()
    assert sample.verdict == ""


def test_a_closed_review_cannot_change(town, review):
    auditor = page_as(town["gustav"])
    assess_all(auditor, review)
    auditor.post(reverse("audit:review_close", args=[review.pk]), {"conclusion": "Klart."})
    sample = review.samples.first()
    response = auditor.post(
        reverse("audit:sample_assess", args=[review.pk, sample.pk]),
        {"verdict": "not_justified", "comment": "Ändrat i efterhand"},
    )
    assert response.status_code == 200
    sample.refresh_from_db()
    assert sample.verdict == "justified"


def test_nobody_but_an_auditor_may_draw_a_sample(town, reads):
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.review_draw(by=town["alice"], period_start=today, period_end=today)
    assert not Review.objects.exists()


def test_the_reviews_are_listed_with_their_dates(town, review, django_assert_max_num_queries):
    auditor = page_as(town["gustav"])
    auditor.get(reverse("audit:reviews"))
    with django_assert_max_num_queries(14):
        page = auditor.get(reverse("audit:reviews")).content.decode()
    assert review.period_start.isoformat() in page
    with django_assert_max_num_queries(14):
        assert auditor.get(reverse("audit:review", args=[review.pk])).status_code == 200
