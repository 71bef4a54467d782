"""The authorization matrix rows for the stats URLs (merged into matrix.POLICIES), and the
objects their rows need in the world of the matrix test."""

from tests.security.matrix import Policy  # noqa: F401  (and the other helpers of matrix.py)

POLICIES: dict = {}


def world(users: dict, organisations: dict, base: dict) -> dict:
    """Objects for this app's rows; `base` is the world built so far (users, schools, the
    in-scope and out-of-scope cases and contacts)."""
    return {}
