"""In-process measurement: every page, its twin and the floor, many rounds interleaved in a
random order per round, so that the machine's noise hits all of them alike."""

import math
import random
import statistics
import time
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import twins
from bench.pages import BenchError, Probe, contact_form_data

FLOOR = "/bench/floor/"


class Clients:
    """One signed-in client per user (force_login once)."""

    def __init__(self):
        self._clients = {}

    def __call__(self, user) -> Client:
        if user.pk not in self._clients:
            client = Client()
            client.force_login(user)
            self._clients[user.pk] = client
        return self._clients[user.pk]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Timings:
    seconds: list = field(default_factory=list)
    queries: int | None = None
    status: int | None = None

    @property
    def median_ms(self):
        return statistics.median(self.seconds) * 1e3

    @property
    def p95_ms(self):
        return percentile(self.seconds, 0.95) * 1e3


def request(client, probe: Probe, twin: bool):
    """One request of the page (or its twin); returns (response, seconds). The form a POST
    needs is opened first, outside the timing, as the user opens it before saving."""
    url = probe.twin if twin else probe.url
    data = probe.data
    if probe.form:
        form_url = url if twin else probe.form
        shown = client.get(form_url)
        if shown.status_code != 200:
            raise BenchError(f"{probe.name}: the form at {form_url} answered {shown.status_code}")
        data = {**contact_form_data(shown.content.decode()), **data}
    send = client.post if probe.method == "post" else client.get
    started = time.perf_counter()
    response = send(url, data) if probe.method == "post" else send(url)
    return response, time.perf_counter() - started


def expected(probe: Probe, twin: bool) -> int:
    return (probe.twin_expect or probe.expect) if twin else probe.expect


def capture_bare_stats(clients, probes):
    """The gender view's twin is its own GROUP BY queries, run bare: captured from one request
    of the page (as tests/perf/test_stats_perf.py does)."""
    for probe in probes:
        if probe.twin == "/bench/bare/stats/":
            client = clients(probe.user)
            client.get(probe.url)  # warm
            with CaptureQueriesContext(connection) as captured:
                client.get(probe.url)
            grouped = [q["sql"] for q in captured.captured_queries if "GROUP BY" in q["sql"]]
            if not grouped:
                raise BenchError("the gender view ran no GROUP BY query")
            twins.BARE["stats"] = [(sql, None) for sql in grouped]


def check_and_count(clients, probes) -> dict:
    """One request of every page and twin with its queries counted; a page or twin that does
    not answer as expected stops the bench (a broken twin would make every ratio a lie)."""
    results = {}
    floor_client = clients(probes[0].user)
    for probe in probes:
        client = clients(probe.user)
        for twin in (False, True):
            if twin and probe.twin is None:
                continue
            request(client, probe, twin)  # warm: templates, caches, the database's buffers
            with CaptureQueriesContext(connection) as captured:
                response, _ = request(client, probe, twin)
            want = expected(probe, twin)
            if response.status_code != want:
                url = probe.twin if twin else probe.url
                raise BenchError(
                    f"{probe.name}{' (twin)' if twin else ''}: {url} answered "
                    f"{response.status_code}, expected {want}"
                )
            results[(probe.name, twin)] = Timings(
                queries=len(captured.captured_queries), status=response.status_code
            )
    with CaptureQueriesContext(connection) as captured:
        response = floor_client.get(FLOOR)
    if response.status_code != 200:
        raise BenchError(f"the floor answered {response.status_code}")
    results[("floor", False)] = Timings(queries=len(captured.captured_queries), status=200)
    return results


def interleaved(clients, probes, results, rounds: int, seed: int = 1, say=print) -> None:
    draw = random.Random(seed)  # noqa: S311  (an order, not a secret)
    floor_client = clients(probes[0].user)
    work = [(p, twin) for p in probes for twin in (False, True) if not twin or p.twin]
    for number in range(rounds):
        order = [*work, (None, False)]
        draw.shuffle(order)
        for probe, twin in order:
            if probe is None:
                started = time.perf_counter()
                response = floor_client.get(FLOOR)
                seconds = time.perf_counter() - started
                key, want = ("floor", False), 200
            else:
                response, seconds = request(clients(probe.user), probe, twin)
                key, want = (probe.name, twin), expected(probe, twin)
            if response.status_code != want:
                raise BenchError(f"{key[0]}: answered {response.status_code}, expected {want}")
            results[key].seconds.append(seconds)
        if (number + 1) % 10 == 0 or number + 1 == rounds:
            say(f"  round {number + 1}/{rounds}")


def query_growth(clients, pairs) -> list[dict]:
    """The same page for a user with few rows and one with many: the query counts."""
    rows = []
    for name, url, few, many in pairs:
        counts = []
        for user, size in (few, many):
            client = clients(user)
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            if response.status_code != 200:
                raise BenchError(f"{name}: {url} answered {response.status_code}")
            counts.append((size, len(captured.captured_queries)))
        rows.append(
            {
                "page": name,
                "few_rows": counts[0][0],
                "few_queries": counts[0][1],
                "many_rows": counts[1][0],
                "many_queries": counts[1][1],
                "met": counts[1][1] <= counts[0][1],
            }
        )
    return rows


def seal_hold(client, url: str, requests: int) -> dict | None:
    """The audit chain-head lock held per request of `url`, from audit.seal.stats() when the
    seal keeps statistics; None when it does not."""
    from audit import seal

    if not (hasattr(seal, "stats") and hasattr(seal, "reset_stats")):
        return None
    seal.reset_stats()
    for _ in range(requests):
        client.get(url)
    found = seal.stats()
    found = found._asdict() if hasattr(found, "_asdict") else dict(found)
    held = next((v for k, v in found.items() if "second" in k or "held" in k), None)
    return {
        "requests": requests,
        "stats": {k: v for k, v in found.items() if isinstance(v, int | float)},
        "held_ms_per_request": None if held is None else held / requests * 1e3,
    }
