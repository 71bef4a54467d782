"""Encrypted values are bound to their row (DESIGN §5, issue 10).

Someone who can write the database but holds no key must not be able to move a journal note,
a personnummer or a contact note into another row and have the application show it there;
and the birth date, kept in clear in the register, never reaches the append-only log.
"""

import datetime
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit.models import LogEntry
from cases.models import Case, CaseMember, Category, Note, YoungPerson
from contacts import services as contact_services
from contacts.models import Contact, Place
from sspf.crypto import DecryptionError
from tests.cases.factories import make_case, make_note, make_person, make_personnummer
from tests.once import post_form

# Values the code before row binding wrote (format 1: associated data names the column only),
# under the test key. Existing databases hold such values; they must keep reading.
FORMAT_1 = {
    ("cases_note", "text"): (
        "1:test1:NG2qzEc7fUG-imiF-EF7g8OTcdqhaCsjYxet0HbeO1DRfXxrphTTbYf04Jb0jrGJbcKxboVtyVLCVHJJ"
        "tXkRRmE=",
        "Gammal anteckning före radbindningen",
    ),
    ("cases_youngperson", "personnummer"): (
        "1:test1:9tfpV4NZ4ltrFMELgaiUr33eDcEYX6azde1n35wPur2WM5SulV7crw==",
        "201005172383",
    ),
    ("contacts_contact", "note"): (
        "1:test1:aCZws10ytIEYgBflyu7m6afRnPA_ZYgTYHF_GndsnzlwnjJe-ajUTKmcdZVaWz2Sczg2pQ==",
        "Gammal kontaktanteckning",
    ),
}


def raw(table: str, column: str, pk: int):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def write_raw(table: str, column: str, pk: int, value) -> None:
    """What a database writer without the keys can do."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])


def copy_raw(table: str, column: str, from_pk: int, to_pk: int) -> None:
    write_raw(table, column, to_pk, raw(table, column, from_pk))


@pytest.fixture
def people(make_user):
    return {
        "coordinator": make_user("coordinator", username="sara"),
        "field_worker": make_user("field_worker", username="fredrik"),
    }


@pytest.fixture
def case(people, organisations):
    person = make_person(recorded_by=organisations["social_services"])
    return make_case(
        person=person,
        owner=organisations["social_services"],
        coordinator=people["coordinator"],
        members=[(people["field_worker"], CaseMember.Role.CONTACT)],
    )


def contact_with_note(by, case, note):
    contact, _ = contact_services.contact_record(
        by=by,
        client_token=uuid.uuid4(),
        occurred_at=timezone.now(),
        place=Place.objects.get_or_create(name="Resecentrum", kind="station")[0],
        kind="street",
        case=case,
        young_person=case.young_person,
        note=note,
    )
    return contact


@pytest.mark.django_db
class TestCopiedCiphertext:
    def test_a_note_copied_into_another_note_does_not_decrypt(self, client, people, case):
        coordinator = people["coordinator"]
        secret = make_note(case, coordinator, category=Category.SOCIAL_SERVICES, text="Pappa slog")
        harmless = make_note(case, coordinator, category=Category.SOCIAL_SERVICES, text="Lugnt")
        client.force_login(coordinator)
        assert "Pappa slog" in client.get(f"/cases/{case.pk}/").content.decode()

        copy_raw("cases_note", "text", secret.pk, harmless.pk)
        with pytest.raises(DecryptionError, match="cases.Note.text"):
            Note.objects.get(pk=harmless.pk)
        with pytest.raises(DecryptionError):  # the page refuses; it never shows the copy
            client.get(f"/cases/{case.pk}/")
        assert Note.objects.get(pk=secret.pk).text == "Pappa slog"

    def test_a_personnummer_copied_into_another_person_does_not_decrypt(self, case, organisations):
        known = make_person(recorded_by=organisations["social_services"])
        other = case.young_person
        number = known.personnummer

        copy_raw("cases_youngperson", "personnummer", known.pk, other.pk)
        with pytest.raises(DecryptionError, match="cases.YoungPerson.personnummer"):
            YoungPerson.objects.get(pk=other.pk)
        with pytest.raises(DecryptionError):  # through a join, too
            list(Case.objects.values_list("young_person__personnummer", flat=True))
        assert YoungPerson.objects.get(pk=known.pk).personnummer == number

    def test_a_contact_note_copied_into_another_contact_does_not_decrypt(self, people, case):
        worker = people["field_worker"]
        first = contact_with_note(worker, case, "Såg honom med de äldre igen")
        second = contact_with_note(worker, case, "Lugn kväll")

        copy_raw("contacts_contact", "note", first.pk, second.pk)
        with pytest.raises(DecryptionError, match="contacts.Contact.note"):
            Contact.objects.get(pk=second.pk)
        assert Contact.objects.get(pk=first.pk).note == "Såg honom med de äldre igen"

    def test_values_read_through_joins_and_value_lists(self, people, case):
        make_note(case, people["coordinator"], category=Category.SOCIAL_SERVICES, text="Ett")
        note = Note.objects.select_related("case__young_person").get()
        assert note.text == "Ett"
        assert note.case.young_person.personnummer == case.young_person.personnummer
        assert list(Case.objects.values_list("notes__text", flat=True)) == ["Ett"]


@pytest.mark.django_db
def test_format_1_values_read_and_the_upgrade_binds_them(people, case, organisations):
    note = make_note(case, people["coordinator"], category=Category.SOCIAL_SERVICES)
    person = case.young_person
    contact = contact_with_note(people["field_worker"], case, "ersätts")
    rows = {"cases_note": note, "cases_youngperson": person, "contacts_contact": contact}
    for (table, column), (stored, _plain) in FORMAT_1.items():
        write_raw(table, column, rows[table].pk, stored)

    assert Note.objects.get(pk=note.pk).text == FORMAT_1["cases_note", "text"][1]
    assert YoungPerson.objects.get(pk=person.pk).personnummer == "201005172383"
    assert Contact.objects.get(pk=contact.pk).note == "Gammal kontaktanteckning"

    call_command("rotate_field_keys", no_progress=True)
    for table, column in FORMAT_1:
        assert raw(table, column, rows[table].pk).startswith("2:test1:")
    assert Note.objects.get(pk=note.pk).text == FORMAT_1["cases_note", "text"][1]
    assert Contact.objects.get(pk=contact.pk).note == "Gammal kontaktanteckning"

    other = make_note(case, people["coordinator"], category=Category.SOCIAL_SERVICES)
    copy_raw("cases_note", "text", note.pk, other.pk)
    with pytest.raises(DecryptionError):
        Note.objects.get(pk=other.pk)


@pytest.mark.django_db
def test_registering_a_person_leaves_no_birth_date_in_the_log(client, make_user, organisations):
    born = datetime.date(2010, 5, 17)
    number = make_personnummer(born)
    client.force_login(make_user("coordinator"))
    response = post_form(
        client,
        "/cases/new/",
        {
            "step": "create",
            "personnummer": number,
            "given_name": "Ellinor",
            "family_name": "Bergqvist",
            "gender": "girl",
            "signal_source": "school",
            "risk_factors": ["truancy"],
        },
    )
    assert response.status_code == 302
    person = YoungPerson.objects.get()
    assert person.birth_date == born

    created = LogEntry.objects.get_for_object(person).get(action=LogEntry.Action.CREATE)
    assert created.changes["birth_date"] == ["***", "***"]  # that it was set, not what
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_logentry")
        everything = " ".join(str(value) for row in cursor.fetchall() for value in row)
    for form in (born.isoformat(), born.strftime("%Y%m%d"), number[2:8]):
        assert form not in everything


def migrate(app, target):
    executor = MigrationExecutor(connection)
    executor.migrate([(app, target)])
    return executor.loader.project_state([(app, target)]).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_rows_their_own_keys_and_old_values_keep_reading():
    # Going back unapplies the apps built on cases, and their role migrations need the roles,
    # which an earlier transactional test may have emptied.
    from tests.conftest import restore_roles

    restore_roles()
    old = migrate("cases", "0003_identity_custody_disclosures")
    OldPerson = old.get_model("cases", "YoungPerson")
    for n in range(3):
        OldPerson.objects.create(
            personnummer=f"20100517238{n}",
            personnummer_index=f"index-{n}",
            gender="girl",
            birth_date=datetime.date(2010, 5, 17),
        )
    stored = [raw("cases_youngperson", "personnummer", p.pk) for p in OldPerson.objects.all()]
    assert {value.split(":")[0] for value in stored} == {"1"}  # what the old code wrote

    # Forward again, every app (going back to cases 0003 unapplied the apps built on it).
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    people = list(YoungPerson.objects.order_by("pk"))
    assert len({person.row_key for person in people}) == 3
    assert [p.personnummer for p in people] == [f"20100517238{n}" for n in range(3)]

    call_command("rotate_field_keys", no_progress=True)
    copy_raw("cases_youngperson", "personnummer", people[0].pk, people[1].pk)
    with pytest.raises(DecryptionError):
        YoungPerson.objects.get(pk=people[1].pk)
