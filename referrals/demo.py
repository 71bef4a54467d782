"""Demo data for this app (loaded by seed_demo after cases and contacts)."""

from accounts.models import User


def load(users: dict[str, User]) -> None:
    return None
