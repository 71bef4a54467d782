"""Audit of reads: every read of protected data, and every refused attempt, leaves an entry.

Selectors call these after their permission check (DESIGN §6). Granted reads go through
django-auditlog's `accessed` signal, so the entry has the actor, address and correlation id
of the request; the object is not loaded a second time.
"""

from auditlog.context import set_actor
from auditlog.registry import auditlog
from auditlog.signals import accessed
from django.contrib.contenttypes.models import ContentType

from audit.middleware import current_correlation_id
from audit.models import LogEntry

DENIED = {"denied": True}


class AccessDetails:
    """Mixin for models whose ACCESS entries carry details (say, which notes were shown)."""

    def get_additional_data(self):
        return getattr(self, "_audit_details", None)


def log_access(user, obj, details: dict | None = None) -> None:
    """Records that `user` read `obj`. The model must be registered with audit.registry.

    `details` (ids of what was shown with it, a statutory basis) go into the entry's
    additional data; the model must then mix in AccessDetails.
    """
    if not auditlog.contains(obj.__class__):
        raise LookupError(f"{obj._meta.label} is not registered for auditing")
    if details is not None and not isinstance(obj, AccessDetails):
        raise TypeError(f"{obj._meta.label} does not carry access details")
    obj._audit_details = details
    try:
        if current_correlation_id() is None:
            # Outside a request (a command, a job): no middleware names the actor, so we do.
            with set_actor(user):
                accessed.send(sender=obj.__class__, instance=obj)
        else:
            accessed.send(sender=obj.__class__, instance=obj)
    finally:
        del obj._audit_details


def log_denied(user, model, pk, obj=None) -> LogEntry:
    """Records a refused attempt by `user` to reach object `pk` of `model`.

    `obj` is given when the object exists, so that the entry carries its reference; an attempt
    on an id that does not exist is logged just the same.
    """
    object_id = pk if isinstance(pk, int) else None
    if object_id is None and str(pk).isdigit():
        object_id = int(pk)
    if object_id is not None and not 0 <= object_id < 2**63:  # a hostile id: kept as text
        object_id = None
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_pk=str(pk),
        object_id=object_id,
        object_repr=str(obj) if obj is not None else "",
        action=LogEntry.Action.ACCESS,
        actor=user if user is not None and user.is_authenticated else None,
        cid=current_correlation_id(),
        additional_data=DENIED,
    )


def log_audit_read(user, obj, details: dict) -> LogEntry:
    """Records that an auditor searched or exported the log: an ACCESS entry carrying what was
    asked (ids and dates, never a personnummer). `obj` is what the search was about (a
    person, a user), so that a person's own extract shows who looked them up; None for a
    search of the log at large, which is then an entry about the log itself."""
    if obj is None:
        content_type, pk, repr_ = ContentType.objects.get_for_model(LogEntry), "", ""
    else:
        content_type, pk, repr_ = ContentType.objects.get_for_model(obj), obj.pk, str(obj)
    return LogEntry.objects.create(
        content_type=content_type,
        object_pk=str(pk),
        object_id=pk if isinstance(pk, int) else None,
        object_repr=repr_,
        action=LogEntry.Action.ACCESS,
        actor=user,
        cid=current_correlation_id(),
        additional_data={"audit": details},
    )
