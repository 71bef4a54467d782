"""Group-level texts never name individuals (DESIGN §7): a personnummer-shaped string in the
minutes, a topic or a decision of a steering or operational meeting is refused.

"Shaped" on purpose, not "valid": a number with a typo in its check digit still identifies a
child. The text is normalised first (NFKC turns full-width digits and signs into ASCII; any
other decimal digit becomes its ASCII digit; every kind of space becomes " "), then we look
for 6 or 8 digits that could be a date (a month 01–12, a day 01–31 or 61–91 for a
samordningsnummer), an optional `-` or `+`, and 4 digits — spaces allowed between the digits,
and no digit directly before or after.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_GAP = r"[ ]?"
_DIGITS = lambda n: _GAP.join([r"(\d)"] * n)  # noqa: E731
SHAPE = re.compile(
    rf"(?<!\d)(?:{_DIGITS(8)}|{_DIGITS(6)})[ ]*[-+]?[ ]*{_DIGITS(4)}(?!\d)",
)
SIGNS = {"\u2212": "-", "\u2013": "-", "\u2010": "-", "\u2011": "-"}

MESSAGE = _(
    "This looks like a personal identity number. Group-level meetings never name "
    "individuals: remove it, and take the matter up in a network meeting on the case."
)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    out = []
    for char in text:
        if unicodedata.category(char) == "Nd":
            out.append(str(unicodedata.decimal(char)))
        elif unicodedata.category(char) == "Zs" or char == "\t":
            out.append(" ")
        else:
            out.append(SIGNS.get(char, char))
    return "".join(out)


def _could_be_a_date(digits: str) -> bool:
    month, day = int(digits[-4:-2]), int(digits[-2:])
    return 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)


def has_personnummer(text: str) -> bool:
    for match in SHAPE.finditer(normalise(text or "")):
        digits = "".join(group for group in match.groups() if group is not None)
        if _could_be_a_date(digits[:-4]):
            return True
    return False


def refuse_personnummer(**fields: str) -> None:
    """ValidationError on every named field whose text holds a personnummer-shaped string."""
    errors = {name: MESSAGE for name, text in fields.items() if has_personnummer(text)}
    if errors:
        raise ValidationError(errors)
