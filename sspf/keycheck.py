"""Do the configured keys open the data in this database? Asked at start-up (DESIGN §5).

Keys that parse can still be the wrong ones: a key pasted wrong under the right id, an old key
dropped from SSPF_FIELD_KEYS while a restored backup still holds values under it, the index key
of another installation. The application would then fail on the first page that shows such a
value, or — worse, for the blind index — find nobody by personnummer and register the person a
second time. So before serving, the application opens a sample: the oldest and the newest row
of every table with encrypted fields, and checks the newest person's blind index against the
index key. It only reads.

Run as a system check with the database (`manage.py check --database default`, which
docs/operations.md asks for before every start) and by sspf/wsgi.py when the application
starts, which then refuses to serve. Tables that do not exist yet (a database not yet
migrated) are skipped; a database that cannot be reached is left to the 503 page
(sspf/errors.py).
"""

import logging

from django.apps import apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections, transaction

from sspf.crypto import DecryptionError, blind_index, encrypted_fields, row_key_field

logger = logging.getLogger(__name__)


def key_problems(using: str = "default") -> list[str]:
    """What the keys cannot open in database `using`; empty when the sample opens."""
    problems = []
    for model in apps.get_models():
        names = [field.name for field in encrypted_fields(model)]
        if not names or row_key_field(model) is None:
            continue
        rows = model._base_manager.using(using).values_list(*names)
        try:
            with transaction.atomic(using=using):
                rows.order_by("pk").first()
                newest = rows.order_by("-pk").first()
        except DecryptionError as error:
            problems.append(f"{model._meta.label}: {error}")
            continue
        except DatabaseError:  # not migrated yet
            continue
        if model._meta.label == "cases.YoungPerson" and newest is not None:
            problems += _index_problems(model, using)
    return problems


def _index_problems(model, using) -> list[str]:
    person = (
        model._base_manager.using(using)
        .order_by("-pk")
        .values_list("personnummer", "personnummer_index")[0]
    )
    number, index = person
    if len(number) == 12 and number.isdigit() and blind_index(number) != index:
        return [
            "cases.YoungPerson: SSPF_INDEX_KEY is not the key the person register was indexed "
            "with; searches by personal identity number would find nobody."
        ]
    return []


@checks.register(checks.Tags.database)
def check_keys(app_configs=None, databases=None, **kwargs):
    errors = []
    for alias in databases or ():
        errors += [
            checks.Error(
                problem,
                hint="Put back the key the data was written with (SSPF_FIELD_KEYS keeps every "
                "older key after the current one until `rotate_field_keys` has run), or "
                "restore a backup written under the keys you have.",
                id="sspf.E010",
            )
            for problem in key_problems(alias)
        ]
    return errors


def require_working_keys(alias: str = "default") -> None:
    """Refuses to start (sspf/wsgi.py) when the keys cannot open the data."""
    try:
        problems = key_problems(alias)
    except DatabaseError as error:  # unreachable now: each request will say so (503)
        logger.warning("The keys could not be checked at start-up: %s", type(error).__name__)
        return
    finally:
        connections[alias].close()
    if problems:
        raise ImproperlyConfigured(
            "The configured keys cannot open the data in the database, so SSPF does not "
            "start:\n" + "\n".join(problems)
        )
