"""Personnummer and samordningsnummer: parsing, validation, and the blind index.

Accepted input: 10 or 12 digits, with or without `-` (or `+`, used from the year a person
turns 100), spaces ignored. A samordningsnummer has 60 added to the day.
Before anything else the text is normalised: every Unicode decimal digit (full-width,
Arabic-Indic, Devanagari, ...) becomes its ASCII digit, the full-width hyphen-minus, the minus
sign and the en dash become `-`, the full-width plus becomes `+`, and any other space character
(no-break, thin, ...) counts as a space; so the same number typed with other digits gives the
same 12 digits and the same blind index. The shape is then checked with an ASCII-only pattern,
so anything else (letters, other symbols) stays invalid.
The normalised form is always 12 digits, YYYYMMDDNNNC. Parsing and the Luhn check are done by
the `personnummer` package; this module adds the messages, the normal form and the index.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from personnummer import personnummer as library

from sspf.crypto import blind_index

SHAPE = re.compile(r"^([0-9]{2})?([0-9]{2})([0-9]{2})([0-9]{2})([-+]?)([0-9]{3})([0-9])$")

# Characters that phones, other keyboard layouts and word processors put in for `-` and `+`.
SIGNS = {"\uff0d": "-", "\u2212": "-", "\u2013": "-", "\uff0b": "+"}

MESSAGES = {
    "format": _("Enter the personal identity number as YYYYMMDD-NNNN or YYMMDD-NNNN."),
    "date": _("The date in the personal identity number does not exist."),
    "future": _("The date in the personal identity number is in the future."),
    "checksum": _("The check digit does not match; check the number for a typing error."),
}


@dataclass(frozen=True)
class Personnummer:
    digits: str  # always 12 digits
    birth_date: datetime.date
    is_coordination_number: bool
    legal_sex: str  # "female" or "male", from the second-to-last digit

    def __str__(self):
        return f"{self.digits[:8]}-{self.digits[8:]}"

    @property
    def blind_index(self) -> str:
        return blind_index(self.digits)


def parse(text: str) -> Personnummer:
    """The number as typed, or ValidationError with a message that says what is wrong."""
    cleaned = _ascii(text or "").strip().replace(" ", "")
    match = SHAPE.match(cleaned)
    if not match:
        raise ValidationError(MESSAGES["format"], code="format")
    try:
        parsed = library.parse(cleaned)
    except library.PersonnummerException:
        century, year, month, day = match.group(1), match.group(2), match.group(3), match.group(4)
        if not _valid_day(century, year, month, day):
            raise ValidationError(MESSAGES["date"], code="date") from None
        raise ValidationError(MESSAGES["checksum"], code="checksum") from None
    birth_date = parsed.get_date()
    if birth_date > timezone.localdate():
        raise ValidationError(MESSAGES["future"], code="future")
    return Personnummer(
        digits=parsed.format(long_format=True),
        birth_date=birth_date,
        is_coordination_number=parsed.is_coordination_number(),
        legal_sex="male" if parsed.is_male() else "female",
    )


def _ascii(text: str) -> str:
    """Other decimal digits as ASCII digits, look-alike signs as `-`/`+`, every space as " "."""
    return "".join(_ascii_char(char) for char in text)


def _ascii_char(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Nd":
        return str(unicodedata.decimal(char))
    if category == "Zs":
        return " "
    return SIGNS.get(char, char)


def _valid_day(century: str | None, year: str, month: str, day: str) -> bool:
    day_number = int(day) - 60 if int(day) > 60 else int(day)
    # Without a century, a year with the same leap-ness stands in for it.
    full_year = int(century + year) if century else (2000 if int(year) % 4 == 0 else 2001)
    try:
        datetime.date(full_year, int(month), day_number)
    except ValueError:
        return False
    return True


def check_digit(nine_digits: str) -> int:
    """The Luhn check digit over YYMMDDNNN, for making valid fictional numbers (demo, tests)."""
    total = 0
    for i, char in enumerate(nine_digits):
        value = int(char) * (2 - i % 2)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def fictional(birth_date: datetime.date, serial: str) -> str:
    """A valid 12-digit number for a birth date and a three-digit serial."""
    return (
        birth_date.strftime("%Y%m%d")
        + serial
        + str(check_digit(birth_date.strftime("%y%m%d") + serial))
    )


def normalise(text: str) -> str:
    return parse(text).digits


def index_of(text: str) -> str:
    """The blind index of a number however it was typed (raises ValidationError if invalid)."""
    return parse(text).blind_index


class PersonnummerFormField(forms.CharField):
    """A form field whose cleaned value is the normalised 12-digit number."""

    default_error_messages = {"required": _("Enter a personal identity number.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("Personal identity number"))
        kwargs.setdefault(
            "help_text", _("12 digits (YYYYMMDD-NNNN); a coordination number works too.")
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return parse(value).digits
