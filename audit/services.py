"""Every write of the auditors' workspace: log reviews and acknowledging a broken chain.

Reviews are registered with the audit registry (audit/apps.py), so drawing a sample, every
assessment and the conclusion are themselves entries in the sealed log.
"""

import datetime
import itertools
import random
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import LogEntry, Review, ReviewSample, VerificationRun
from audit.selectors import period_filter
from sspf.permissions import require

WORKSPACE = "audit.use_workspace"
# Seeds are stored in a signed 64-bit column.
LARGEST_SEED = 2**62


def sample_entries(
    *,
    period_start: datetime.date,
    period_end: datetime.date,
    per_organisation: int,
    seed: int,
    last_entry_id: int | None,
) -> list[tuple[int | None, int]]:
    """The sample as (organisation id, entry id) pairs: up to `per_organisation` reads or
    refused attempts per organisation of the user, drawn at random from `seed` among the
    period's entries up to `last_entry_id`. The same arguments always give the same sample."""
    if last_entry_id is None:
        return []
    candidates = (
        LogEntry.objects.filter(
            period_filter(period_start, period_end),
            action=LogEntry.Action.ACCESS,
            actor__isnull=False,
            id__lte=last_entry_id,
        )
        .order_by("actor__organisation_id", "id")
        .values_list("actor__organisation_id", "id")
    )
    # Reproducible on purpose (the same seed, the same sample), not a secret.
    draw = random.Random(seed)  # noqa: S311
    chosen = []
    for organisation, group in itertools.groupby(candidates, key=lambda row: row[0]):
        ids = [entry_id for _organisation, entry_id in group]
        for entry_id in sorted(draw.sample(ids, min(per_organisation, len(ids)))):
            chosen.append((organisation, entry_id))
    return chosen


@transaction.atomic
def review_draw(
    *,
    by: User,
    period_start: datetime.date,
    period_end: datetime.date,
    per_organisation: int | None = None,
    seed: int | None = None,
) -> Review:
    """Starts a review: draws the sample and keeps the seed, so that it can be drawn again."""
    require(by, WORKSPACE)
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period cannot end before it starts.")})
    if period_start > timezone.localdate():
        raise ValidationError({"period_start": _("The period cannot start in the future.")})
    per_organisation = per_organisation or settings.SSPF_AUDIT_REVIEW_SAMPLE
    if seed is None:
        seed = secrets.randbelow(LARGEST_SEED)
    if not 0 <= seed < LARGEST_SEED:
        raise ValidationError(
            {
                "seed": _("Enter a whole number from 0 to %(largest)s.")
                % {"largest": LARGEST_SEED - 1}
            }
        )
    last_entry_id = LogEntry.objects.order_by("-id").values_list("id", flat=True).first()
    chosen = sample_entries(
        period_start=period_start,
        period_end=period_end,
        per_organisation=per_organisation,
        seed=seed,
        last_entry_id=last_entry_id,
    )
    if not chosen:
        raise ValidationError(
            {"period_start": _("The log holds no reads in this period to sample.")}
        )
    review = Review.objects.create(
        period_start=period_start,
        period_end=period_end,
        per_organisation=per_organisation,
        seed=seed,
        last_entry_id=last_entry_id,
        created_by=by,
    )
    for position, (organisation, entry_id) in enumerate(chosen, start=1):
        # One at a time (not bulk_create): each sample row is then in the sealed log.
        ReviewSample.objects.create(
            review=review, position=position, entry_id=entry_id, organisation_id=organisation
        )
    return review


def _require_open(review: Review) -> None:
    if review.is_closed:
        raise ValidationError(_("The review is closed: its assessments can no longer change."))


@transaction.atomic
def sample_assess(
    *, by: User, sample: ReviewSample, verdict: str, comment: str = ""
) -> ReviewSample:
    require(by, WORKSPACE)
    review = Review.objects.select_for_update().get(pk=sample.review_id)
    _require_open(review)
    if verdict not in ReviewSample.Verdict.values:
        raise ValidationError({"verdict": _("Choose an assessment.")})
    if verdict != ReviewSample.Verdict.JUSTIFIED and not comment.strip():
        raise ValidationError(
            {"comment": _("Say why: an entry that is not plainly justified needs a comment.")}
        )
    sample.verdict = verdict
    sample.comment = comment.strip()
    sample.assessed_by = by
    sample.assessed_at = timezone.now()
    sample.save(update_fields=["verdict", "comment", "assessed_by", "assessed_at"])
    return sample


@transaction.atomic
def review_close(*, by: User, review: Review, conclusion: str) -> Review:
    """Closes the review with its conclusion, once every sampled entry is assessed."""
    require(by, WORKSPACE)
    review = Review.objects.select_for_update().get(pk=review.pk)
    _require_open(review)
    if not conclusion.strip():
        raise ValidationError({"conclusion": _("Write the review's conclusion.")})
    if review.samples.filter(verdict="").exists():
        raise ValidationError(_("Assess every sampled entry before closing the review."))
    review.conclusion = conclusion.strip()
    review.closed_at = timezone.now()
    review.closed_by = by
    review.save(update_fields=["conclusion", "closed_at", "closed_by"])
    return review


@transaction.atomic
def verification_acknowledge(*, by: User, run: VerificationRun) -> VerificationRun:
    """An auditor has seen that the chain broke; it leaves the home pages (not the record)."""
    require(by, WORKSPACE)
    run = VerificationRun.objects.select_for_update().get(pk=run.pk)
    if run.intact or run.finished_at is None:
        raise ValidationError(_("Only a failed verification can be acknowledged."))
    if run.acknowledged_at is None:
        run.acknowledged_at = timezone.now()
        run.acknowledged_by = by
        run.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return run
