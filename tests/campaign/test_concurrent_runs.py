"""Two runs of one campaign at once share its jobs; a killed run is finished by the next one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

import pytest

from citewatch.batch import job_attempts
from citewatch.campaign import expand, load_campaign
from citewatch.models import CaptureResult, CaptureStatus
from citewatch.storage import Store

JOBS = 2 * 2  # prompts × locales, one repeat


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, db_url: str) -> str:
    return db_url if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))


def test_two_runs_of_one_campaign_at_once_capture_each_job_once(
    perplexity_replica, write_campaign, cli_env, store_url
) -> None:
    path = write_campaign(f"{perplexity_replica(answer_seconds=0.3).url}/", name="twice", repeats=1)
    Store.open(store_url).close()
    env = {**cli_env, "CITEWATCH_DB_URL": store_url}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "citewatch", "run", str(path), "--slot", "s1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=240) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    with Store.open(store_url) as store:
        captures = store.list_captures()
        per_job = Counter(c.job_key.split("#")[0] for c in captures if c.job_key)
    assert len(captures) == JOBS and {c.status for c in captures} == {"answered"}, [
        (c.job_key, c.status, c.error) for c in captures
    ]
    assert set(per_job.values()) == {1}


def test_a_capture_stored_but_never_extracted_is_extracted_by_the_next_run(
    cli, perplexity_replica, write_campaign, db_url
) -> None:
    path = write_campaign(f"{perplexity_replica(answer_seconds=0.3).url}/", name="unextracted", repeats=1)
    first = cli("run", str(path), "--slot", "s1")
    assert first.returncode == 0, first.stdout + first.stderr
    job = next(iter(expand(load_campaign(path), "s1")))
    with Store.open(db_url) as store:
        page = store.load_snapshot(job_attempts(store, job.key)[0].id).html
    # what a process killed between storing a capture and extracting it leaves, in a second slot
    second_job = next(iter(expand(load_campaign(path), "s2")))
    now = datetime.now(UTC)
    with Store.open(db_url) as store:
        run_id = store.start_run(kind="campaign", campaign="unextracted", label="s2")
        capture_id = store.start_capture(
            run_id=run_id, prompt=second_job.prompt, engine="perplexity", job_key=f"{second_job.key}#1"
        )
        store.finish_capture(
            capture_id,
            CaptureResult(
                engine="perplexity", status=CaptureStatus.answered, started_at=now, finished_at=now, html=page
            ),
        )
    resumed = cli("run", str(path), "--slot", "s2")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    with Store.open(db_url) as store:
        attempts = job_attempts(store, second_job.key)
        assert len(attempts) == 1, "extracted, not captured again"
        assert store.latest_extraction(capture_id) is not None
        assert len(store.list_captures(run_id=run_id)) == 1
        assert store.get_capture(capture_id).status == "answered"


def test_a_killed_runs_row_is_marked_interrupted_by_the_next_run(
    cli, perplexity_replica, write_campaign, db_url
) -> None:
    path = write_campaign(f"{perplexity_replica(answer_seconds=0.3).url}/", name="interrupted", repeats=1)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    alive = f"{socket.gethostname()}:{os.getpid()}:alive"
    with Store.open(db_url) as store:
        killed = store.start_run(
            kind="campaign",
            campaign="interrupted",
            label="s0",
            meta={"owner": f"{socket.gethostname()}:{gone.stdout.strip()}:x"},
        )
        live = store.start_run(kind="campaign", campaign="interrupted", label="s0", meta={"owner": alive})
    done = cli("run", str(path), "--slot", "s1")
    assert done.returncode == 0, done.stdout + done.stderr
    with Store.open(db_url) as store, store.engine.connect() as connection:
        from sqlalchemy import select

        from citewatch.storage import tables as t

        status = dict(connection.execute(select(t.Run.id, t.Run.status)).all())
    assert status[killed] == "interrupted"
    assert status[live] == "running", "a run whose process lives is left alone"
