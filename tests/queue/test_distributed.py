"""The distributed path for real: two Celery workers on Redis, PostgreSQL as the store, one killed mid-job.

Needs the Redis and PostgreSQL servers: outside CI an unreachable one skips with the reason, in CI it fails.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from citewatch.batch import job_attempts
from citewatch.campaign import expand, parse_campaign
from citewatch.replicas import serve
from citewatch.storage import Store

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.browser]

CAMPAIGN = """
name = "queued"
repeats = 2
timeout_s = 30
[[prompts]]
text = "best CRM for SaaS startups"
[[prompts]]
text = "how do heat pumps work"
[engines.perplexity]
base_url = "{url}"
"""


def test_two_workers_one_killed_mid_job_no_job_lost_or_doubled(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "CITEWATCH_DB_URL": postgres_url,
        "CITEWATCH_BROKER_URL": redis_url,
        "CITEWATCH_QUEUE_VISIBILITY_S": "5",  # a vanished worker's job comes back after 5 s
        "CITEWATCH_MAX_ATTEMPTS": "1",
    }
    Store.open(postgres_url).close()  # `citewatch db upgrade`, as the deployment docs say
    with serve("perplexity", answer_seconds=2.0) as server, ExitStack() as stack:
        campaign_path = tmp_path / "queued.toml"
        campaign_path.write_text(CAMPAIGN.format(url=f"{server.url}/"))
        logs = [stack.enter_context((tmp_path / f"worker{i}.log").open("w")) for i in range(2)]
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "citewatch", "worker", "--concurrency", "1"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,  # its own process group, so the kill takes its children too
            )
            for log in logs
        ]
        try:
            sent = subprocess.run(
                [sys.executable, "-m", "citewatch", "run", str(campaign_path), "--queue", "--no-wait", "--slot", "s1"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert sent.returncode == 0, sent.stdout + sent.stderr
            assert "sent 4 jobs" in sent.stdout
            with Store.open(postgres_url) as store:
                deadline = time.monotonic() + 90
                while time.monotonic() < deadline and len(store.list_captures(status="running")) < 2:
                    time.sleep(0.2)
                assert len(store.list_captures(status="running")) == 2, "both workers should be capturing"
                os.killpg(workers[0].pid, signal.SIGKILL)  # mid-job, no clean-up
                workers[0].wait(timeout=30)

                jobs = list(expand(parse_campaign(campaign_path.read_text()), "s1"))
                deadline = time.monotonic() + 180
                while time.monotonic() < deadline:
                    answered = [any(a.status == "answered" for a in job_attempts(store, job.key)) for job in jobs]
                    if all(answered):
                        break
                    time.sleep(0.5)
                written = "\n".join(p.read_text() for p in tmp_path.glob("worker*.log"))
                assert all(answered), f"jobs left unfinished; worker logs:\n{written[-3000:]}"
                captures = store.list_captures()
        finally:
            for worker in workers:
                if worker.poll() is None:
                    os.killpg(worker.pid, signal.SIGTERM)
                    worker.wait(timeout=30)
    statuses = sorted(c.status for c in captures)
    assert statuses.count("answered") == 4, statuses
    assert statuses.count("incomplete") == 1, "the killed attempt is kept, marked incomplete"
    assert len(captures) == 5
    abandoned = next(c for c in captures if c.status == "incomplete")
    assert "died" in (abandoned.error or "")
    assert all(sum(a.status == "answered" for a in job_attempts_of(captures, job.key)) == 1 for job in jobs)


def job_attempts_of(captures, key):
    return [c for c in captures if (c.job_key or "").startswith(f"{key}#")]


def _with_password(url: str) -> str:
    """The test server trusts local connections, so a password in the URL is accepted and never checked."""
    return url.replace("postgres@", "postgres:s3cret-pw@", 1)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_store_travels_with_the_job_and_run_waits_for_it(
    backend: str, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    """`run --queue --db X` from one folder, a worker started in another folder with no CITEWATCH_DB_URL of its
    own (SQLite) or with the same store spelled with its password (PostgreSQL): the captures land in X, the
    run waits for them and prints the summary, and no password is printed or sent."""
    submit_dir, worker_dir = tmp_path / "submit", tmp_path / "worker"
    submit_dir.mkdir()
    worker_dir.mkdir()
    run_db = "sqlite:///q.db" if backend == "sqlite" else _with_password(postgres_url)
    base_env = {k: v for k, v in os.environ.items() if k != "CITEWATCH_DB_URL"}
    env = {**base_env, "CITEWATCH_BROKER_URL": redis_url, "CITEWATCH_MAX_ATTEMPTS": "1", "COLUMNS": "200"}
    worker_env = env if backend == "sqlite" else {**env, "CITEWATCH_DB_URL": run_db}
    with serve("perplexity", answer_seconds=0.2) as server, (tmp_path / "worker.log").open("w") as log:
        campaign_path = submit_dir / "queued.toml"
        campaign_path.write_text(CAMPAIGN.format(url=f"{server.url}/").replace("repeats = 2", "repeats = 1"))
        worker = subprocess.Popen(
            [sys.executable, "-m", "citewatch", "worker", "--broker", redis_url],
            env=worker_env,
            cwd=worker_dir,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            done = subprocess.run(
                [sys.executable, "-m", "citewatch", "run", "queued.toml", "--queue", "--db", run_db, "--slot", "s1"],
                env=env,
                cwd=submit_dir,
                capture_output=True,
                text=True,
                timeout=240,
                check=False,
            )
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
    worker_log = (tmp_path / "worker.log").read_text()
    assert done.returncode == 0, done.stdout + done.stderr + worker_log[-3000:]
    assert "Run summary" in done.stdout
    assert "s3cret-pw" not in done.stdout + done.stderr + worker_log
    assert not (worker_dir / "citewatch.db").exists(), "the worker must not store into its own default database"
    store_url = f"sqlite:///{submit_dir / 'q.db'}" if backend == "sqlite" else postgres_url
    with Store.open(store_url) as store:
        assert sorted(c.status for c in store.list_captures()) == ["answered", "answered"]


def test_messages_carry_the_job_key_and_store_without_password_or_campaign() -> None:
    from citewatch.queue import job_message

    campaign = parse_campaign(
        CAMPAIGN.format(url="http://127.0.0.1:1/")
        + '[[locales]]\nname = "de"\nproxy = "http://user:proxy-secret@proxy.example:3128"\n'
    )
    job = next(expand(campaign, "s1"))
    message = job_message("postgresql+psycopg://citewatch:db-secret@db-host:5432/citewatch", job, 7)
    body = json.dumps(message)
    assert message == {"store": "postgresql+psycopg://citewatch@db-host:5432/citewatch", "run_id": 7, "job": job.key}
    assert "secret" not in body
    assert len(body) < 300


def test_run_queue_without_workers_stops_waiting_and_names_what_is_outstanding(redis_url: str, tmp_path: Path) -> None:
    campaign_path = tmp_path / "queued.toml"
    campaign_path.write_text(CAMPAIGN.format(url="http://127.0.0.1:1/"))
    done = subprocess.run(
        [sys.executable, "-m", "citewatch", "run", str(campaign_path), "--queue", "--timeout", "2", "--slot", "s1"],
        env={**os.environ, "CITEWATCH_BROKER_URL": redis_url, "CITEWATCH_DB_URL": f"sqlite:///{tmp_path / 'q.db'}"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "no worker answers" in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: no job finished for 2 s, 4 still outstanding (queued|s1|perplexity|default|"), last
