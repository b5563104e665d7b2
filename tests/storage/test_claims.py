"""Job claims: one holder per job at a time, taken over only from a dead or expired holder, on both back ends."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from collections import Counter

import pytest

from citewatch.storage import Store, owners

KEYS = 40
RACERS = 2

# Each racer claims every key as fast as it can and prints the keys it won, then holds them (sleeps) so its
# claims stay live while the other racer tries.
RACER = textwrap.dedent(
    """
    import sys, time
    from citewatch.storage import Store
    with Store.open(sys.argv[1]) as store:
        print("ready", flush=True)
        sys.stdin.readline()
        won = [key for key in (f"job-{{i}}" for i in range({keys})) if store.claim_job(key, lease_s=600)]
        print(" ".join(won), flush=True)
        sys.stdin.readline()
    """
).format(keys=KEYS)


def test_two_processes_claiming_the_same_jobs_get_each_job_once(db_url: str) -> None:
    Store.open(db_url).close()  # the schema exists before the race; its creation has its own test
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, db_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for _ in range(RACERS)
    ]
    for racer in racers:
        assert racer.stdout is not None and racer.stdout.readline().strip() == "ready"
    for racer in racers:  # start together
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    won = [racer.stdout.readline().split() for racer in racers if racer.stdout is not None]
    for racer in racers:
        racer.communicate("done\n", timeout=60)
    counts = Counter(key for keys in won for key in keys)
    assert len(counts) == KEYS and set(counts.values()) == {1}, counts


def test_a_claim_is_refused_while_its_holder_lives_and_taken_from_a_dead_or_expired_one(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_host = "elsewhere.example:1:token"
    monkeypatch.setattr(owners, "this_process", lambda: other_host)
    assert store.claim_job("a", lease_s=60)
    assert store.claim_job("a", lease_s=60), "the holder itself may claim again"
    monkeypatch.undo()
    assert not store.claim_job("a", lease_s=60), "a live holder keeps its job"
    assert not store.renew_claim("a", lease_s=60), "only the holder renews"
    store.release_claim("a")  # not the holder: nothing happens
    assert not store.claim_job("a", lease_s=60)

    assert store.claim_job("b", lease_s=-1)  # a lease that already ran out
    monkeypatch.undo()
    assert store.claim_job("b", lease_s=60), "an expired lease is taken over"

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    monkeypatch.setattr(owners, "this_process", lambda: f"{socket.gethostname()}:{dead.stdout.strip()}:token")
    assert store.claim_job("c", lease_s=600)
    monkeypatch.undo()
    assert store.claim_job("c", lease_s=60), "a holder on this host whose process is gone is replaced at once"
    store.release_claim("c")
    monkeypatch.setattr(owners, "this_process", lambda: other_host)
    assert store.claim_job("c", lease_s=60), "a released job is free"
