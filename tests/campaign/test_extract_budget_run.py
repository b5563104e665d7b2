"""Inside a campaign, an extraction that overruns its budget is recorded, and the run goes on."""

from __future__ import annotations

import subprocess
import sys

from citewatch.storage import Store


def test_an_extraction_over_budget_is_an_error_capture_that_says_so(
    perplexity_replica, write_campaign, cli_env, db_url
) -> None:
    path = write_campaign(f"{perplexity_replica(answer_seconds=0.3).url}/", name="budget", repeats=1)
    done = subprocess.run(
        [sys.executable, "-m", "citewatch", "run", str(path), "--slot", "s1"],
        env={**cli_env, "CITEWATCH_EXTRACT_BUDGET_S": "0.001"},  # no extraction fits: every page overruns
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # errors need attention
    with Store.open(db_url) as store:
        captures = store.list_captures()
        assert len(captures) == 4 and {c.status for c in captures} == {"error"}
        for capture in captures:
            extraction = store.latest_extraction(capture.id)
            assert extraction is not None and "budget" in extraction.warnings[0]
            assert "dom" in capture.artifacts, "the page is kept for a replay"
