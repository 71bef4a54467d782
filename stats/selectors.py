"""Who sees which figures (DESIGN §8, issue 14).

- `stats.view_statistics` (coordinators; administrators may give it to a steering group's
  members): every table, for the whole installation.
- A field worker without it: the contacts tables of their own work (what they recorded).
- Nobody else, and nobody sees another worker's figures by name: no table splits by worker.

Every table is counted in the database and suppressed (stats/disclosure.py) before it leaves
this module, for the page and the CSV alike. Each CSV download is logged (log_export): a file
can be passed on, so who took which figures out of the system is in the access log.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from audit.middleware import current_correlation_id
from audit.models import LogEntry
from stats import tables
from stats.models import StatFact

VIEW_STATISTICS = "stats.view_statistics"


def sees_all(user) -> bool:
    return user.has_perm(VIEW_STATISTICS)


def sees_own_work(user) -> bool:
    return not sees_all(user) and user.has_role("field_worker")


def may_view(user) -> bool:
    return sees_all(user) or sees_own_work(user)


def measures_for(user) -> list[str]:
    if sees_all(user):
        return list(tables.MEASURES)
    if sees_own_work(user):
        return list(tables.OWN_WORK_MEASURES)
    return []


def table_for(user, *, measure: str, split: str, year: int) -> tables.Table:
    """The suppressed table `user` may see, or PermissionDenied."""
    if measure not in measures_for(user) or split not in tables.splits_for(measure):
        raise PermissionDenied
    return tables.build(measure, split, year, recorded_by=None if sees_all(user) else user)


def log_export(user, filename: str, details: dict) -> LogEntry:
    """Records that `user` downloaded `filename` with the choices in `details`: an ACCESS entry
    about "statistics" (the StatFact type), carrying the file's name and what it held. The
    figures are aggregated and suppressed, so no person is named; the entry is in the sealed
    log like every read."""
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(StatFact),
        object_pk="",
        object_id=None,
        object_repr=filename,
        action=LogEntry.Action.ACCESS,
        actor=user,
        cid=current_correlation_id(),
        additional_data={"export": {"file": filename, **details}},
    )
