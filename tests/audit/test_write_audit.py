"""Writes are logged, and no encrypted value ever reaches a log entry."""

import datetime

import pytest
from django.db import connection

from audit.models import LogEntry
from audit.registry import MASK
from tests.testapp.models import Secret

NAME = "Ellinor Bergqvist"
NOTE = "Mamma har berättat om hot i hemmet"


def all_log_text() -> str:
    """Every column of every log row, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_logentry")
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


@pytest.mark.django_db
def test_create_update_and_delete_are_logged_without_any_encrypted_value():
    secret = Secret.objects.create(name=NAME, note=NOTE, born=datetime.date(2011, 3, 4))
    secret.note = NOTE + " igen"
    secret.name = "Nytt Namn"
    secret.save()
    pk = secret.pk
    secret.delete()

    entries = list(LogEntry.objects.filter(object_pk=str(pk)).order_by("id"))
    assert [e.action for e in entries] == [
        LogEntry.Action.CREATE,
        LogEntry.Action.UPDATE,
        LogEntry.Action.DELETE,
    ]
    update = entries[1]
    assert update.changes["note"] == [MASK, MASK]
    assert update.changes["name"] == [MASK, MASK]
    assert "born" not in update.changes  # unchanged fields do not appear
    assert {e.object_repr for e in entries} == {f"REF-{pk}"}
    assert all(e.serialized_data is None for e in entries)

    text = all_log_text()
    for secret_text in (NAME, "Ellinor", NOTE, "hemmet", "Nytt Namn", "2011-03-04"):
        assert secret_text not in text


@pytest.mark.django_db
def test_plain_fields_are_logged_in_clear():
    secret = Secret.objects.create(label="before")
    secret.label = "after"
    secret.save()
    assert LogEntry.objects.filter(object_pk=str(secret.pk)).latest("id").changes["label"] == [
        "before",
        "after",
    ]


@pytest.mark.django_db
def test_user_changes_never_log_the_password(make_user):
    user = make_user("coordinator")
    user.set_password("a-brand-new-password")
    user.save()
    assert "password" not in all_log_text()
