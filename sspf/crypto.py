"""Encrypted model fields (AES-256-GCM) and the keyed hashes used beside them.

A stored value reads `1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`: format version, the
id of the key that encrypted it, a fresh 96-bit nonce and the ciphertext. The associated data
is "app_label.Model.field", so a value copied into another column or table does not decrypt.

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
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed
from django.core.validators import MaxLengthValidator
from django.db import models
from django.dispatch import receiver

from sspf.keys import Keyring, UnknownKey

FORMAT_VERSION = "1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value that does not decrypt: wrong or missing key, or a tampered value."""


@cache
def field_keyring() -> Keyring:
    return Keyring.parse(settings.SSPF_FIELD_KEYS, "SSPF_FIELD_KEYS", key_bytes=32)


@cache
def index_key() -> bytes:
    return Keyring.parse(settings.SSPF_INDEX_KEY, "SSPF_INDEX_KEY").current


@receiver(setting_changed)
def _forget_keys(setting, **kwargs):
    if setting in {"SSPF_FIELD_KEYS", "SSPF_INDEX_KEY"}:
        field_keyring.cache_clear()
        index_key.cache_clear()


def encrypt(plaintext: str, associated_data: str) -> str:
    keyring = field_keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(keyring.current).encrypt(
        nonce, plaintext.encode("utf-8"), associated_data.encode()
    )
    payload = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
    return f"{FORMAT_VERSION}:{keyring.current_id}:{payload}"


def key_id_of(stored: str) -> str:
    version, key_id, _payload = _split(stored)
    return key_id


def decrypt(stored: str, associated_data: str) -> str:
    version, key_id, payload = _split(stored)
    try:
        key = field_keyring().get(key_id)
    except UnknownKey as error:
        raise DecryptionError(f"a value of {associated_data}: {error}") from None
    try:
        raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        plaintext = AESGCM(key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data.encode()
        )
    except (InvalidTag, ValueError, binascii.Error):
        raise DecryptionError(
            f"a value of {associated_data} does not decrypt under key {key_id!r}: "
            "wrong key, or the value was altered or copied from another column"
        ) from None
    return plaintext.decode("utf-8")


def _split(stored: str) -> tuple[str, str, str]:
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] != FORMAT_VERSION:
        raise DecryptionError("a stored value is not in the encrypted format")
    return parts[0], parts[1], parts[2]


def blind_index(value: str) -> str:
    """HMAC-SHA256 under SSPF_INDEX_KEY: equal inputs give equal digests, for exact lookups."""
    return hmac.new(index_key(), value.encode("utf-8"), hashlib.sha256).hexdigest()


class EncryptedMixin:
    """Encrypts on the way to the database and decrypts on the way back.

    Only `isnull` can be looked up: the ciphertext of equal values differs every time.
    Use a blind index beside the field for exact lookups.
    """

    encrypted = True

    def __init__(self, *args, **kwargs):
        kwargs.pop("max_length", None)  # the column is text, whatever the plaintext length
        super().__init__(*args, **kwargs)

    @property
    def associated_data(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    def get_internal_type(self):
        # A text column, and no date or length conversions by the database backend.
        return "TextField"

    def get_db_prep_value(self, value, connection, prepared=False):
        value = self.get_prep_value(value) if not prepared else value
        if value is None:
            return None
        return encrypt(self.to_plaintext(value), self.associated_data)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self.from_plaintext(decrypt(value, self.associated_data))

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
        return models.Field.check(self, **kwargs)

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
