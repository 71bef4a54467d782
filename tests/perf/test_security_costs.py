"""What encryption and read-logging cost, as ratios measured in one run (the machine is noisy).

The bounds are loose on purpose: they catch an order-of-magnitude regression (a decrypt per
query instead of per value, a log write that loads the object again), not noise.
"""

import datetime
import statistics
import time

import pytest
from auditlog.context import disable_auditlog

from audit.access import log_access
from tests.testapp.models import Plain, Secret

ROUNDS, PER_ROUND = 7, 40
VALUES = {
    "name": "Ellinor Bergqvist",
    "note": "Träffade E. vid stationen kl. 23:10; hemma var det bråk igen. " * 4,
    "born": datetime.date(2011, 3, 4),
    "personnummer": "201103041234",
}


def median_seconds(operation) -> float:
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(PER_ROUND):
            operation()
        timings.append((time.perf_counter() - start) / PER_ROUND)
    return statistics.median(timings)


def report(name, base, measured, capsys):
    with capsys.disabled():
        print(
            f"\n[cost] {name}: {measured * 1e6:.0f} µs vs {base * 1e6:.0f} µs "
            f"= {measured / base:.2f}×"
        )
    return measured / base


@pytest.mark.django_db
def test_encrypted_write_and_read_cost(capsys):
    with disable_auditlog():  # encryption alone; the write log is measured by its own tests
        plain_write = median_seconds(lambda: Plain.objects.create(**VALUES))
        secret_write = median_seconds(lambda: Secret.objects.create(**VALUES))
    plain_pk, secret_pk = Plain.objects.first().pk, Secret.objects.first().pk
    plain_read = median_seconds(lambda: Plain.objects.get(pk=plain_pk).note)
    secret_read = median_seconds(lambda: Secret.objects.get(pk=secret_pk).note)

    assert report("encrypted write (4 fields)", plain_write, secret_write, capsys) < 5
    assert report("encrypted read (4 fields)", plain_read, secret_read, capsys) < 5


@pytest.mark.django_db
def test_logged_access_cost(capsys, alice):
    with disable_auditlog():
        secret = Secret.objects.create(**VALUES)

    def read():
        return Secret.objects.get(pk=secret.pk)

    def read_and_log():
        log_access(alice, Secret.objects.get(pk=secret.pk))

    unlogged, logged = median_seconds(read), median_seconds(read_and_log)
    assert report("read + ACCESS entry with seal", unlogged, logged, capsys) < 25
