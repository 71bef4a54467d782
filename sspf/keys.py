"""Keyrings: named secret keys read from settings ("kid:base64key,kid2:base64key2").

The first key is current (it encrypts or signs); every key decrypts or verifies. Kept free of
model imports so that settings.py can check the keys at start-up.
"""

import base64
import binascii
import os
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


class UnknownKey(Exception):
    """A stored value names a key id that the keyring does not hold."""


@dataclass(frozen=True)
class Keyring:
    """Named secret keys; the first is current (encrypts or signs), every one verifies."""

    keys: dict[str, bytes]
    setting: str

    @property
    def current_id(self) -> str:
        return next(iter(self.keys))

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]

    def get(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise UnknownKey(
                f"no key with id {key_id!r} in {self.setting}; was it removed before "
                "every value was rotated to a newer key?"
            ) from None

    @classmethod
    def parse(cls, text: str | None, setting: str, *, key_bytes: int | None = None) -> "Keyring":
        if not text:
            raise ImproperlyConfigured(
                f"{setting} is not set. Set {setting} or {setting}_FILE; `make run` generates "
                "development keys into var/."
            )
        keys = {}
        for item in text.split(","):
            key_id, sep, encoded = item.strip().partition(":")
            if not sep or not key_id or not encoded:
                raise ImproperlyConfigured(f"{setting} must read 'kid:base64key,kid2:...'.")
            try:
                key = base64.b64decode(encoded, validate=True)
            except binascii.Error:
                raise ImproperlyConfigured(f"{setting}: key {key_id!r} is not base64.") from None
            if key_bytes and len(key) != key_bytes:
                raise ImproperlyConfigured(
                    f"{setting}: key {key_id!r} must be {key_bytes} bytes, not {len(key)}."
                )
            if len(key) < 32:
                raise ImproperlyConfigured(f"{setting}: key {key_id!r} is shorter than 32 bytes.")
            if key_id in keys:
                raise ImproperlyConfigured(f"{setting}: key id {key_id!r} appears twice.")
            keys[key_id] = key
        return cls(keys, setting)


def new_key_spec(key_id: str) -> str:
    """A fresh 256-bit key in the keyring format, for development set-up and rotation."""
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"
