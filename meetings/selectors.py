"""Every read of meetings, agendas and minutes: always given the user."""


def minutes_on_case(user, case) -> list:
    """The minutes of the case's network meetings that the user reads under DESIGN §4 (like
    notes); `case.sharing` is already checked by cases.selectors.case_for. Each has
    `created_at` for the case timeline."""
    return []
