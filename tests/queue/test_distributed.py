"""The distributed path for real: two Celery workers on Redis, PostgreSQL as the store, one killed mid-job.

Needs the Redis and PostgreSQL servers: outside CI an unreachable one skips with the reason, in CI it fails.
"""

from __future__ import annotations

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
