"""`make bench` end to end at a tiny scale, two rounds, no load run, on a database of its own
(sspf_h_bench: built on the first run and then reused while it holds the same scale and seed,
as `make bench` reuses its own; migrating a new database takes minutes on a busy machine).
Every page of issue #15 must answer as its user would see it, next to its twin, and land in
the JSON with its budget; a page or twin that errors fails the bench."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import missing

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent.parent
DATABASE = "sspf_h_bench"
# The pages the issue names; home is measured once per role found in the data.
PAGES = {
    "case list: first page": 200,
    "case list: filter (active)": 200,
    "case list: personnummer search": 200,
    "case page": 200,
    "record a contact (POST)": 302,
    "my contacts: first page": 200,
    "meeting preparation": 200,
    "referral inbox": 200,
    "coverage (schools)": 200,
    "auditor's person extract": 200,
    "gender view (year)": 200,
}
ROLES = {"coordinator", "field_worker", "school_police", "auditor"}


@pytest.fixture
def bench_run(tmp_path):
    if connection.vendor != "postgresql":
        missing("the bench needs PostgreSQL")
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{DATABASE}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BENCH_DATABASE": DATABASE,
        "BENCH_SCALE": "0.01",
        "BENCH_ROUNDS": "2",
        "BENCH_LOAD": "0",
        "BENCH_DEEP_HOPS": "5",
        "BENCH_OUT": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
    }
    for name in ("SECRET_KEY", "SSPF_FIELD_KEYS", "SSPF_INDEX_KEY", "SSPF_AUDIT_KEY"):
        env.pop(name, None)  # the bench's own keys, not the test suite's
    finished = subprocess.run(
        [sys.executable, "-m", "bench"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return finished, tmp_path


def test_the_bench_measures_every_page_against_its_twin_and_the_floor(bench_run):
    finished, folder = bench_run
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    written = list(folder.glob("*.json"))
    assert len(written) == 1
    result = json.loads(written[0].read_text())
    pages = {row["page"]: row for row in result["pages"]}

    for name, status in PAGES.items():
        assert name in pages, f"{name} missing from the bench"
        row = pages[name]
        assert row["status"] == status
        assert row["rounds"] == 2
        assert row["twin_median_ms"] > 0 and row["median_ms"] > 0
        assert row["met"] is (row["ratio"] <= row["budget"])
        assert row["queries"] > 0
    deep = [name for name in pages if name.startswith("my contacts: page ")]
    assert deep and int(deep[0].rsplit(" ", 1)[1]) > 1, "the deep page follows 'older' links"
    homes = {name.removeprefix("home: ") for name in pages if name.startswith("home: ")}
    assert homes >= ROLES
    assert pages["floor"]["median_ms"] > 0
    # The table is on screen with each page's verdict.
    for name in PAGES:
        line = next(line for line in finished.stdout.splitlines() if line.startswith(name))
        assert ("NOT MET" in line) != pages[name]["met"]
    budgets = {check["budget"] for check in result["checks"]}
    assert "case page: at most 20 queries" in budgets
    assert any("queries do not grow" in budget for budget in budgets)
    assert any("within 2× the first page" in budget for budget in budgets)
    contacts = next(row for row in result["query_growth"] if row["page"] == "my contacts")
    assert contacts["few_rows"] <= 30 < contacts["many_rows"]
    assert result["load"] is None
