"""Form pieces every app shares: bounded fields for ids and dates, the date widgets, and
landing a service's errors on a form.

Every id and date that comes from a request is bounded before it reaches a query or a
calculation. An id larger than any column can hold cannot even be sent to SQLite
(OverflowError), and a date at the edge of the calendar breaks the arithmetic after it
("twelve months from 9999-12-31", "0001-01-01 00:00 in UTC"). Both are a clear message on the
form instead of a 500. The apps' forms use these fields, never Django's own.
"""

import datetime

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connections
from django.utils.translation import gettext_lazy as _

# Dates people type in this system: a birth, a visit, a consent, a due date. Nothing before or
# after is meaningful, and staying far from year 1 and year 9999 keeps date arithmetic safe.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
# The largest id of a row: every table's key is a BigAutoField (DEFAULT_AUTO_FIELD).
LARGEST_ID = 2**63 - 1


class DateInput(forms.DateInput):
    """The browser's own date picker (keyboard-usable, localised by the browser)."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateField(forms.DateField):
    """A date between `earliest` and `latest` (by default 1900–2100), in the browser's picker,
    which is told the same bounds."""

    widget = DateInput
    default_error_messages = {
        "out_of_range": _("Enter a date from %(earliest)s to %(latest)s."),
    }

    def __init__(self, *, earliest=EARLIEST_DATE, latest=LATEST_DATE, **kwargs):
        self.earliest, self.latest = earliest, latest
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {
            **super().widget_attrs(widget),
            "min": self.earliest.isoformat(),
            "max": self.latest.isoformat(),
        }

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None:
            _check_range(self, day)
        return day


class DateTimeField(forms.DateTimeField):
    """A moment whose local date lies between `earliest` and `latest`. The bound is checked on
    the wall-clock date, before anything converts the moment to UTC (which overflows at the
    calendar's edges)."""

    widget = DateTimeInput
    default_error_messages = DateField.default_error_messages

    def __init__(self, *, earliest=EARLIEST_DATE, latest=LATEST_DATE, **kwargs):
        self.earliest, self.latest = earliest, latest
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {
            **super().widget_attrs(widget),
            "min": f"{self.earliest.isoformat()}T00:00",
            "max": f"{self.latest.isoformat()}T23:59",
        }

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None:
            _check_range(self, moment.date())  # the wall-clock date: no conversion
        return moment


def _check_range(field, day: datetime.date) -> None:
    if not field.earliest <= day <= field.latest:
        raise ValidationError(
            field.error_messages["out_of_range"],
            code="out_of_range",
            params={"earliest": field.earliest.isoformat(), "latest": field.latest.isoformat()},
        )


def _impossible_key(field, values):
    """The first of `values` that no row's key could hold (a larger integer than the key
    column's type), or None. Values that are not integers at all are left to Django, which
    calls them invalid without asking the database."""
    model = field.queryset.model
    key = model._meta.get_field(field.to_field_name) if field.to_field_name else model._meta.pk
    while key.is_relation:  # a key that is itself a foreign key holds the other table's ids
        key = key.target_field
    try:
        low, high = connections[field.queryset.db].ops.integer_field_range(key.get_internal_type())
    except KeyError:  # not an integer key
        return None
    for value in values:
        try:
            number = int(str(value))
        except ValueError:
            continue
        if (low is not None and number < low) or (high is not None and number > high):
            return value
    return None


class ModelChoiceField(forms.ModelChoiceField):
    """One row chosen by its id; an id no row can have is an invalid choice, asked of no
    database."""

    def to_python(self, value):
        if value not in self.empty_values and _impossible_key(self, [value]) is not None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Rows chosen by their ids. Django checks each id alone (where an impossible id merely
    finds nothing) but then fetches them all with `id IN (...)`, which SQLite cannot be asked
    with a number beyond 64 bits: such an id is refused first."""

    def _check_values(self, value):
        impossible = _impossible_key(self, value)
        if impossible is not None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": impossible},
            )
        return super()._check_values(value)


class HiddenErrorsOnTop:
    """For a form with hidden fields: a hidden field has no place on the page for its error, so
    the error is also shown at the top of the form (form_errors.html shows those)."""

    def full_clean(self):
        super().full_clean()
        for name, field in self.fields.items():
            if field.widget.is_hidden and name in self._errors:
                top = self._errors.setdefault(
                    NON_FIELD_ERRORS,
                    self.error_class(error_class="nonfield", renderer=self.renderer),
                )
                top.extend(self._errors[name])


def apply_service_errors(form, error: ValidationError) -> None:
    """Puts a service's ValidationError on the form: on the field it names when the form shows
    that field, otherwise at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        field = form.fields.get(name)
        shown = field is not None and not field.widget.is_hidden
        form.add_error(name if shown else None, errors)
