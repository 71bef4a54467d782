import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import LogEntry
from audit.registry import MASK
from schools import services
from schools.models import SchoolVisit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NOTE = "Rektor oroad över grupp vid busshållplatsen"


def post_visit(client, school, **data):
    payload = {
        "date": TODAY.isoformat(),
        "purpose": "leadership_advice",
        "note": NOTE,
        "form_token": str(uuid.uuid4()),
    }
    payload.update(data)
    return client.post(f"/schools/{school.pk}/visits/new/", payload)


def test_officer_logs_a_visit_in_one_step(client, pelle, schools):
    client.force_login(pelle)
    response = post_visit(client, schools["a"])
    assert response.status_code == 302
    assert response["Location"] == f"/schools/#school-{schools['a'].pk}"
    visit = SchoolVisit.objects.get()
    assert (visit.officer, visit.school, visit.note) == (pelle, schools["a"], NOTE)
    assert str(visit.term).startswith(("VT", "HT"))


def test_a_visit_in_the_future_gets_a_clear_message(client, pelle, schools):
    client.force_login(pelle)
    response = post_visit(
        client, schools["a"], date=(TODAY + datetime.timedelta(days=1)).isoformat()
    )
    assert response.status_code == 200
    assert "Besöket kan inte dateras i framtiden" in response.content.decode()
    assert not SchoolVisit.objects.exists()


def test_a_bad_date_gets_a_clear_message(client, pelle, schools):
    client.force_login(pelle)
    response = post_visit(client, schools["a"], date="31/02")
    assert "Fyll i ett giltigt datum" in response.content.decode()
    assert not SchoolVisit.objects.exists()


def test_a_visit_at_an_unassigned_school_is_refused(client, pelle, schools):
    client.force_login(pelle)
    assert post_visit(client, schools["b"]).status_code == 404
    with pytest.raises(ValidationError, match="inte kontaktpolis på den här skolan"):
        services.visit_log(by=pelle, school=schools["b"], date=TODAY, purpose="other")
    assert not SchoolVisit.objects.exists()


def test_the_note_is_encrypted_and_masked_in_the_audit_log(client, pelle, schools):
    client.force_login(pelle)
    post_visit(client, schools["a"])
    entry = LogEntry.objects.filter(action=LogEntry.Action.CREATE).latest("id")
    assert entry.changes["note"] == [MASK, MASK]
    assert NOTE not in str(entry.changes)


def test_reading_a_note_is_logged(client, pelle, schools):
    visit = services.visit_log(
        by=pelle, school=schools["a"], date=TODAY, purpose="other", note=NOTE
    )
    client.force_login(pelle)
    response = client.get(f"/schools/visits/{visit.pk}/")
    assert NOTE in response.content.decode()
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert (entry.actor, entry.object_pk, entry.additional_data) == (pelle, str(visit.pk), None)


@pytest.mark.parametrize("outsider", ["fia", "coordinator", "petra_elsewhere"])
def test_outsiders_do_not_read_the_note(client, pelle, fia, coordinator, petra, schools, outsider):
    visit = services.visit_log(
        by=pelle, school=schools["a"], date=TODAY, purpose="other", note=NOTE
    )
    user = {"fia": fia, "coordinator": coordinator, "petra_elsewhere": petra}[outsider]
    client.force_login(user)
    response = client.get(f"/schools/visits/{visit.pk}/")
    assert response.status_code == 404
    assert NOTE not in response.content.decode()
    assert LogEntry.objects.get(action=LogEntry.Action.ACCESS).additional_data == {"denied": True}
