import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction
from django.db.models import OuterRef, Subquery
from django.test.utils import isolate_apps

from sspf.crypto import DecryptionError, EncryptedTextField, RowBindingError, field_keyring
from sspf.keys import new_key_spec
from tests.testapp.models import Secret

PLAINTEXT = "Ellinor Bergqvist-Åström"


def raw_column(column: str, pk: int):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM testapp_secret WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def write_raw(column: str, pk: int, value):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE testapp_secret SET {column} = %s WHERE id = %s", [value, pk])


@pytest.mark.django_db
class TestRoundTrip:
    def test_values_come_back_exactly(self):
        secret = Secret.objects.create(
            name=PLAINTEXT, note="Rad ett\nrad två 🙂", born=datetime.date(2010, 2, 28)
        )
        secret = Secret.objects.get(pk=secret.pk)
        assert secret.name == PLAINTEXT
        assert secret.note == "Rad ett\nrad två 🙂"
        assert secret.born == datetime.date(2010, 2, 28)

    def test_empty_and_null_round_trip(self):
        secret = Secret.objects.create(name="", note=None, born=None)
        secret = Secret.objects.get(pk=secret.pk)
        assert (secret.name, secret.note, secret.born) == ("", None, None)
        assert Secret.objects.filter(note__isnull=True).count() == 1

    def test_stored_value_is_version_key_id_and_ciphertext(self):
        secret = Secret.objects.create(name=PLAINTEXT)
        stored = raw_column("name", secret.pk)
        version, key_id, payload = stored.split(":")
        assert (version, key_id) == ("2", "test1")
        assert PLAINTEXT not in stored
        # A fresh nonce every time: the same value never looks the same twice.
        other = Secret.objects.create(name=PLAINTEXT)
        assert raw_column("name", other.pk) != stored

    def test_values_also_decrypt_through_values_list(self):
        Secret.objects.create(name=PLAINTEXT)
        assert list(Secret.objects.values_list("name", flat=True)) == [PLAINTEXT]

    def test_only_isnull_can_be_looked_up(self):
        with pytest.raises(FieldError):
            Secret.objects.filter(name=PLAINTEXT).exists()
        with pytest.raises(FieldError):
            Secret.objects.filter(name__icontains="Ellinor").exists()


@pytest.mark.django_db(transaction=True)
def test_raw_storage_holds_no_plaintext():
    """SQLite: the bytes of the database file. PostgreSQL: what a raw query returns."""
    secret = Secret.objects.create(
        label="PLAIN-CONTROL-VALUE", name=PLAINTEXT, note="Anteckning om hemmet"
    )
    if connection.vendor == "sqlite":
        connection.close()  # everything is on disk
        path = Path(connection.settings_dict["NAME"])
        data = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert b"PLAIN-CONTROL-VALUE" in data  # the search works on this file
        assert PLAINTEXT.encode() not in data
        assert b"Anteckning om hemmet" not in data
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT label, name, note FROM testapp_secret WHERE id = %s", [secret.pk])
        label, name, note = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM testapp_secret WHERE name LIKE %s OR note LIKE %s",
            ["%Ellinor%", "%hemmet%"],
        )
        assert cursor.fetchone()[0] == 0
    assert label == "PLAIN-CONTROL-VALUE"
    assert name.startswith("2:test1:") and PLAINTEXT not in name
    assert "hemmet" not in note


@pytest.mark.django_db
class TestKeys:
    def test_a_value_copied_to_another_column_does_not_decrypt(self):
        secret = Secret.objects.create(name=PLAINTEXT, note="note")
        write_raw("note", secret.pk, raw_column("name", secret.pk))
        with pytest.raises(DecryptionError, match="testapp.Secret.note"):
            Secret.objects.get(pk=secret.pk)

    def test_a_tampered_value_fails_loudly(self):
        secret = Secret.objects.create(name=PLAINTEXT)
        stored = raw_column("name", secret.pk)
        write_raw("name", secret.pk, stored[:-4] + ("AAAA" if stored[-4:] != "AAAA" else "BBBB"))
        with pytest.raises(DecryptionError):
            Secret.objects.get(pk=secret.pk)

    def test_a_wrong_key_fails_loudly(self, settings):
        secret = Secret.objects.create(name=PLAINTEXT)
        settings.SSPF_FIELD_KEYS = new_key_spec("test1")  # same id, other key
        with pytest.raises(DecryptionError, match="does not decrypt under key 'test1'"):
            Secret.objects.get(pk=secret.pk)

    def test_a_missing_key_fails_loudly(self, settings):
        secret = Secret.objects.create(name=PLAINTEXT)
        settings.SSPF_FIELD_KEYS = new_key_spec("other")
        with pytest.raises(DecryptionError, match="no key with id 'test1'"):
            Secret.objects.get(pk=secret.pk)

    def test_a_raw_value_never_comes_back(self):
        secret = Secret.objects.create(name=PLAINTEXT)
        write_raw("name", secret.pk, "plain text written behind our back")
        with pytest.raises(DecryptionError, match="not in the encrypted format"):
            Secret.objects.get(pk=secret.pk)


@pytest.mark.django_db
class TestRotation:
    def test_old_values_read_after_rotation_and_rotation_is_idempotent(self, settings, capsys):
        old = Secret.objects.create(name=PLAINTEXT, note="gammal", born=datetime.date(2011, 5, 1))
        empty = Secret.objects.create(name="", note=None)
        settings.SSPF_FIELD_KEYS = f"{new_key_spec('k2')},{settings.SSPF_FIELD_KEYS}"
        assert field_keyring().current_id == "k2"
        newer = Secret.objects.create(name="ny", note="ny")

        call_command("rotate_field_keys", batch_size=1, no_progress=True)
        # old: name, note, born, personnummer (""); empty: name and personnummer ("").
        assert "6 value(s) re-encrypted under key 'k2'" in capsys.readouterr().out
        for pk in (old.pk, empty.pk, newer.pk):
            for column in ("name", "note", "born"):
                stored = raw_column(column, pk)
                assert stored is None or stored.split(":")[1] == "k2"

        call_command("rotate_field_keys", no_progress=True)
        assert "0 value(s) re-encrypted" in capsys.readouterr().out

        settings.SSPF_FIELD_KEYS = settings.SSPF_FIELD_KEYS.split(",")[0]  # old key dropped
        old.refresh_from_db()
        assert (old.name, old.note, old.born) == (PLAINTEXT, "gammal", datetime.date(2011, 5, 1))
        assert Secret.objects.get(pk=empty.pk).note is None

    def test_rotation_writes_no_audit_entries(self, settings):
        from audit.models import LogEntry

        Secret.objects.create(name=PLAINTEXT)
        before = LogEntry.objects.count()
        settings.SSPF_FIELD_KEYS = f"{new_key_spec('k2')},{settings.SSPF_FIELD_KEYS}"
        call_command("rotate_field_keys", no_progress=True, stdout=StringIO())
        assert LogEntry.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_rotation_finishes_when_run_again(settings, monkeypatch):
    from sspf import crypto

    for n in range(6):
        Secret.objects.create(name=f"namn {n}", note=f"anteckning {n}")
    settings.SSPF_FIELD_KEYS = f"{new_key_spec('k2')},{settings.SSPF_FIELD_KEYS}"
    real_encrypt, calls = crypto.encrypt, []

    def failing_encrypt(*args):
        calls.append(1)
        if len(calls) == 7:
            raise KeyboardInterrupt
        return real_encrypt(*args)

    monkeypatch.setattr("sspf.management.commands.rotate_field_keys.encrypt", failing_encrypt)
    with pytest.raises(KeyboardInterrupt):
        call_command("rotate_field_keys", batch_size=2, no_progress=True, stdout=StringIO())
    key_ids = {raw_column("name", s.pk).split(":")[1] for s in Secret.objects.all()}
    assert key_ids == {"k2", "test1"}  # the first batches were committed, the rest not

    monkeypatch.undo()
    out = StringIO()
    call_command("rotate_field_keys", no_progress=True, stdout=out)
    assert "0 value(s)" not in out.getvalue()
    assert {raw_column("name", s.pk).split(":")[1] for s in Secret.objects.all()} == {"k2"}
    assert sorted(s.name for s in Secret.objects.all()) == [f"namn {n}" for n in range(6)]


# A value the code before row binding wrote (format 1, associated data "testapp.Secret.name"
# only) under the test key: existing data must keep reading.
FORMAT_1_NAME = "1:test1:VHxc36im8MO4yLl1ZPgxu9SW0OUSL_OpIvxKzIJj2p9Tr6uN5YcmAE7N-2pSX18YPOeITKcc"


@pytest.mark.django_db
class TestRowBinding:
    def test_a_value_copied_to_another_row_does_not_decrypt(self):
        first = Secret.objects.create(name=PLAINTEXT)
        second = Secret.objects.create(name="Annan person")
        write_raw("name", second.pk, raw_column("name", first.pk))
        with pytest.raises(DecryptionError, match="testapp.Secret.name"):
            Secret.objects.get(pk=second.pk)
        assert Secret.objects.get(pk=first.pk).name == PLAINTEXT

    def test_rows_made_by_bulk_create_are_bound_too(self):
        first, second = Secret.objects.bulk_create(
            [Secret(name=PLAINTEXT), Secret(name="Annan person")]
        )
        assert Secret.objects.get(pk=second.pk).name == "Annan person"
        write_raw("name", second.pk, raw_column("name", first.pk))
        with pytest.raises(DecryptionError):
            Secret.objects.get(pk=second.pk)

    def test_a_row_key_cannot_be_shared_to_carry_a_value_along(self):
        first = Secret.objects.create(name=PLAINTEXT)
        second = Secret.objects.create(name="Annan person")
        with pytest.raises(IntegrityError), transaction.atomic():
            write_raw("row_key", second.pk, raw_column("row_key", first.pk))

    def test_a_format_2_value_relabelled_as_format_1_does_not_decrypt(self):
        secret = Secret.objects.create(name=PLAINTEXT)
        write_raw("name", secret.pk, "1" + raw_column("name", secret.pk)[1:])
        with pytest.raises(DecryptionError):
            Secret.objects.get(pk=secret.pk)

    def test_values_decrypt_on_every_read_path(self):
        secret = Secret.objects.create(name=PLAINTEXT, note="anteckning", label="a")
        assert Secret.objects.only("name").get().name == PLAINTEXT
        assert Secret.objects.defer("row_key").get().note == "anteckning"
        assert list(Secret.objects.values("name", "note")) == [
            {"name": PLAINTEXT, "note": "anteckning"}
        ]
        newest = Secret.objects.filter(label=OuterRef("label")).order_by("-pk").values("name")
        annotated = Secret.objects.annotate(newest=Subquery(newest[:1])).get()
        assert annotated.newest == PLAINTEXT
        deferred = Secret.objects.only("label").get(pk=secret.pk)
        assert deferred.note == "anteckning"  # loaded on access
        secret.refresh_from_db(fields=["born", "name"])
        assert secret.name == PLAINTEXT

    def test_saving_again_keeps_the_row_readable(self):
        secret = Secret.objects.create(name=PLAINTEXT, born=datetime.date(2010, 2, 28))
        secret.note = "ny"
        secret.save(update_fields=["note"])
        secret = Secret.objects.get(pk=secret.pk)
        secret.name = "Nytt namn"
        secret.save()
        assert Secret.objects.values_list("name", "note", "born").get() == (
            "Nytt namn",
            "ny",
            datetime.date(2010, 2, 28),
        )

    def test_a_write_without_its_row_is_refused(self):
        secret = Secret.objects.create(name=PLAINTEXT, note="kvar")
        refused = "testapp.Secret.name is encrypted and bound to its row"
        with pytest.raises(RowBindingError, match=refused), transaction.atomic():
            Secret.objects.filter(pk=secret.pk).update(name="utan rad")
        secret.name = "utan rad"
        with pytest.raises(RowBindingError, match=refused), transaction.atomic():
            Secret.objects.bulk_update([secret], ["name"])
        assert Secret.objects.get().name == PLAINTEXT
        Secret.objects.update(note=None)  # emptying a nullable field needs no key
        assert Secret.objects.get().note is None

    def test_a_format_1_value_still_reads(self):
        secret = Secret.objects.create(name="ersätts")
        write_raw("name", secret.pk, FORMAT_1_NAME)
        assert Secret.objects.get(pk=secret.pk).name == PLAINTEXT

    def test_a_model_with_encrypted_fields_needs_a_row_key(self):
        with isolate_apps("tests.testapp"):

            class Unbound(models.Model):
                note = EncryptedTextField()

                class Meta:
                    app_label = "testapp"

                def __str__(self):
                    return f"unbound {self.pk}"

            assert [error.id for error in Unbound.check()] == ["sspf.E001"]
        assert Secret.check() == []


@pytest.mark.django_db
class TestUpgrade:
    def test_rotation_binds_format_1_values_to_their_rows(self, capsys):
        first = Secret.objects.create(name="ersätts")
        second = Secret.objects.create(name="ersätts")
        for secret in (first, second):
            write_raw("name", secret.pk, FORMAT_1_NAME)  # format 1 fits every row

        call_command("rotate_field_keys", no_progress=True)
        out = capsys.readouterr().out
        assert "2 value(s) re-encrypted under key 'test1'" in out
        assert "2 of them were format 1" in out
        assert raw_column("name", first.pk).startswith("2:test1:")
        assert Secret.objects.get(pk=first.pk).name == PLAINTEXT
        write_raw("name", second.pk, raw_column("name", first.pk))
        with pytest.raises(DecryptionError):
            Secret.objects.get(pk=second.pk)

        call_command("rotate_field_keys", no_progress=True)
        assert "0 value(s) re-encrypted" in capsys.readouterr().out

    def test_a_value_saved_during_rotation_is_not_overwritten(self, monkeypatch):
        secret = Secret.objects.create(name="ersätts")
        write_raw("name", secret.pk, FORMAT_1_NAME)
        from sspf import crypto

        def decrypt_while_the_application_saves(stored, column, row_key):
            monkeypatch.undo()
            saved = Secret.objects.get(pk=secret.pk)
            saved.name = "sparad under tiden"
            saved.save()
            return crypto.decrypt(stored, column, row_key)

        monkeypatch.setattr(
            "sspf.management.commands.rotate_field_keys.decrypt",
            decrypt_while_the_application_saves,
        )
        call_command("rotate_field_keys", no_progress=True, stdout=StringIO())
        assert Secret.objects.get(pk=secret.pk).name == "sparad under tiden"


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_upgrade_finishes_when_run_again(monkeypatch):
    from sspf import crypto

    secrets = [Secret.objects.create(name=f"namn {n}") for n in range(6)]
    for secret in secrets:
        write_raw("name", secret.pk, FORMAT_1_NAME)
    real_encrypt, calls = crypto.encrypt, []

    def failing_encrypt(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_encrypt(*args)

    monkeypatch.setattr("sspf.management.commands.rotate_field_keys.encrypt", failing_encrypt)
    with pytest.raises(KeyboardInterrupt):
        call_command("rotate_field_keys", batch_size=2, no_progress=True, stdout=StringIO())
    versions = [raw_column("name", s.pk).split(":")[0] for s in secrets]
    assert versions == ["2", "2", "1", "1", "1", "1"]  # the first batch was committed

    monkeypatch.undo()
    out = StringIO()
    call_command("rotate_field_keys", no_progress=True, stdout=out)
    assert "4 value(s) re-encrypted" in out.getvalue()
    assert {raw_column("name", s.pk).split(":")[0] for s in secrets} == {"2"}
    assert {s.name for s in Secret.objects.all()} == {PLAINTEXT}
