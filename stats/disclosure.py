"""Disclosure control (röjandekontroll) for a two-way table with its margins.

A published table has inner cells x[i][j] (rows: a split such as age band or month; columns:
the four genders), the row totals, the column totals and the grand total. An attacker knows
every published value and that every value is a non-negative integer. For each hidden value
the attacker can at best compute its feasible range [min, max] subject to

    sum_j x[i][j] = R[i]      sum_i x[i][j] = C[j]      sum_i R[i] = sum_j C[j] = G

with the published values fixed. The table is safe when, for every hidden value, min < max,
and for a value hidden because it was small (primary: 1 … threshold-1) the range reaches
outside 1 … threshold-1 (it includes 0 or a value at or above the threshold), so that not even
"it is small" can be learnt.

Why a flow network: a table with its margins *is* a flow — source → row i (R[i]) → column j
(x[i][j]) → sink (C[j]), and the sink back to the source (G). Published values are edges with a
fixed flow; hidden ones are free (≥ 0). The constraint matrix is totally unimodular, so the
linear-programming bounds are integers and equal the integer bounds; and the largest value a
hidden edge (u, v) can take is its value plus the largest flow that can return from v to u
through the other hidden edges (forward: unbounded; backward: at most their value). So the
audit is exact and needs no LP solver at run time; tests/stats/test_disclosure.py attacks the
same tables with SciPy's HiGHS to prove it.

Margins are cells too: a small row, column or grand total (1 … threshold-1) is suppressed as
well, and protected like any other cell. A zero is always published ("zero stays zero"): it
protects nothing, and hiding every non-zero value is always safe (all zeros is then a feasible
answer, so every hidden range starts at 0), which bounds the search below.

`protect` adds complementary cells one at a time (for an exposed cell, the cell in its own
row or column that protects it, smallest first), then drops every complementary cell that is
not needed after all (largest first), so the result is irredundant: publishing any one of its
complementary cells again would expose a hidden value.

A table whose rows overlap (a case with two risk factors is in two rows; a case active in two
months) is made additive by its caller: its totals are the sums of its rows, labelled so, and
the attack above applies to it unchanged.
"""

from collections import deque
from dataclasses import dataclass, field

INF = float("inf")

PRIMARY = "primary"
COMPLEMENTARY = "complementary"

# Cell addresses: ("cell", i, j), ("row", i), ("col", j), ("grand",)


@dataclass
class Protected:
    """A table after disclosure control: `hidden` maps each suppressed address to why."""

    cells: list[list[int]]
    row_totals: list[int]
    column_totals: list[int]
    grand_total: int
    threshold: int
    hidden: dict[tuple, str] = field(default_factory=dict)

    def shown(self, address: tuple) -> int | None:
        """The published value, or None when it is suppressed."""
        return None if address in self.hidden else value_at(self, address)

    @property
    def complementary_count(self) -> int:
        return sum(1 for why in self.hidden.values() if why == COMPLEMENTARY)


def value_at(table, address: tuple) -> int:
    kind = address[0]
    if kind == "cell":
        return table.cells[address[1]][address[2]]
    if kind == "row":
        return table.row_totals[address[1]]
    if kind == "col":
        return table.column_totals[address[1]]
    return table.grand_total


def is_small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def protect(cells: list[list[int]], threshold: int) -> Protected:
    """The table with primary and complementary suppression applied."""
    rows = len(cells)
    columns = len(cells[0]) if rows else 0
    row_totals = [sum(row) for row in cells]
    column_totals = [sum(cells[i][j] for i in range(rows)) for j in range(columns)]
    table = Protected(
        cells=[list(row) for row in cells],
        row_totals=row_totals,
        column_totals=column_totals,
        grand_total=sum(row_totals),
        threshold=threshold,
    )
    table.hidden = _suppress(table)
    return table


def addresses(table: Protected) -> list[tuple]:
    rows, columns = range(len(table.row_totals)), range(len(table.column_totals))
    return (
        [("cell", i, j) for i in rows for j in columns]
        + [("row", i) for i in rows]
        + [("col", j) for j in columns]
        + [("grand",)]
    )


def _suppress(table: Protected) -> dict:
    network = Network(table)
    t = table.threshold
    hidden = {a: PRIMARY for a in network.addresses if is_small(value_at(table, a), t)}
    while True:
        exposed = next((a for a in hidden if network.exposed(a, hidden)), None)
        if exposed is None:
            break
        candidates = sorted(
            (a for a in network.addresses if a not in hidden and value_at(table, a) > 0),
            key=lambda a: (not shares_line(a, exposed), a[0] != "cell", value_at(table, a)),
        )
        if not candidates:  # cannot happen: hiding every non-zero value is safe
            raise AssertionError("no cell left to suppress")
        chosen = next(
            (c for c in candidates if not network.exposed(exposed, {**hidden, c: COMPLEMENTARY})),
            candidates[0],
        )
        hidden[chosen] = COMPLEMENTARY
    # Irredundant: publish again every complementary cell that is not needed.
    for address in sorted(
        (a for a, why in hidden.items() if why == COMPLEMENTARY),
        key=lambda a: -value_at(table, a),
    ):
        trial = {a: why for a, why in hidden.items() if a != address}
        if not any(network.exposed(a, trial) for a in trial):
            hidden = trial
    return hidden


def lines(address: tuple) -> set[tuple]:
    """The rows and columns of the table (with margins) that the address lies on."""
    kind = address[0]
    if kind == "cell":
        return {("r", address[1]), ("c", address[2])}
    if kind == "row":
        return {("r", address[1]), ("c", "total")}
    if kind == "col":
        return {("r", "total"), ("c", address[1])}
    return {("r", "total"), ("c", "total")}


def shares_line(a: tuple, b: tuple) -> bool:
    return bool(lines(a) & lines(b))


class Network:
    """The table as a flow network, for the exact range of a hidden value given the published
    ones. Each address is an edge (tail, head)."""

    def __init__(self, table: Protected):
        self.table = table
        self.addresses = addresses(table)
        self.edges: dict[tuple, tuple] = {("grand",): ("t", "s")}
        for i in range(len(table.row_totals)):
            self.edges[("row", i)] = ("s", ("r", i))
            for j in range(len(table.column_totals)):
                self.edges[("cell", i, j)] = (("r", i), ("c", j))
        for j in range(len(table.column_totals)):
            self.edges[("col", j)] = (("c", j), "t")

    def range_of(self, address: tuple, hidden) -> tuple[float, float]:
        """[min, max] of the hidden value at `address` over all non-negative tables that
        agree with every published value."""
        value = value_at(self.table, address)
        capacity: dict = {}

        def add(tail, head, flow):
            capacity.setdefault(tail, {})
            capacity.setdefault(head, {})
            capacity[tail][head] = capacity[tail].get(head, 0) + INF
            capacity[head][tail] = capacity[head].get(tail, 0) + flow

        for other in hidden:
            if other != address:
                add(*self.edges[other], value_at(self.table, other))
        tail, head = self.edges[address]
        up = max_flow(capacity, head, tail, limit=INF)
        down = max_flow(capacity, tail, head, limit=value)
        return value - down, value + up

    def exposed(self, address: tuple, hidden) -> bool:
        low, high = self.range_of(address, hidden)
        if low == high:
            return True
        return hidden[address] == PRIMARY and low >= 1 and high < self.table.threshold


def max_flow(capacity: dict, source, sink, *, limit: float) -> float:
    """Edmonds–Karp on a copy of `capacity`, stopping at `limit`."""
    if source not in capacity or sink not in capacity:
        return 0
    residual = {node: dict(arcs) for node, arcs in capacity.items()}
    total = 0
    while total < limit:
        parent = {source: None}
        queue = deque([source])
        while queue and sink not in parent:
            node = queue.popleft()
            for nxt, cap in residual[node].items():
                if cap > 0 and nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        if sink not in parent:
            break
        path, node = [], sink
        while parent[node] is not None:
            path.append((parent[node], node))
            node = parent[node]
        push = min(min(residual[a][b] for a, b in path), limit - total)
        if push == INF:
            return INF
        for a, b in path:
            residual[a][b] -= push
            residual[b][a] = residual[b].get(a, 0) + push
        total += push
    return total


def suppress_rows(rows: list[dict], columns: list[str], threshold: int) -> list[dict]:
    """Copies of `rows` (dicts) with the values of `columns` protected as one table: a
    suppressed value becomes None. For pages that show no totals of their own (publishing
    fewer margins than the protection assumed only makes it safer)."""
    table = protect([[row[c] or 0 for c in columns] for row in rows], threshold)
    return [
        {**row, **{c: table.shown(("cell", i, j)) for j, c in enumerate(columns)}}
        for i, row in enumerate(rows)
    ]
