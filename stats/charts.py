"""Server-rendered bar charts: girls and boys side by side per row of a table (over time when
the rows are periods); for the table of group-level meetings, which has no gender, its two
columns (steering and operational group). Only geometry is computed here;
templates/stats/chart.svg draws it.

A suppressed value is drawn as a hatched bar of its own fixed height with the mark above it,
never as an empty (zero) bar, and the chart's <desc> and the table beside it carry the numbers.
"""

from dataclasses import dataclass

from stats.tables import Table

WIDTH, HEIGHT = 640, 300
TOP, BOTTOM, LEFT = 20, 100, 40
SERIES = ["first", "second"]  # the two columns drawn: girls and boys, or the two levels


@dataclass
class Bar:
    series: str
    x: float
    y: float
    width: float
    height: float
    value: int | None  # None: suppressed

    @property
    def suppressed(self) -> bool:
        return self.value is None


def bars(table: Table) -> dict:
    rows = table.rows()
    shown = [cells[n] for _label, cells, _total in rows for n in range(2) if cells[n] is not None]
    peak = max(shown, default=0) or 1
    plot = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT) / max(len(rows), 1)
    width = min(slot * 0.35, 40)
    found, labels = [], []
    for k, (label, cells, _total) in enumerate(rows):
        left = LEFT + k * slot + (slot - 2 * width) / 2
        for n, series in enumerate(SERIES):
            value = cells[n]
            height = plot * 0.25 if value is None else plot * value / peak
            found.append(
                Bar(series, left + n * width, TOP + plot - height, width - 2, height, value)
            )
        labels.append({"x": LEFT + k * slot + slot / 2, "text": label})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "baseline": TOP + plot,
        "left": LEFT,
        "peak": peak,
        "peak_y": TOP,
        "bars": found,
        "labels": labels,
        "label_y": TOP + plot + 16,
        "series": [str(label) for label in table.column_labels[:2]],
    }
