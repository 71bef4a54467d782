"""The authorization matrix rows for the stats URLs (merged into matrix.POLICIES), and the
objects their rows need in the world of the matrix test.

Coordinators hold stats.view_statistics; a field worker sees the figures of their own work
on the gender view and its CSV; everybody else is refused (403: the pages are no secret)."""

from tests.security.matrix import COORDINATOR_ONLY, Policy, only  # noqa: F401

OWN_OR_ALL = {"coordinator": 200, "field_worker": 200, "steering_group": 200}
STATISTICS = {"coordinator": 200, "steering_group": 200}

POLICIES: dict = {
    "stats:index": only(OWN_OR_ALL, 403),
    "stats:csv": only(OWN_OR_ALL, 403),
    "stats:follow_up": only(STATISTICS, 403),
    "stats:follow_up_csv": only(STATISTICS, 403, url=lambda w: "/stats/follow-up/csv/?year=2020"),
    "stats:targets": only(STATISTICS, 403),
    "stats:target_value_new": only(COORDINATOR_ONLY, 403, kwargs=lambda w: {"pk": w["target"].pk}),
}


def world(users: dict, organisations: dict, base: dict) -> dict:
    """Objects for this app's rows; `base` is the world built so far (users, schools, the
    in-scope and out-of-scope cases and contacts)."""
    from stats.models import Target

    target = Target.objects.create(
        name="Brott av unga 15–18",
        baseline_year=2011,
        baseline_value=181,
        yearly_change=-5,
        direction=Target.Direction.DECREASE,
    )
    return {"target": target}
