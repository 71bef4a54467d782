"""The load run: gunicorn on loopback with the bench settings, and locust (headless) with a mixed
workload, then a case-page-only and a floor-only phase to compare their throughput.

Budgets (issue #15): no errors; case-page throughput at least 0.4× the floor page's.
"""

import csv
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings

from bench.pages import BenchError

PHASES = [
    ("mixed", ["MixedCoordinator", "MixedWorker"]),
    ("case page only", ["CasePageOnly"]),
    ("floor only", ["FloorOnly"]),
]
CLIENTS = 16
THROUGHPUT_SHARE = 0.4


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _accounts(cast, folder: Path) -> Path:
    """Passwords of the bench's own for the two accounts the virtual users sign in with (the
    bench database is generated; nobody else signs in to it)."""
    accounts = {"case_url": f"/cases/{cast.case.pk}/"}
    for key, user in (("coordinator", cast.coordinator), ("worker", cast.worker)):
        password = secrets.token_urlsafe(18)
        user.set_password(password)
        user.save(update_fields=["password"])
        accounts[key] = {"username": user.username, "password": password}
    path = folder / "load-users.json"
    path.touch(mode=0o600)
    path.write_text(json.dumps(accounts), encoding="utf-8")
    return path


def _wait_until_up(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn stopped at start-up (exit status {server.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise BenchError("gunicorn did not answer within a minute")


def _read_stats(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        raise BenchError(f"locust wrote no statistics ({path})")
    with path.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _phase(name, classes, port, folder, seconds, env) -> dict:
    prefix = folder / f"locust-{name.replace(' ', '-')}"
    command = [
        sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")),
        "--headless", "-u", str(CLIENTS), "-r", str(CLIENTS), "-t", f"{seconds}s",
        "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
        "--loglevel", "WARNING", *classes,
    ]  # fmt: skip
    finished = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    if finished.returncode not in (0, 1):  # 1: some requests failed, which the table reports
        raise BenchError(f"locust failed ({finished.returncode}): {finished.stderr[-2000:]}")
    pages = {}
    for row in _read_stats(prefix):
        pages[row["Name"]] = {
            "requests": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "per_second": float(row["Requests/s"]),
            "median_ms": float(row["Median Response Time"] or 0),
            "p95_ms": float(row["95%"] or 0) if row.get("95%") not in ("N/A", None) else None,
        }
    return {"phase": name, "seconds": seconds, "clients": CLIENTS, "pages": pages}


def run(cast, *, workers: int, seconds: int, say=print) -> dict:
    folder = Path(settings.BENCH_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_LOAD_USERS": str(_accounts(cast, folder)),
    }
    port = _free_port()
    say(f"\nload run: gunicorn, {workers} workers on 127.0.0.1:{port}; locust, {CLIENTS} clients")
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "sspf.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],  # fmt: skip
        env=env,
        cwd=settings.BASE_DIR,
    )
    try:
        _wait_until_up(port, server)
        phases = []
        for name, classes in PHASES:
            say(f"  {name}: {seconds} s ...")
            phases.append(_phase(name, classes, port, folder, seconds, env))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return _report(phases, workers, say)


def _report(phases, workers, say) -> dict:
    say(f"\n{'phase':<16} {'page':<14} {'requests':>9} {'errors':>7} {'req/s':>8} "
        f"{'median':>8} {'p95 ms':>8}")  # fmt: skip
    errors = 0
    for phase in phases:
        for page, row in phase["pages"].items():
            errors += row["errors"] if page != "Aggregated" else 0
            p95 = f"{row['p95_ms']:8.0f}" if row["p95_ms"] is not None else f"{'—':>8}"
            say(
                f"{phase['phase']:<16} {page:<14} {row['requests']:>9} {row['errors']:>7} "
                f"{row['per_second']:>8.1f} {row['median_ms']:>8.0f} {p95}"
            )
    case = phases[1]["pages"].get("case page", {}).get("per_second", 0.0)
    floor = phases[2]["pages"].get("floor", {}).get("per_second", 0.0)
    share = case / floor if floor else 0.0
    checks = [
        {"budget": "under load: no errors", "value": f"{errors} errors", "met": errors == 0},
        {
            "budget": f"under load: case-page throughput ≥ {THROUGHPUT_SHARE}× the floor's",
            "value": f"{case:.1f} / {floor:.1f} req/s = {share:.2f}×",
            "met": share >= THROUGHPUT_SHARE,
        },
    ]
    say("")
    for check in checks:
        say(f"{'met' if check['met'] else 'NOT MET':<8} {check['budget']}: {check['value']}")
    return {"workers": workers, "phases": phases, "checks": checks}
