"""School terms: vårtermin (VT, January–June) and hösttermin (HT, July–December)."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True, order=True)
class Term:
    year: int
    half: int  # 1 = VT (spring), 2 = HT (autumn)

    @classmethod
    def of(cls, day: datetime.date) -> "Term":
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def code(self) -> str:
        return "VT" if self.half == 1 else "HT"

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> datetime.date:
        """The last day of the term."""
        return (
            datetime.date(self.year, 6, 30) if self.half == 1 else datetime.date(self.year, 12, 31)
        )

    def previous(self) -> "Term":
        return Term(self.year - 1, 2) if self.half == 1 else Term(self.year, 1)

    def last(self, count: int) -> list["Term"]:
        """This term and the count-1 before it, oldest first."""
        terms = [self]
        while len(terms) < count:
            terms.append(terms[-1].previous())
        return terms[::-1]

    def __str__(self):
        return f"{self.code} {self.year}"

    @property
    def label(self):
        name = _("spring term") if self.half == 1 else _("autumn term")
        return f"{name} {self.year}"
