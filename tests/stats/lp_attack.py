"""The attacker's integer program (the audit τ-ARGUS and sdcTable run): every published value
and margin as an equality, every value a non-negative integer; for each suppressed value its
smallest and largest feasible value, found with SciPy's HiGHS (scipy is a test dependency)."""

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp


def feasible_ranges(table) -> dict[tuple, tuple[float, float]]:
    """{address: (min, max)} for every suppressed value of a stats.disclosure.Protected."""
    rows, columns = len(table.cells), len(table.column_totals)
    names = (
        [("cell", i, j) for i in range(rows) for j in range(columns)]
        + [("row", i) for i in range(rows)]
        + [("col", j) for j in range(columns)]
        + [("grand",)]
    )
    index = {name: k for k, name in enumerate(names)}

    def combination(plus, minus):
        row = np.zeros(len(names))
        for name in plus:
            row[index[name]] += 1
        for name in minus:
            row[index[name]] -= 1
        return row

    equal = [
        combination([("cell", i, j) for j in range(columns)], [("row", i)]) for i in range(rows)
    ]
    equal.append(combination([("col", j) for j in range(columns)], [("grand",)]))
    equal += [
        combination([("cell", i, j) for i in range(rows)], [("col", j)]) for j in range(columns)
    ]
    equal.append(combination([("row", i) for i in range(rows)], [("grand",)]))
    lower = np.zeros(len(names))
    upper = np.full(len(names), np.inf)
    for name in names:
        shown = table.shown(name)
        if shown is not None:
            lower[index[name]] = upper[index[name]] = shown
    constraints = [LinearConstraint(np.array(equal), 0, 0)]
    ranges = {}
    for name in table.hidden:
        found = []
        for sign in (1, -1):
            objective = np.zeros(len(names))
            objective[index[name]] = sign
            result = milp(
                objective,
                constraints=constraints,
                integrality=np.ones(len(names)),
                bounds=Bounds(lower, upper),
            )
            if not result.success and _unbounded(objective, equal, lower, upper):
                found.append(np.inf if sign == -1 else -np.inf)
            else:
                assert result.success, result.message
                found.append(sign * result.fun)
        ranges[name] = (found[0], found[1])
    return ranges


def _unbounded(objective, equal, lower, upper) -> bool:
    """HiGHS's MIP answer does not tell unbounded from infeasible; its LP answer does."""
    result = linprog(
        objective,
        A_eq=np.array(equal),
        b_eq=np.zeros(len(equal)),
        bounds=[
            (low, None if high == np.inf else high) for low, high in zip(lower, upper, strict=True)
        ],
        method="highs",
    )
    return result.status == 3
