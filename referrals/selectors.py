"""Every read of referrals: always given the user."""


def referrals_on_case(user, case) -> list:
    """The referrals about the case that the user may see on its timeline (DESIGN §4); each
    has `created_at` for the case timeline."""
    return []
