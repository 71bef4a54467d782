"""The auditors' workspace panel of the home page: the state of the seal chain, and a broken
chain in red until an auditor acknowledges it."""

from audit import selectors


def panel(request) -> dict | None:
    """None, or a dict with "template" and that template's context (as `panel`)."""
    if not request.user.has_perm("audit.use_workspace"):
        return None
    return {
        "template": "audit/panel.html",
        "verification": selectors.last_verification(),
        "failures": list(selectors.unacknowledged_failures()),
    }
