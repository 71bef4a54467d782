"""The statistics panel of the home page."""


def panel(request) -> dict | None:
    """None, or a dict with "template" and that template's context (as `panel`)."""
    return None
