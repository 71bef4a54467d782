"""The meetings panel of the home page: invitations to answer, my next meetings, and the
commitments I am responsible for (only those I may read now)."""

from django.utils import timezone

from meetings import selectors

UPCOMING_SHOWN = 5


def panel(request) -> dict | None:
    """None, or a dict with "template" and that template's context (as `panel`)."""
    user = request.user
    if user.has_role("administrator") or user.has_role("auditor"):
        return None
    today = timezone.localdate()
    return {
        "template": "meetings/home_panel.html",
        "invitations": list(selectors.invitations(user, today)),
        "upcoming": list(selectors.my_meetings(user, today=today)[:UPCOMING_SHOWN]),
        "commitments": selectors.open_commitments(user, today),
        "today": today,
    }
