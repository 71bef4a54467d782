import datetime

import pytest

from schools.terms import Term


@pytest.mark.parametrize(
    "day,expected",
    [
        (datetime.date(2026, 1, 1), "VT 2026"),
        (datetime.date(2026, 6, 30), "VT 2026"),
        (datetime.date(2026, 7, 1), "HT 2026"),
        (datetime.date(2026, 12, 31), "HT 2026"),
    ],
)
def test_the_term_follows_from_the_date(day, expected):
    assert str(Term.of(day)) == expected


def test_terms_go_back_across_years():
    assert [str(t) for t in Term(2026, 1).last(4)] == ["HT 2024", "VT 2025", "HT 2025", "VT 2026"]
    assert Term(2026, 2).previous() == Term(2026, 1)
    assert (Term(2026, 2).start, Term(2026, 2).end) == (
        datetime.date(2026, 7, 1),
        datetime.date(2026, 12, 31),
    )
