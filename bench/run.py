"""`python -m bench` (`make bench`): every main page against its unprotected twin and the floor,
then a load run (issue #15; docs/performance.md).

Environment: DATABASE_URL (PostgreSQL; the bench uses a database of its own on that server,
BENCH_DATABASE, default sspf_bench), BENCH_SCALE (default 0.05), BENCH_SEED (1), BENCH_ROUNDS
(30), BENCH_LOAD (1; 0 skips the load run), BENCH_WORKERS (4), BENCH_LOAD_SECONDS (30).

Exit status 0 when the bench ran, whether or not each budget was met (the table says NOT MET);
1 when the bench itself failed (a page or twin that errors, no data, no PostgreSQL).
"""

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def _options(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--fresh", action="store_true", help="rebuild the bench database")
    parser.add_argument("--scale", default=os.environ.get("BENCH_SCALE") or "0.05")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("BENCH_SEED") or 1))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS") or 30))
    parser.add_argument(
        "--load", type=int, choices=[0, 1], default=int(os.environ.get("BENCH_LOAD", "1") or 1)
    )
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS") or 4))
    parser.add_argument(
        "--load-seconds", type=int, default=int(os.environ.get("BENCH_LOAD_SECONDS") or 30)
    )
    parser.add_argument(
        "--deep-hops", type=int, default=int(os.environ.get("BENCH_DEEP_HOPS") or 400)
    )
    parser.add_argument("--out", default=os.environ.get("BENCH_OUT") or "")
    return parser.parse_args(argv)


def _row(name, page, twin, budget_text, verdict, queries, ratio=None):
    twin_ms = f"{twin.median_ms:8.1f}" if twin and twin.seconds else f"{'—':>8}"
    ratio_text = f"{ratio:5.2f}×" if ratio is not None else f"{'—':>6}"
    return (
        f"{name:<34} {page.median_ms:8.1f} {page.p95_ms:8.1f} {twin_ms} {ratio_text} "
        f"{budget_text:<26} {verdict:<8} {queries}"
    )


def report(probes, results, growth, seal, say=print) -> list[dict]:
    floor = results[("floor", False)]
    say("")
    say(
        f"{'page':<34} {'median':>8} {'p95':>8} {'twin med':>8} {'ratio':>6} "
        f"{'budget':<26} {'verdict':<8} queries (page/twin)"
    )
    say("-" * 122)
    rows = []
    for probe in probes:
        page, twin = results[(probe.name, False)], results.get((probe.name, True))
        ratio = page.median_ms / twin.median_ms if twin and twin.seconds else None
        met = None if probe.budget is None or ratio is None else ratio <= probe.budget
        verdict = "—" if met is None else ("met" if met else "NOT MET")
        queries = f"{page.queries}/{twin.queries if twin else '—'}"
        say(_row(probe.name, page, twin, probe.budget_text, verdict, queries, ratio))
        rows.append(
            {
                "page": probe.name,
                "user": probe.user.username,
                "url": probe.url if probe.method == "get" else f"POST {probe.url}",
                "twin": probe.twin,
                "status": page.status,
                "median_ms": round(page.median_ms, 2),
                "p95_ms": round(page.p95_ms, 2),
                "twin_median_ms": round(twin.median_ms, 2) if twin else None,
                "twin_p95_ms": round(twin.p95_ms, 2) if twin else None,
                "ratio": round(ratio, 3) if ratio is not None else None,
                "budget": probe.budget,
                "budget_text": probe.budget_text,
                "met": met,
                "queries": page.queries,
                "twin_queries": twin.queries if twin else None,
                "rounds": len(page.seconds),
                "note": probe.note,
            }
        )
    say(
        f"{'floor':<34} {floor.median_ms:8.1f} {floor.p95_ms:8.1f} {'':>8} {'':>6} {'':<26} "
        f"{'':<8} {floor.queries}"
    )
    rows.append(
        {
            "page": "floor",
            "url": "/bench/floor/",
            "median_ms": round(floor.median_ms, 2),
            "p95_ms": round(floor.p95_ms, 2),
            "queries": floor.queries,
            "rounds": len(floor.seconds),
        }
    )
    checks = []
    case_page = next((r for r in rows if r["page"] == "case page"), None)
    if case_page is not None:
        checks.append(
            {
                "budget": "case page: at most 20 queries",
                "value": f"{case_page['queries']} queries",
                "met": case_page["queries"] <= 20,
            }
        )
    first = next((r for r in rows if r["page"] == "my contacts: first page"), None)
    deep = next((r for r in rows if r["page"].startswith("my contacts: page ")), None)
    if first and deep:
        ratio = deep["median_ms"] / first["median_ms"]
        checks.append(
            {
                "budget": f"{deep['page']} within 2× the first page",
                "value": f"{deep['median_ms']:.1f} ms / {first['median_ms']:.1f} ms = {ratio:.2f}×",
                "met": ratio <= 2,
            }
        )
    for row in growth:
        checks.append(
            {
                "budget": f"{row['page']}: queries do not grow with the data",
                "value": (
                    f"{row['few_rows']:,} rows: {row['few_queries']} queries; "
                    f"{row['many_rows']:,} rows: {row['many_queries']} queries"
                ),
                "met": row["met"],
            }
        )
    say("")
    for check in checks:
        say(f"{'met' if check['met'] else 'NOT MET':<8} {check['budget']}: {check['value']}")
    if seal is None:
        say("n/a      audit chain-head lock per case page: audit.seal.stats() is not available")
    elif seal["held_ms_per_request"] is None:
        say(f"         audit seal statistics per {seal['requests']} case pages: {seal['stats']}")
    else:
        say(
            f"         audit chain-head lock held per case page: "
            f"{seal['held_ms_per_request']:.2f} ms ({seal['stats']})"
        )
    return rows, checks


def main(argv=None) -> int:
    options = _options(sys.argv[1:] if argv is None else argv)
    if not (os.environ.get("DATABASE_URL") or "").startswith(("postgres://", "postgresql://")):
        print("bench: DATABASE_URL must name a PostgreSQL server (make bench sets it from PG_URL)")
        return 1
    import django

    django.setup()
    from django.conf import settings

    from bench import database, load, measure, pages

    started = time.perf_counter()
    out_dir = Path(options.out) if options.out else settings.BENCH_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        db = database.prepare(scale=options.scale, seed=options.seed, fresh=options.fresh)
        cast = pages.cast()
        clients = measure.Clients()
        probes = pages.probes(cast, clients, deep_hops=options.deep_hops)
        print(f"pages: {len(probes)}; users and sizes: {cast.sizes}")
        measure.capture_bare_stats(clients, probes)
        results = measure.check_and_count(clients, probes)
        print(f"measuring {options.rounds} interleaved rounds ...")
        measure.interleaved(clients, probes, results, options.rounds, seed=options.seed)
        growth = measure.query_growth(
            clients,
            [
                (
                    "my contacts",
                    "/contacts/",
                    (cast.few_worker, cast.sizes["few_worker_contacts"]),
                    (cast.worker, cast.sizes["worker_contacts"]),
                ),
                (
                    "case list",
                    "/cases/",
                    (cast.few_coordinator, cast.sizes["few_coordinator_cases"]),
                    (cast.coordinator, cast.sizes["coordinator_cases"]),
                ),
            ],
        )
        seal = measure.seal_hold(
            clients(cast.coordinator), f"/cases/{cast.case.pk}/", max(options.rounds, 5)
        )
        rows, checks = report(probes, results, growth, seal)
        load_result = None
        if options.load:
            load_result = load.run(cast, workers=options.workers, seconds=options.load_seconds)
            checks += load_result["checks"]
    except pages.BenchError as error:
        print(f"bench failed: {error}")
        return 1
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "when": stamp,
                "scale": options.scale,
                "seed": options.seed,
                "rounds": options.rounds,
                "database": db,
                "sizes": cast.sizes,
                "pages": rows,
                "query_growth": growth,
                "audit_seal": seal,
                "checks": checks,
                "load": load_result,
                "seconds": round(time.perf_counter() - started, 1),
            },
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    missed = [r["page"] for r in rows if r.get("met") is False] + [
        c["budget"] for c in checks if not c["met"]
    ]
    print(f"\nbudgets NOT MET: {len(missed)}" + (f" ({'; '.join(missed)})" if missed else ""))
    print(f"written: {path}")
    return 0
