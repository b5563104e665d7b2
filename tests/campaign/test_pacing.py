"""Per-engine pacing and cool-down, decided before a job is handed to a browser."""

from __future__ import annotations

import time
from collections import deque

from citewatch.batch import JobOutcome, Pacer
from citewatch.campaign import expand, parse_campaign
from citewatch.models import CaptureStatus

CAMPAIGN = """
name = "paced"
repeats = 3
[[prompts]]
text = "x"
[engines.perplexity]
min_delay_s = 0.3
"""


def test_an_engine_waits_its_minimum_delay_between_starts() -> None:
    campaign = parse_campaign(CAMPAIGN)
    pending = deque(expand(campaign, "s"))
    skipped: list[JobOutcome] = []
    pacer = Pacer(campaign)
    first = pacer.pick(pending, skipped.append)
    assert first is not None and first.repeat == 1
    assert pacer.pick(pending, skipped.append) is None  # too soon
    assert 0.2 < pacer.wait_s(pending) <= 0.3
    time.sleep(pacer.wait_s(pending))
    second = pacer.pick(pending, skipped.append)
    assert second is not None and second.repeat == 2
    assert skipped == []


def test_a_wall_cools_the_engine_down_for_the_rest_of_the_run() -> None:
    campaign = parse_campaign(CAMPAIGN.replace("min_delay_s = 0.3", "min_delay_s = 0"))
    pending = deque(expand(campaign, "s"))
    skipped: list[JobOutcome] = []
    pacer = Pacer(campaign)
    job = pacer.pick(pending, skipped.append)
    assert job is not None
    pacer.record(JobOutcome(job, CaptureStatus.captcha))
    assert pacer.pick(pending, skipped.append) is None
    assert [o.status for o in skipped] == [None, None]
    assert all("cooled down" in (o.error or "") for o in skipped)


def test_an_unreachable_engine_is_skipped_for_the_rest_of_the_run_with_the_reason() -> None:
    campaign = parse_campaign(CAMPAIGN.replace("min_delay_s = 0.3", "min_delay_s = 0"))
    pending = deque(expand(campaign, "s"))
    skipped: list[JobOutcome] = []
    pacer = Pacer(campaign)
    job = pacer.pick(pending, skipped.append)
    assert job is not None
    reason = "perplexity cannot be reached from this machine: x.invalid (net::ERR_NAME_NOT_RESOLVED); not retried"
    pacer.record(JobOutcome(job, CaptureStatus.error, error=reason, unreachable=True))
    assert pacer.pick(pending, skipped.append) is None
    assert [(o.status, o.error) for o in skipped] == [(None, f"skipped: {reason}")] * 2


def test_an_ordinary_error_does_not_skip_the_engine() -> None:
    campaign = parse_campaign(CAMPAIGN.replace("min_delay_s = 0.3", "min_delay_s = 0"))
    pending = deque(expand(campaign, "s"))
    pacer = Pacer(campaign)
    job = pacer.pick(pending, lambda _o: None)
    assert job is not None
    pacer.record(JobOutcome(job, CaptureStatus.error, error="HTTP 503 from https://www.perplexity.ai/"))
    assert pacer.pick(pending, lambda _o: None) is not None
