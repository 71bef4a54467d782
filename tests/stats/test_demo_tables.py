"""The demo municipality's tables withstand the attack; the count of complementary cells they
need is printed for the note (pytest -s)."""

import datetime

import pytest
from django.core.management import call_command

from stats import tables
from tests.stats.test_disclosure import assert_safe


@pytest.mark.django_db
def test_demo_tables_withstand_the_attack(capsys):
    call_command("seed_demo", force=True, verbosity=0)
    this_year = datetime.date.today().year
    primary = complementary = count = 0
    counted = dict.fromkeys(tables.MEASURES, 0)
    for year in (this_year - 1, this_year):
        for measure in tables.MEASURES:
            for split in tables.splits_for(measure):
                table = tables.build(measure, split, year).protected
                assert_safe(table)
                count += 1
                counted[measure] += table.grand_total
                complementary += table.complementary_count
                primary += len(table.hidden) - table.complementary_count
    # The attack means something for every measure only when the demo has something to count.
    assert all(counted.values()), counted
    with capsys.disabled():
        print(f"\n[demo tables] {count} tables, {primary} primary, {complementary} complementary")
