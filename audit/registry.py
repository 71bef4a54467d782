"""The one way to put a model under audit (DESIGN §6)."""

from auditlog.registry import auditlog

from sspf.crypto import encrypted_fields

MASK = "***"


def mask(value: str) -> str:
    """What an encrypted field shows in a diff: that it changed, never what it holds."""
    return MASK


def register(model, *, exclude_fields=(), m2m_fields=(), mask_fields=()):
    """Registers `model` with django-auditlog for writes and reads.

    Encrypted fields appear in a diff only masked; `serialize_data` stays off so no snapshot of
    the object is stored; the entry's repr is the model's `__str__`, which for a model with
    personal data must be a reference, never a name.

    `mask_fields` masks fields kept in clear in the table that must not reach the log either
    (a birth date): the log is append-only, so a purge could never remove them from it.
    """
    auditlog.register(
        model,
        exclude_fields=list(exclude_fields),
        mask_fields=[*(field.name for field in encrypted_fields(model)), *mask_fields],
        mask_callable="audit.registry.mask",
        m2m_fields=set(m2m_fields),
        serialize_data=False,
    )
    return model
