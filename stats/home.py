"""The statistics panel of the home page."""

from stats import selectors


def panel(request) -> dict | None:
    """None, or a dict with "template" and that template's context (as `panel`)."""
    user = request.user
    if not selectors.may_view(user):
        return None
    return {
        "template": "stats/panel.html",
        "own_work": selectors.sees_own_work(user),
        "follow_up": selectors.sees_all(user),
    }
