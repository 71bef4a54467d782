"""What the sealed head and the anchors cost, as ratios measured in one run (interleaved rounds;
the machine is noisy). The bounds catch an order-of-magnitude regression, not noise."""

import statistics
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from audit import anchor, seal
from audit.models import ChainHead, Seal
from tests.testapp.models import Secret

ROUNDS, PER_ROUND = 5, 30
NEVER = 10**9


def report(name, base, measured, capsys, unit=1e6, label="µs"):
    with capsys.disabled():
        print(
            f"\n[cost] {name}: {measured * unit:.1f} {label} vs {base * unit:.1f} {label} "
            f"= {measured / base:.2f}×"
        )
    return measured / base


@pytest.mark.django_db
def test_anchoring_cost_per_entry(settings, capsys, django_capture_on_commit_callbacks):
    """An entry written with anchors at the default cadence, and with an anchor (append and
    fsync) after every entry, against the same entry with anchoring switched off."""
    cadences = {
        "never": (NEVER, NEVER),
        "default": (1000, 300),
        "every entry": (1, NEVER),
    }
    timings = {name: [] for name in cadences}
    for _ in range(ROUNDS):
        for name, (every, seconds) in cadences.items():
            settings.SSPF_AUDIT_ANCHOR_EVERY, settings.SSPF_AUDIT_ANCHOR_SECONDS = every, seconds
            ChainHead.objects.update(anchored_at=None)
            start = time.perf_counter()
            for i in range(PER_ROUND):
                with django_capture_on_commit_callbacks(execute=True):
                    Secret.objects.create(label=f"{name} {i}")
            timings[name].append((time.perf_counter() - start) / PER_ROUND)
    never, default, every = (statistics.median(timings[name]) for name in cadences)
    assert report("sealed entry, anchors at the default cadence", never, default, capsys) < 1.5
    assert report("sealed entry, an anchor after every entry", never, every, capsys) < 20


@pytest.mark.django_db
def test_verify_cost_with_anchors(settings, capsys):
    """verify_audit_log over 500 entries without anchors, and with one anchor per 5 entries."""
    settings.SSPF_AUDIT_ANCHOR_EVERY = settings.SSPF_AUDIT_ANCHOR_SECONDS = NEVER
    for i in range(500):
        Secret.objects.create(label=f"row {i}")
    seal.seal_pending()
    head = ChainHead.objects.get()
    anchored = Path(settings.SSPF_AUDIT_ANCHOR).with_name("anchored.jsonl")
    seals = list(Seal.objects.order_by("position").values_list("entry_id", "value"))
    anchored.write_text(
        "".join(
            anchor.make(anchor.State(entry_id, value, n)).line() + "\n"
            for n, (entry_id, value) in enumerate(seals, start=1)
            if n % 5 == 0
        )
    )
    assert head.entry_count == 500

    def run(*args):
        start = time.perf_counter()
        call_command("verify_audit_log", *args, stdout=StringIO())
        return time.perf_counter() - start

    bare, checked = [], []
    for _ in range(5):
        settings.SSPF_AUDIT_ANCHOR = str(anchored.with_name("empty.jsonl"))
        Path(settings.SSPF_AUDIT_ANCHOR).unlink(missing_ok=True)
        bare.append(run())
        checked.append(run("--anchors", str(anchored)))
    ratio = report(
        "verify 500 entries: against 100 anchors vs none",
        statistics.median(bare),
        statistics.median(checked),
        capsys,
        unit=1e3,
        label="ms",
    )
    assert ratio < 1.5
