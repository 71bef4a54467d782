"""Disclosure control, attacked: for every suppressed value the attacker's integer program
(tests/stats/lp_attack.py, SciPy's HiGHS) finds a range that is not a single value, and for a
value hidden because it was small, a range that reaches outside 1 … threshold-1."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stats.disclosure import COMPLEMENTARY, PRIMARY, Network, protect
from tests.stats.lp_attack import feasible_ranges

THRESHOLD = 5


def assert_safe(table, threshold=THRESHOLD):
    ranges = feasible_ranges(table)
    for address, (low, high) in ranges.items():
        assert low < high, f"{address} is exactly {low}"
        if table.hidden[address] == PRIMARY:
            assert low == 0 or high >= threshold, f"{address} is known to lie in {low}..{high}"
    return ranges


def assert_every_small_value_hidden(table, threshold=THRESHOLD):
    for i, row in enumerate(table.cells):
        for j, value in enumerate(row):
            assert (0 < value < threshold) <= (("cell", i, j) in table.hidden)
    for address, value in [(("grand",), table.grand_total)]:
        assert (0 < value < threshold) <= (address in table.hidden)


def test_small_cells_and_their_complements_are_hidden_zero_stays():
    table = protect([[3, 9, 0, 12], [9, 11, 0, 10], [10, 12, 0, 7]], THRESHOLD)
    assert table.hidden[("cell", 0, 0)] == PRIMARY
    assert table.shown(("cell", 0, 2)) == 0
    # One small cell in a row and a column: at least one more value in each must go.
    assert table.complementary_count >= 2
    assert_safe(table)


def test_a_rectangle_of_small_and_large_cells_that_the_classic_rule_leaves_exposed():
    # a=3, d=1 hidden with b=c=1: the "two per row and column" rule is satisfied by hiding
    # the rectangle, yet a is pinned to 2..4. The audit keeps suppressing until it is not.
    table = protect([[3, 1, 20], [1, 1, 20], [20, 20, 20]], THRESHOLD)
    assert_safe(table)


def test_small_margins_are_hidden_too():
    table = protect([[1, 2, 0, 0], [20, 30, 6, 8]], THRESHOLD)
    assert ("row", 0) in table.hidden
    assert_safe(table)


def test_a_table_without_small_values_is_published_whole():
    table = protect([[5, 6, 0, 7], [8, 0, 9, 10]], THRESHOLD)
    assert table.hidden == {}


def test_complementary_suppression_is_irredundant():
    """Publishing any one complementary value again exposes something."""
    table = protect([[3, 9, 0, 12], [9, 1, 2, 10], [10, 12, 0, 7], [4, 30, 8, 9]], THRESHOLD)
    network = Network(table)
    for address, why in table.hidden.items():
        if why == COMPLEMENTARY:
            trial = {a: w for a, w in table.hidden.items() if a != address}
            assert any(network.exposed(a, trial) for a in trial), address


tables = st.integers(1, 6).flatmap(
    lambda rows: st.lists(
        st.lists(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 9, 15, 40]), min_size=4, max_size=4),
        min_size=rows,
        max_size=rows,
    )
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_random_tables_withstand_the_attack(cells):
    table = protect(cells, THRESHOLD)
    assert_every_small_value_hidden(table)
    ranges = assert_safe(table)
    # The audit used at run time (flows) finds exactly the solver's ranges.
    network = Network(table)
    for address, (low, high) in ranges.items():
        assert network.range_of(address, table.hidden) == (low, high)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, st.integers(2, 11))
def test_random_thresholds(cells, threshold):
    table = protect(cells, threshold)
    assert_safe(table, threshold)


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_zero_is_never_hidden(threshold):
    table = protect([[0, 1, 0, 2], [0, 0, 0, 3]], threshold)
    assert all(table.cells[a[1]][a[2]] > 0 for a in table.hidden if a[0] == "cell")
    assert_safe(table, threshold)
