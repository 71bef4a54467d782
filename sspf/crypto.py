"""Encrypted model fields (AES-256-GCM), bound to their row, and the keyed hashes beside them.

A stored value reads `2:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`: format version, the
id of the key that encrypted it, a fresh 96-bit nonce and the ciphertext. The associated data
names the column and the row: "app_label.Model.field@<row key>". A value copied into another
column, another table or another row of the same column does not decrypt there.

Why a row key and not the primary key: the primary key of a new row is only known after its
INSERT, so binding to it would need a second write per row (and bulk_create could not do it).
Every model with encrypted fields carries instead a `RowKeyField`: a random UUID set when the
instance is made, unique and never edited. The field type reaches it on both paths:

- Writes: `pre_save` has the instance, so the value is encrypted there under its row key;
  `save()`, `create()` and `bulk_create()` work. A write that has no instance —
  `QuerySet.update()` or `bulk_update()` with a value for an encrypted field, a default
  filled in by a migration — is refused with RowBindingError (None, to empty a nullable
  field, is allowed). Write through the instance instead.
- Reads: a query selects an encrypted column as "<row key> || ':' || <column>", from the same
  table alias (RowBoundCol), so `from_db_value` gets the row key with the value. Instances,
  `values()`, `values_list()`, `select_related()`, `only()`/`defer()` and subqueries all decrypt.
  Expressions built over an encrypted column (Coalesce, Concat, Cast) and `raw()` queries lose
  the row key and raise DecryptionError: nothing is ever returned raw.

The row key is not secret; what matters is that it is unique (the database enforces it) and
that the value was sealed with it. Moving a whole row's content is not something encryption
can see: changing which case a note belongs to is a plain foreign key, guarded by the audit.

Format 1 (associated data "app_label.Model.field", no row) is still read, so existing data
keeps working; it is never written for a model with a row key. `manage.py rotate_field_keys`
rewrites every value that is not format 2 under the current key, in resumable batches. Run
it with a new key first and drop the old one afterwards: then no format-1 value, not even one
from an old backup, decrypts any more. Only historical models in migrations that predate the
row key (cases 0003) still write format 1, and the next migration's upgrade covers those.

Keys come from SSPF_FIELD_KEYS ("kid:base64key,kid2:base64key2"): the first encrypts, all
decrypt, which is how keys are rotated (add a new key first, run `rotate_field_keys`, then drop
the old one). A value that cannot be decrypted raises DecryptionError; it never comes back raw.
"""

import base64
import binascii
import datetime
import hashlib
import hmac
import os
import uuid
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import checks
from django.core.signals import setting_changed
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.expressions import Col
from django.dispatch import receiver
from django.utils.functional import cached_property

from sspf.keys import Keyring, UnknownKey

FORMAT_VERSION = "2"  # bound to column and row
LEGACY_VERSION = "1"  # bound to column only; read, never written for a model with a row key
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value that does not decrypt: wrong or missing key, a tampered value, or one
    copied from another column or row."""


class RowBindingError(TypeError):
    """An encrypted value written without its row (QuerySet.update, bulk_update, a default)."""


@cache
def field_keyring() -> Keyring:
    return Keyring.parse(settings.SSPF_FIELD_KEYS, "SSPF_FIELD_KEYS", key_bytes=32)


@cache
def index_key() -> bytes:
    return Keyring.parse(settings.SSPF_INDEX_KEY, "SSPF_INDEX_KEY").current


@cache
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)  # stateless between calls; building one costs more than a decrypt


@receiver(setting_changed)
def _forget_keys(setting, **kwargs):
    if setting in {"SSPF_FIELD_KEYS", "SSPF_INDEX_KEY"}:
        field_keyring.cache_clear()
        index_key.cache_clear()
        _aead.cache_clear()


def row_key_hex(value) -> str:
    """The row key as 32 hex digits, from a UUID or as the database returned it (hex on
    SQLite, hyphenated on PostgreSQL)."""
    if isinstance(value, uuid.UUID):
        return value.hex
    text = str(value).replace("-", "").lower()
    if len(text) != 32:
        raise DecryptionError("a value came without the identity of its row")
    return text


def _associated_data(column: str, row_key: str | None) -> bytes:
    if row_key is None:
        return column.encode()
    return f"{column}@{row_key}".encode()


def encrypt(plaintext: str, column: str, row_key) -> str:
    """Seals `plaintext` for `column` ("app.Model.field") of the row with `row_key`.

    `row_key=None` writes format 1, for historical models that predate the row key only.
    """
    keyring = field_keyring()
    nonce = os.urandom(NONCE_BYTES)
    row_key = None if row_key is None else row_key_hex(row_key)
    sealed = _aead(keyring.current).encrypt(
        nonce, plaintext.encode("utf-8"), _associated_data(column, row_key)
    )
    payload = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
    version = LEGACY_VERSION if row_key is None else FORMAT_VERSION
    return f"{version}:{keyring.current_id}:{payload}"


def key_id_of(stored: str) -> str:
    version, key_id, _payload = _split(stored)
    return key_id


def is_current(stored: str) -> bool:
    """Whether `stored` is in the current format under the current key (nothing to rotate)."""
    version, key_id, _payload = _split(stored)
    return version == FORMAT_VERSION and key_id == field_keyring().current_id


def decrypt(stored: str, column: str, row_key) -> str:
    """Opens a value of `column` read from the row with `row_key`; format 1 ignores the row."""
    version, key_id, payload = _split(stored)
    if version == LEGACY_VERSION:
        row_key = None
    elif row_key is None:
        raise DecryptionError(f"a value of {column} was read without the identity of its row")
    else:
        row_key = row_key_hex(row_key)
    try:
        key = field_keyring().get(key_id)
    except UnknownKey as error:
        raise DecryptionError(f"a value of {column}: {error}") from None
    try:
        raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        plaintext = _aead(key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(column, row_key)
        )
    except (InvalidTag, ValueError, binascii.Error):
        raise DecryptionError(
            f"a value of {column} does not decrypt under key {key_id!r}: "
            "wrong key, or the value was altered or copied from another column or row"
        ) from None
    return plaintext.decode("utf-8")


def _split(stored: str) -> tuple[str, str, str]:
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] not in (FORMAT_VERSION, LEGACY_VERSION):
        raise DecryptionError("a stored value is not in the encrypted format")
    return parts[0], parts[1], parts[2]


def blind_index(value: str) -> str:
    """HMAC-SHA256 under SSPF_INDEX_KEY: equal inputs give equal digests, for exact lookups."""
    return hmac.new(index_key(), value.encode("utf-8"), hashlib.sha256).hexdigest()


class RowKeyField(models.UUIDField):
    """The identity that a row's encrypted values are bound to: random, unique, never edited.

    Every model with encrypted fields declares one (`row_key = RowKeyField()`); a system
    check refuses a model that does not.
    """

    defaults = {"default": uuid.uuid4, "unique": True, "editable": False}

    def __init__(self, *args, **kwargs):
        for name, value in self.defaults.items():
            kwargs.setdefault(name, value)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        actual = {"default": self.default, "unique": self._unique, "editable": self.editable}
        for option, ours in self.defaults.items():
            if actual[option] == ours:
                kwargs.pop(option, None)
            else:
                kwargs[option] = actual[option]
        return name, path, args, kwargs


@cache
def row_key_field(model) -> RowKeyField | None:
    """The model's RowKeyField; None only for historical models that predate it."""
    for field in model._meta.concrete_fields:
        if isinstance(field, RowKeyField):
            return field
    return None


class RowBoundCol(Col):
    """An encrypted column, selected together with its row's key from the same table alias."""

    def select_format(self, compiler, sql, params):
        column = row_key_field(self.target.model).column
        identifiers = (self.alias, column) if self.alias else (column,)
        row_key = ".".join(map(compiler.quote_name_unless_alias, identifiers))
        return f"(CAST({row_key} AS TEXT) || ':' || {sql})", params


class _Sealed(str):
    """A value already encrypted by pre_save, passed through get_db_prep_value unchanged."""


class EncryptedMixin:
    """Encrypts on the way to the database and decrypts on the way back, bound to the row.

    Only `isnull` can be looked up: the ciphertext of equal values differs every time.
    Use a blind index beside the field for exact lookups.
    """

    encrypted = True

    def __init__(self, *args, **kwargs):
        kwargs.pop("max_length", None)  # the column is text, whatever the plaintext length
        super().__init__(*args, **kwargs)

    @property
    def column_label(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    def get_internal_type(self):
        # A text column, and no date or length conversions by the database backend.
        return "TextField"

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        row_key = row_key_field(self.model)
        if value is None or row_key is None:
            return value
        plaintext = self.to_plaintext(self.get_prep_value(value))
        row = getattr(model_instance, row_key.attname)
        if row is None:
            raise RowBindingError(f"{self.column_label}: the instance has no row key")
        return _Sealed(encrypt(plaintext, self.column_label, row))

    def get_db_prep_value(self, value, connection, prepared=False):
        if isinstance(value, _Sealed):
            return str(value)
        value = self.get_prep_value(value) if not prepared else value
        if value is None:
            return None
        if row_key_field(self.model) is not None:
            raise RowBindingError(
                f"{self.column_label} is encrypted and bound to its row: write it by saving "
                "the instance (save, create, bulk_create), not with QuerySet.update(), "
                "bulk_update() or a default filled in by a migration"
            )
        return encrypt(self.to_plaintext(value), self.column_label, None)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if row_key_field(self.model) is None:
            return self.from_plaintext(decrypt(value, self.column_label, None))
        row_key, _sep, stored = value.partition(":")
        return self.from_plaintext(decrypt(stored, self.column_label, row_key))

    def get_col(self, alias, output_field=None):
        if output_field not in (None, self) or row_key_field(self.model) is None:
            return super().get_col(alias, output_field)
        if alias == self.model._meta.db_table:
            return self.cached_col
        return RowBoundCol(alias, self)

    @cached_property
    def cached_col(self):
        if row_key_field(self.model) is None:
            return Col(self.model._meta.db_table, self)
        return RowBoundCol(self.model._meta.db_table, self)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        return None

    def to_plaintext(self, value) -> str:
        return str(value)

    def from_plaintext(self, text: str):
        return text

    def _check_row_key(self) -> list[checks.CheckMessage]:
        if self.model._meta.abstract or row_key_field(self.model) is not None:
            return []
        return [
            checks.Error(
                f"{self.model._meta.label} has encrypted fields but no row key.",
                hint="Add `row_key = RowKeyField()` (sspf.crypto) to the model.",
                obj=self,
                id="sspf.E001",
            )
        ]

    def check(self, **kwargs):
        return [*super().check(**kwargs), *self._check_row_key()]


class EncryptedTextField(EncryptedMixin, models.TextField):
    """Free text: notes, minutes."""


class EncryptedCharField(EncryptedMixin, models.CharField):
    """Short text: names, personnummer, phone numbers. Length is checked by forms only."""

    def __init__(self, *args, max_length=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_length = max_length
        if max_length:
            self.validators.append(MaxLengthValidator(max_length))

    def check(self, **kwargs):
        return [*models.Field.check(self, **kwargs), *self._check_row_key()]

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.max_length:
            kwargs["max_length"] = self.max_length
        return name, path, args, kwargs


class EncryptedDateField(EncryptedMixin, models.DateField):
    """A date stored as encrypted ISO text, such as a birth date."""

    def to_plaintext(self, value) -> str:
        return value.isoformat()

    def from_plaintext(self, text: str):
        return datetime.date.fromisoformat(text)


def encrypted_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]
