from django.db import models

from sspf.crypto import EncryptedCharField, EncryptedDateField, EncryptedTextField, RowKeyField


class Secret(models.Model):
    """A person-like record: encrypted values, a blind index, a non-identifying repr."""

    label = models.CharField(max_length=50, blank=True)  # plain, to prove a raw search can hit
    name = EncryptedCharField(max_length=100, blank=True)
    note = EncryptedTextField(blank=True, null=True)
    born = EncryptedDateField(null=True, blank=True)
    personnummer = EncryptedCharField(max_length=12, blank=True)
    personnummer_index = models.CharField(max_length=64, unique=True, null=True)
    row_key = RowKeyField()

    def __str__(self):
        return f"REF-{self.pk}"


class Plain(models.Model):
    """Secret's unencrypted, unaudited twin, to measure what encryption and audit cost."""

    label = models.CharField(max_length=50, blank=True)
    name = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True, null=True)
    born = models.DateField(null=True, blank=True)
    personnummer = models.CharField(max_length=12, blank=True)
    personnummer_index = models.CharField(max_length=64, unique=True, null=True)

    def __str__(self):
        return f"PLAIN-{self.pk}"
