"""The referrals panel of the home page: the receiving service's inbox (new, overdue, in
progress, and the sender's recent withdrawals) and the sender's outbox. Its query count does
not grow with the number of referrals (tests/referrals/test_home.py)."""

from django.conf import settings
from django.utils import timezone

from referrals import access, selectors

SHOWN = 10


def panel(request) -> dict | None:
    """None, or a dict with "template" and that template's context (as `panel`)."""
    user = request.user
    receives = bool(access.receiving_kinds(user))
    sends = user.has_perm(access.SEND)
    if not (receives or sends):
        return None
    found = {"template": "referrals/home_panel.html", "inbox": receives, "outbox": None}
    if receives:
        now = timezone.now()
        counts = selectors.inbox_counts(user, now)
        # The lists are asked for only when the counts say they hold something.
        found.update(
            counts=counts,
            waiting=list(selectors.inbox(user, "new", now)[:SHOWN]) if counts["new"] else [],
            withdrawn=(
                list(selectors.inbox(user, "withdrawn", now)[:SHOWN]) if counts["withdrawn"] else []
            ),
            overdue_since=selectors.overdue_since(now),
            days=settings.SSPF_REFERRAL_ANSWER_DAYS,
        )
    if sends:
        found["outbox"] = list(selectors.outbox(user, "open")[:SHOWN])
    return found
