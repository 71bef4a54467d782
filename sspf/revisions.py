"""Corrections with history (rättelse, makulering), the pieces contacts and school visits
share: the values a record had before a change, kept as JSON in an encrypted column of the
app's revision table, and shown again as labelled values in the record's history.

Names of places and schools are stored as text, so that the history reads as it was even if
the reference data changes later."""

import datetime
import json

from django import forms
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def snapshot(obj, names) -> str:
    """The current values of the fields `names` of `obj`, as JSON."""
    values = {}
    for name in names:
        field = obj._meta.get_field(name)
        value = getattr(obj, name)
        if field.is_relation:
            value = str(value) if value is not None else ""
        elif isinstance(value, datetime.datetime):
            value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        values[name] = value
    return json.dumps(values, ensure_ascii=False)


def describe(model, previous: str, extra_choices=None) -> list[tuple[str, str]]:
    """The stored values as (label, text) pairs, choices shown by their label."""
    extra_choices = extra_choices or {}
    rows = []
    for name, value in json.loads(previous or "{}").items():
        field = model._meta.get_field(name)
        labels = dict(extra_choices.get(name) or field.choices or ())
        if isinstance(value, list):
            text = ", ".join(str(labels.get(v, v)) for v in value) or "–"
        else:
            text = str(labels.get(value, value)) if value not in ("", None) else "–"
        rows.append((str(field.verbose_name).capitalize(), text))
    return rows


def correction_deadline(recorded_at: datetime.datetime) -> datetime.datetime:
    return recorded_at + datetime.timedelta(days=settings.SSPF_CORRECTION_DAYS)


def may_change(user, *, recorded_by_id: int, organisation_id: int) -> bool:
    """The person who recorded it, or a coordinator of their organisation."""
    return user.pk == recorded_by_id or (
        user.has_role("coordinator") and user.organisation_id == organisation_id
    )


def changed_values(obj, values: dict) -> dict:
    """The entries of `values` that differ from what `obj` holds now."""
    changed = {}
    for name, value in values.items():
        current = getattr(obj, name)
        if isinstance(obj._meta.get_field(name), models.JSONField):
            current, value = sorted(current or []), sorted(value or [])
        if current != value:
            changed[name] = value
    return changed


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it voided?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the history. Do not name anyone."),
    )
