"""`citewatch run`: a campaign against the replica, resumed after a kill, cooled down after a block."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter

from citewatch.batch import job_attempts
from citewatch.campaign import expand, load_campaign
from citewatch.storage import Store

JOBS = 2 * 2 * 2  # prompts × locales × repeats


def answered_per_job(db_url: str, campaign_path, slot: str) -> Counter[str]:
    """How many answered captures each job has (more than one would be a duplicate)."""
    counts: Counter[str] = Counter()
    with Store.open(db_url) as store:
        for job in expand(load_campaign(campaign_path), slot):
            counts[job.key] = sum(a.status == "answered" for a in job_attempts(store, job.key))
    return counts


def test_dry_run_lists_every_job(cli, perplexity_replica, write_campaign) -> None:
    path = write_campaign(f"{perplexity_replica().url}/")
    done = cli("run", str(path), "--dry-run", "--slot", "s1")
    assert done.returncode == 0, done.stderr
    assert f"{JOBS} jobs, {JOBS} would run" in done.stdout
    assert done.stdout.count("test|s1|perplexity|") == JOBS


def test_a_campaign_runs_then_is_skipped_when_run_again(cli, perplexity_replica, write_campaign, db_url) -> None:
    path = write_campaign(f"{perplexity_replica().url}/")
    first = cli("run", str(path), "--slot", "s1")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Run summary" in first.stdout
    assert set(answered_per_job(db_url, path, "s1").values()) == {1}
    again = cli("run", str(path), "--slot", "s1")
    assert again.returncode == 0 and f"0 jobs to run, {JOBS} already handled" in again.stdout
    with Store.open(db_url) as store:
        captures = store.list_captures()
    assert len(captures) == JOBS and {c.status for c in captures} == {"answered"}
    assert {c.locale for c in captures} == {"en-US", "en-GB"}


def test_two_browser_processes_share_the_work(cli, perplexity_replica, write_campaign, db_url) -> None:
    path = write_campaign(f"{perplexity_replica().url}/", name="pool", repeats=1, concurrency=2)
    done = cli("run", str(path), "--slot", "s1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(answered_per_job(db_url, path, "s1").values()) == {1}


def test_a_killed_run_resumes_without_losing_or_duplicating(
    perplexity_replica, write_campaign, db_url, cli, cli_env
) -> None:
    path = write_campaign(f"{perplexity_replica(answer_seconds=1.5).url}/", name="killed")
    child = subprocess.Popen(
        [sys.executable, "-m", "citewatch", "run", str(path), "--slot", "s1"],
        env=cli_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sum(answered_per_job(db_url, path, "s1").values()) < 2:
        time.sleep(0.3)
    child.kill()  # SIGKILL: no clean-up runs
    child.wait(timeout=30)
    before = answered_per_job(db_url, path, "s1")
    assert 2 <= sum(before.values()) < JOBS
    resumed = cli("run", str(path), "--slot", "s1")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    after = answered_per_job(db_url, path, "s1")
    assert set(after.values()) == {1}, "every job answered exactly once"
    with Store.open(db_url) as store:
        captures = store.list_captures()
        answered = [c for c in captures if c.status == "answered"]
        assert len(answered) == JOBS
        for key, count in before.items():  # what was captured before the kill is still there, unchanged
            if count:
                assert job_attempts(store, key)[0].status == "answered"
        leftovers = [c for c in captures if c.status not in ("answered",)]
        assert all(c.status == "incomplete" and "died" in (c.error or "") for c in leftovers)


def test_a_blocked_engine_is_cooled_down_and_the_run_says_so(cli, perplexity_replica, write_campaign, db_url) -> None:
    path = write_campaign(f"{perplexity_replica('cloudflare').url}/", name="walled")
    done = cli("run", str(path), "--slot", "s1")
    assert done.returncode == 1
    assert "cooled down" in done.stdout
    with Store.open(db_url) as store:
        assert [c.status for c in store.list_captures()] == ["blocked"]  # asked once, not eight times
    retry = cli("run", str(path), "--slot", "s1", "--only-failed", "--dry-run")
    assert "1 would run" in retry.stdout


def test_an_invalid_campaign_is_one_clear_line(cli, tmp_path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\n[[prompts]]\ntxt = "typo"\n[engines.perplexity]\n')
    done = cli("run", str(path))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: {path}: line 2, prompts[1].text: Field required; "
        "line 3, prompts[1].txt: Extra inputs are not permitted"
    ]
