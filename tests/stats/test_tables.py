"""Every table against the same counts made independently from the raw rows (tests/stats/
expected.py), and every table's disclosure control attacked with the integer program.

The municipality is built once for all the tables (building it is most of the time): one
test goes through every (measure, split) and reports every table that differs, not only the
first."""

import pytest

from stats import tables
from tests.schools.factories import SchoolFactory
from tests.stats import data
from tests.stats.expected import expected
from tests.stats.test_disclosure import assert_safe

YEAR = 2025


@pytest.fixture
def municipality(make_user, organisations):
    coordinator = make_user("coordinator")
    workers = [make_user("field_worker"), make_user("field_worker")]
    schools = [
        SchoolFactory(organisation=organisations["school_a"], area=area)
        for area in ("Centrum", "Norr", "")
    ]
    data.build(coordinator=coordinator, field_workers=workers, schools=schools, year=YEAR)
    return {"coordinator": coordinator, "workers": workers}


def counted(table):
    return {
        (key, column): value
        for key, row in zip(table.keys, table.protected.cells, strict=True)
        for column, value in zip(table.column_keys, row, strict=True)
        if value
    }


CASES = [(m, s) for m in tables.MEASURES for s in tables.splits_for(m)]


def test_every_table_counts_what_the_raw_rows_say_and_withstands_the_attack(municipality):
    wrong, checked = [], 0
    for measure, split in CASES:
        table = tables.build(measure, split, YEAR)
        found, wanted = counted(table), expected(measure, split, YEAR)
        if found != wanted:
            differ = {k: (found.get(k), wanted.get(k)) for k in {*found, *wanted}}
            wrong.append((measure, split, {k: v for k, v in differ.items() if v[0] != v[1]}))
        assert_safe(table.protected)
        checked += 1
    assert not wrong, wrong
    assert checked == len(CASES) > 60


def test_the_tables_are_not_empty(municipality):
    """The comparison above means something only when there is something to count: every
    measure, and every row of the kinds and outcomes of referrals (over the two years)."""
    for measure in tables.MEASURES:
        assert tables.build(measure, "year", YEAR).protected.grand_total > 0, measure
    for split in ("referral_kind", "referral_outcome"):
        both = [tables.build("referrals", split, year) for year in (YEAR - 1, YEAR)]
        rows = zip(
            both[0].labels, both[0].protected.row_totals, both[1].protected.row_totals, strict=True
        )
        empty = [label for label, earlier, later in rows if not earlier + later]
        assert not empty, (split, empty)


def test_the_group_meetings_table_has_the_levels_not_genders(municipality):
    table = tables.build("meetings_group", "year", YEAR)
    assert table.column_keys == ["steering", "operational"]
    assert not table.gendered
    assert tables.build("meetings_network", "year", YEAR).gendered


@pytest.mark.parametrize("measure", tables.OWN_WORK_MEASURES)
def test_a_field_workers_own_figures_are_their_own_contacts(municipality, measure):
    worker = municipality["workers"][0]
    table = tables.build(measure, "month", YEAR, recorded_by=worker)
    assert counted(table) == expected(measure, "month", YEAR, recorded_by=worker)
    assert counted(table) != counted(tables.build(measure, "month", YEAR))


def test_queries_do_not_grow_with_the_data(make_user, organisations, django_assert_max_num_queries):
    """Equal numbers of queries with N and 5N rows (the second build adds to the first)."""
    coordinator = make_user("coordinator")
    workers = [make_user("field_worker")]
    schools = [SchoolFactory(organisation=organisations["school_a"])]
    used = {}
    for size in (20, 80):
        data.build(
            coordinator=coordinator,
            field_workers=workers,
            schools=schools,
            year=YEAR,
            people=size,
            seed=size,
        )
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            for measure, split in CASES:
                tables.build(measure, split, YEAR)
        used[size] = len(queries)
    assert used[20] == used[80]
