"""The authorization matrix rows for the audit URLs (merged into matrix.POLICIES), and the
objects their rows need in the world of the matrix test.

The auditors' workspace is the auditors' alone: every other role gets 403, on every page and
for every object. For an auditor every existing object is in scope (they review the whole
log); "out of scope" is an object that does not exist, which is a 404.
"""

from tests.security.matrix import only

AUDITOR = {"auditor": 200}
MISSING = 2**31  # no such row


def _page(kwargs_in, kwargs_out, status=200, method="get"):
    return [
        only({"auditor": status}, 403, method=method, kwargs=kwargs_in, scope="in scope"),
        only({"auditor": 404}, 403, method=method, kwargs=kwargs_out, scope="out of scope"),
    ]


def _pk(name):
    return lambda w: {"pk": w[name].pk}


def _missing(world):
    return {"pk": MISSING}


def _sample(world):
    return {"pk": world["review"].pk, "sample_pk": world["review_sample"].pk}


POLICIES: dict = {
    "audit:workspace": only(AUDITOR, 403),
    "audit:entries": only(AUDITOR, 403),
    "audit:findings": only(AUDITOR, 403),
    "audit:reviews": only(AUDITOR, 403),
    "audit:integrity": only(AUDITOR, 403),
    "audit:person_extract": _page(_pk("audited_person"), _missing),
    "audit:person_extract_csv": _page(_pk("audited_person"), _missing),
    "audit:user_activity": _page(_pk("coordinator"), _missing),
    "audit:user_activity_csv": _page(_pk("coordinator"), _missing),
    "audit:review": _page(_pk("review"), _missing),
    "audit:review_close": _page(_pk("review"), _missing),
    "audit:sample_assess": _page(_sample, lambda w: {"pk": w["review"].pk, "sample_pk": MISSING}),
    "audit:acknowledge": _page(_pk("failed_verification"), _missing, status=302, method="post"),
}


def world(users: dict, organisations: dict, base: dict) -> dict:
    """A person with a case, a log review with one sampled entry, and a failed verification."""
    from audit.models import LogEntry, Review, ReviewSample, VerificationRun

    entry = LogEntry.objects.order_by("id").first()
    review = Review.objects.create(
        period_start=entry.timestamp.date(),
        period_end=entry.timestamp.date(),
        per_organisation=1,
        seed=1,
        last_entry_id=entry.pk,
        created_by=users["auditor"],
    )
    sample = ReviewSample.objects.create(review=review, position=1, entry=entry)
    failed = VerificationRun.objects.create(
        intact=False, message="Audit log BROKEN at entry 1.", finished_at=entry.timestamp
    )
    return {
        "audited_person": base["case_in"].young_person,
        "review": review,
        "review_sample": sample,
        "failed_verification": failed,
    }
