"""Capture cost against a replica whose answer takes a known time.

    python benchmarks/bench_capture.py [--quick] [--answer-seconds S]

(a) harness overhead per capture: wall time of one capture minus the replica's own answer time, median and
    p90, with the time of each capture step; goal: under 0.5 s median;
(b) throughput with 1, 2, 4 and 8 concurrent contexts (N worker processes, one browser each, a fresh
    context per capture), as captures per minute;
(c) peak memory: resident memory of the browser processes while N contexts are open, per context.
Everything runs against 127.0.0.1, with bounded loops.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

from citewatch.engines import get_engine
from citewatch.replicas import serve
from citewatch.scrapers.base import Target
from citewatch.scrapers.browser import BrowserOptions, open_browser
from citewatch.scrapers.pipeline import capture_once

PROMPT = "best CRM for SaaS startups"


def _capture_many(url: str, count: int, answer_seconds: float) -> list[tuple[float, dict[str, float]]]:
    """Capture `count` times with one browser; (wall seconds, step timings) for each."""
    scraper = get_engine("perplexity").scraper
    target = Target(prompt=PROMPT, base_url=url, timeout_s=60 + answer_seconds)
    results = []
    with open_browser(BrowserOptions()) as session:
        for _ in range(count):
            start = time.perf_counter()
            outcome = capture_once(session, scraper, target)
            wall = time.perf_counter() - start
            if outcome.error is not None:
                raise RuntimeError(f"capture failed: {outcome.error}")
            results.append((wall, outcome.result.timings))
    return results


def _worker(args: tuple[str, int, float]) -> list[tuple[float, dict[str, float]]]:
    return _capture_many(*args)


def _rss_mb(pids: set[int]) -> float:
    """Resident memory of these processes and all their descendants, from /proc."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[parent].append(int(entry.name))
    todo, seen, total_kb = list(pids), set(), 0
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def overhead(url: str, count: int, answer_seconds: float) -> None:
    results = _capture_many(url, count, answer_seconds)[1:]  # the first warms the browser up
    extra = sorted(wall - answer_seconds for wall, _ in results)
    p90 = extra[min(len(extra) - 1, round(0.9 * (len(extra) - 1)))]
    print(f"(a) harness overhead beyond the {answer_seconds:.1f} s answer, over {len(extra)} captures:")
    print(f"    median {statistics.median(extra):.3f} s, p90 {p90:.3f} s (goal: median < 0.5 s)")
    steps: dict[str, list[float]] = defaultdict(list)
    for _, timings in results:
        for step, seconds in timings.items():
            steps[step].append(seconds)
    print("    median per step: " + ", ".join(f"{k} {statistics.median(v):.3f}" for k, v in steps.items()))
    detect = statistics.median(steps["answer"]) - answer_seconds
    print(f"    completion detection (answer step - answer time): {detect:.3f} s")


def throughput(url: str, levels: list[int], per_worker: int, answer_seconds: float) -> None:
    print("(b) throughput, N worker processes x one browser, a fresh context per capture:")
    context = multiprocessing.get_context("spawn")
    for n in levels:
        with context.Pool(n) as pool:
            start = time.perf_counter()
            batches = pool.map(_worker, [(url, per_worker, answer_seconds)] * n)
            elapsed = time.perf_counter() - start
        walls = [wall for batch in batches for wall, _ in batch]
        print(
            f"    N={n}: {len(walls) / elapsed * 60:6.1f} captures/min, mean latency {statistics.mean(walls):.2f} s "
            f"({len(walls)} captures in {elapsed:.1f} s)"
        )


def memory(url: str, levels: list[int]) -> None:
    print("(c) resident memory of one browser with N contexts open (each showing an answered page):")
    scraper = get_engine("perplexity").scraper
    target = Target(prompt=PROMPT, base_url=url, timeout_s=60)
    with open_browser(BrowserOptions()) as session:
        baseline = _rss_mb({os.getpid()})
        previous = (0, baseline)
        for n in levels:
            with ExitStack() as stack:
                for _ in range(n):
                    page = stack.enter_context(session.page())
                    page.goto(url)
                    scraper.submit(page, target)
                    scraper.wait_for_answer(page, target)
                now = _rss_mb({os.getpid()})
            marginal = (now - previous[1]) / (n - previous[0])
            per_context = (now - baseline) / n
            print(
                f"    N={n}: {now:7.0f} MB in all, {per_context:5.0f} MB per context, {marginal:5.0f} MB per added one"
            )
            previous = (n, now)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer captures: a smoke run")
    parser.add_argument("--answer-seconds", type=float, default=2.0)
    args = parser.parse_args()
    levels = [1, 2] if args.quick else [1, 2, 4, 8]
    with serve("perplexity", answer_seconds=args.answer_seconds) as server:
        url = f"{server.url}/"
        overhead(url, 4 if args.quick else 11, args.answer_seconds)
        throughput(url, levels, 2 if args.quick else 4, args.answer_seconds)
        memory(url, levels)
    return 0


if __name__ == "__main__":
    sys.exit(main())
