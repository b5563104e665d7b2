"""Capture cost against the Perplexity replica, whose answer streams for a known time.

    python benchmarks/bench_capture.py [--quick] [--answer-seconds S] [--trace off|on-failure|on]

(a) harness overhead per capture: wall time of `capture_once` minus the replica's answer time, median and p90
    over sequential captures, broken down by step (goal: under 0.5 s median);
(b) throughput with 1, 2, 4 and 8 concurrent contexts: N spawned worker processes, one browser each, a fresh
    context per capture, each worker doing the same number of captures;
(c) peak memory of one browser's processes (/proc VmRSS and Pss) while N answered contexts are open.
Only 127.0.0.1 is contacted; every wait is bounded. benchmarks/README.md explains the figures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Request, sync_playwright

from citewatch.engines import get_engine
from citewatch.errors import CitewatchError
from citewatch.models import TraceMode
from citewatch.replicas import serve
from citewatch.replicas.perplexity.app import ASK_PATH
from citewatch.scrapers.base import ChatScraper, Target
from citewatch.scrapers.browser import BrowserOptions, BrowserSession, Identity
from citewatch.scrapers.pipeline import capture_once

PROMPT = "best CRM for SaaS startups"
GOAL_S = 0.5
LEVELS = (1, 2, 4, 8)
STEPS_TO_ANSWER = ("open", "consent", "walls", "submit", "answer")  # pipeline order up to a complete answer
START_TIMEOUT_S = 180.0  # spawn, import, launch a browser and warm it up, on a loaded 2-core machine
CAPTURE_BUDGET_S = 90.0  # per capture and worker, on top of the answer time, before a level is abandoned
SAMPLE_EVERY_S = 0.2
TRACE_ENV = "CITEWATCH_BENCH_TRACE"  # the trace mode, passed to the spawned workers
_TICKS = os.sysconf("SC_CLK_TCK")


# --- /proc: process tree, memory, CPU -------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat after the command name (which may hold spaces): field 4 (ppid) is index 1."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _descendants(root: int, keep: Callable[[int], bool] = lambda pid: True) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(int(_stat_fields(int(entry.name))[1]), []).append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return [pid for pid in found if keep(pid)]


def _is_chromium(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().startswith("chrom")  # chromium, chrome, chrome-headless…
    except OSError:
        return False


def _kb(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass  # the process exited between listing and reading
    return 0


def _memory_mb(pids: Sequence[int]) -> tuple[float, float]:
    """(RSS, PSS) summed in MB. RSS counts shared pages once per process; PSS splits them between sharers."""
    rss = sum(_kb(f"/proc/{pid}/status", "VmRSS:") for pid in pids)
    pss = sum(_kb(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids)
    return rss / 1024, pss / 1024


def _tree_cpu_s(root: int) -> float:
    """CPU seconds of a process and its descendants, exited ones included (reaped into their parent's cutime)."""
    total = 0
    for pid in [root, *_descendants(root)]:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / _TICKS


class PeakMemory:
    """Samples the memory of this process's descendants in a thread; `peak()` is the highest sum seen."""

    def __init__(self, keep: Callable[[int], bool] = lambda pid: True) -> None:
        self._keep = keep
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._peak = (0.0, 0.0)
        self._thread = threading.Thread(target=self._run, name="peak-memory", daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def now(self) -> tuple[float, float]:
        return _memory_mb(_descendants(os.getpid(), self._keep))

    def reset(self) -> None:
        with self._lock:
            self._peak = self.now()

    def peak(self) -> tuple[float, float]:
        self.sample()
        with self._lock:
            return self._peak

    def sample(self) -> None:
        rss, pss = self.now()
        with self._lock:
            self._peak = (max(self._peak[0], rss), max(self._peak[1], pss))

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            self.sample()


# --- one probed capture -----------------------------------------------------------------------------------


@dataclass  # no slots: Playwright keeps its wrapper of a listener on the listener's object
class _Probe:
    """What the pipeline does not time itself: its context's creation and closing, and the answer stream."""

    context_open: float = 0.0
    context_close: float = 0.0
    page_ready_at: float = 0.0  # epoch seconds, when the pipeline got its page
    stream_end_at: float | None = None  # epoch seconds, when the browser received the stream's last byte
    stream_s: float | None = None  # first to last byte of the answer stream, as the browser saw it

    def on_request_finished(self, request: Request) -> None:
        if ASK_PATH in request.url:
            timing = request.timing
            self.stream_end_at = (timing["startTime"] + timing["responseEnd"]) / 1000
            self.stream_s = (timing["responseEnd"] - timing["responseStart"]) / 1000


class ProbedSession(BrowserSession):
    """The pipeline's own session, with its page factory timed; with `hold` set, contexts stay open."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.probe = _Probe()
        self.hold: ExitStack | None = None

    @contextmanager
    def page(self, *, javascript: bool = True, identity: Identity | None = None) -> Iterator[Page]:
        probe = self.probe = _Probe()
        start = time.perf_counter()
        with ExitStack() as own:
            page = (self.hold or own).enter_context(super().page(javascript=javascript, identity=identity))
            probe.context_open = time.perf_counter() - start
            page.on("requestfinished", probe.on_request_finished)
            probe.page_ready_at = time.time()
            yield page
            closing = time.perf_counter()
        probe.context_close = time.perf_counter() - closing


@contextmanager
def probed_browser() -> Iterator[ProbedSession]:
    with sync_playwright() as playwright:
        trace = TraceMode(os.environ.get(TRACE_ENV, TraceMode.on_failure.value))
        session = ProbedSession.launch(playwright, BrowserOptions(trace=trace))
        assert isinstance(session, ProbedSession)  # launch() builds `cls`
        try:
            yield session
        finally:
            session.close()


@dataclass(frozen=True, slots=True)
class Sample:
    status: str
    error: str | None
    started_at: float  # epoch seconds
    wall: float  # capture_once, context creation and closing included
    timings: dict[str, float]  # the pipeline's own, per step
    context_open: float
    context_close: float
    stream_s: float | None
    detection: float | None  # from the stream's last byte to the pipeline seeing a complete answer

    @property
    def unaccounted(self) -> float:
        """Wall time outside the steps and the context: the network records and building the result."""
        return self.wall - self.context_open - self.context_close - sum(self.timings.values())


def capture(session: ProbedSession, scraper: ChatScraper, target: Target) -> Sample:
    started_at, start = time.time(), time.perf_counter()
    outcome = capture_once(session, scraper, target)
    wall = time.perf_counter() - start
    probe, result = session.probe, outcome.result
    answered_at = probe.page_ready_at + sum(result.timings.get(step, 0.0) for step in STEPS_TO_ANSWER)
    detection = answered_at - probe.stream_end_at if probe.stream_end_at and outcome.error is None else None
    return Sample(
        status=result.status.value,
        error=result.error,
        started_at=started_at,
        wall=wall,
        timings=dict(result.timings),
        context_open=probe.context_open,
        context_close=probe.context_close,
        stream_s=probe.stream_s,
        detection=detection,
    )


def _target(url: str, answer_seconds: float) -> Target:
    return Target(prompt=PROMPT, base_url=url, timeout_s=60 + answer_seconds)


# --- worker processes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkerReport:
    samples: list[Sample] = field(default_factory=list)
    cpu_s: float = 0.0  # the worker, its Playwright driver and its browser, over the measured captures
    error: str | None = None


def _worker(url: str, count: int, answer_seconds: float, barrier: Any, results: Any) -> None:
    """One browser; a warm-up capture, then `count` captures once every worker is ready."""
    try:
        scraper = get_engine("perplexity").scraper
        target = _target(url, answer_seconds)
        with probed_browser() as session:
            capture(session, scraper, target)  # a new browser's first page pays for caches a long run has warm
            barrier.wait(START_TIMEOUT_S)
            cpu_start = _tree_cpu_s(os.getpid())
            samples = [capture(session, scraper, target) for _ in range(count)]
            cpu_s = _tree_cpu_s(os.getpid()) - cpu_start
        results.put(WorkerReport(samples, cpu_s))
    except (CitewatchError, PlaywrightError, threading.BrokenBarrierError, OSError) as exc:
        barrier.abort()
        results.put(WorkerReport(error=f"{type(exc).__name__}: {exc}"))


@dataclass(frozen=True, slots=True)
class Level:
    workers: int
    samples: list[Sample]
    errors: list[str]
    window_s: float  # from the start signal to the last capture's end
    cpu_s: float  # workers + browsers
    replica_cpu_s: float  # this process: the replica server (and the memory sampler)
    peak_pss_mb: float

    @property
    def answered(self) -> list[Sample]:
        return [s for s in self.samples if s.status == "answered"]


def run_level(url: str, workers: int, count: int, answer_seconds: float) -> Level:
    """Start `workers` processes, release them together, wait (bounded) for every report."""
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(workers + 1), spawn.Queue()
    processes = [
        spawn.Process(target=_worker, args=(url, count, answer_seconds, barrier, results), daemon=True)
        for _ in range(workers)
    ]
    reports: list[WorkerReport] = []
    with PeakMemory() as memory:
        for process in processes:
            process.start()
        with suppress(threading.BrokenBarrierError):  # a worker failed to start: its report says why
            barrier.wait(START_TIMEOUT_S)
        memory.reset()
        released, cpu_start = time.time(), os.times()
        deadline = time.monotonic() + START_TIMEOUT_S + count * (CAPTURE_BUDGET_S + answer_seconds)
        while len(reports) < workers and time.monotonic() < deadline:
            try:
                reports.append(results.get(timeout=1.0))
            except queue.Empty:
                continue
        cpu_end = os.times()
        peak = memory.peak()[1]
    for process in processes:
        process.join(30)
        if process.is_alive():
            process.terminate()  # past its budget: closing its driver's pipe takes its browser down too
            process.join(10)
    samples = [sample for report in reports for sample in report.samples]
    errors = [report.error for report in reports if report.error]
    if len(reports) < workers:
        errors.append(f"{workers - len(reports)} worker(s) gave no report within the time limit")
    ends = [s.started_at + s.wall for s in samples]
    return Level(
        workers=workers,
        samples=samples,
        errors=errors,
        window_s=(max(ends) - released) if ends else 0.0,
        cpu_s=sum(report.cpu_s for report in reports),
        replica_cpu_s=(cpu_end.user + cpu_end.system) - (cpu_start.user + cpu_start.system),
        peak_pss_mb=peak,
    )


# --- the three measurements -----------------------------------------------------------------------------


def _p90(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def _row(label: str, values: Sequence[float], note: str = "") -> str:
    if not values:
        return f"  {label:<38} {'-':>7} {'-':>7}  {note}"
    return f"  {label:<38} {statistics.median(values):7.3f} {_p90(values):7.3f}  {note}".rstrip()


def overhead(url: str, count: int, answer_seconds: float) -> bool:
    """(a); True when the median overhead meets the goal."""
    level = run_level(url, 1, count, answer_seconds)
    done = level.answered
    print(f"(a) harness overhead per capture: {len(done)}/{count} sequential captures answered, one browser")
    for error in level.errors + [s.error for s in level.samples if s.error]:
        print(f"    ! {error}")
    if not done:
        return False
    extra = [s.wall - answer_seconds for s in done]
    print(f"  {'seconds':<38} {'median':>7} {'p90':>7}")
    print(_row(f"capture wall time - {answer_seconds:g} s answer", extra, f"goal: median < {GOAL_S} s"))
    print(_row("  new context + page", [s.context_open for s in done]))
    for step in dict.fromkeys(k for s in done for k in s.timings):
        values = [s.timings[step] for s in done if step in s.timings]
        if step == "answer":
            print(_row("  answer step - answer time", [v - answer_seconds for v in values], "completion detection"))
            print(_row("    of which: last byte -> detected", [s.detection for s in done if s.detection is not None]))
        else:
            print(_row(f"  {step}", values))
    print(_row("  network records, result", [s.unaccounted for s in done]))
    print(_row("  context close", [s.context_close for s in done]))
    print(_row("replica stream, first to last byte", [s.stream_s for s in done if s.stream_s is not None]))
    print(
        f"  CPU per capture: {level.cpu_s / len(done):.2f} s harness+browser, "
        f"{level.replica_cpu_s / len(done):.2f} s replica server"
    )
    return statistics.median(extra) < GOAL_S


def throughput(url: str, levels: Sequence[int], count: int, answer_seconds: float) -> None:
    print(f"(b) throughput: N worker processes, one browser each, a fresh context per capture, {count} per worker")
    print(
        f"  {'N':>2} {'ok':>4} {'fail':>4} {'window s':>8} {'capt/min':>8} {'latency s':>9} {'p90 s':>6} "
        f"{'CPU s/capt':>10} {'peak PSS MB':>11} {'MB/worker':>9}"
    )
    for n in levels:
        level = run_level(url, n, count, answer_seconds)
        done, failed = level.answered, len(level.samples) - len(level.answered)
        walls = [s.wall for s in done] or [0.0]
        rate = len(done) / level.window_s * 60 if level.window_s else 0.0
        print(
            f"  {n:>2} {len(done):>4} {failed:>4} {level.window_s:8.1f} {rate:8.1f} {statistics.mean(walls):9.2f} "
            f"{_p90(walls):6.2f} {(level.cpu_s + level.replica_cpu_s) / max(1, len(done)):10.2f} "
            f"{level.peak_pss_mb:11.0f} {level.peak_pss_mb / n:9.0f}"
        )
        for error in level.errors + sorted({s.error for s in level.samples if s.error}):
            print(f"     ! {error}")


def memory(url: str, levels: Sequence[int], answer_seconds: float) -> None:
    print("(c) memory of one browser (Chromium processes only), N answered contexts held open")
    print(f"  {'N':>2} {'peak RSS MB':>11} {'peak PSS MB':>11} {'RSS/added':>9} {'PSS/added':>9}")
    scraper = get_engine("perplexity").scraper
    target = _target(url, answer_seconds)
    with probed_browser() as session, ExitStack() as held, PeakMemory(_is_chromium) as sampler:
        capture(session, scraper, target)  # warm-up, closed: the browser as a worker has it between captures
        time.sleep(1.0)
        sampler.reset()
        previous = (0, *sampler.peak())
        print(f"  {0:>2} {previous[1]:11.0f} {previous[2]:11.0f}")
        session.hold = held
        opened = 0
        for n in levels:
            while opened < n:
                sample = capture(session, scraper, target)
                opened += 1
                if sample.error:
                    print(f"     ! context {opened}: {sample.error}")
            rss, pss = sampler.peak()
            added = n - previous[0]
            per_rss, per_pss = (rss - previous[1]) / added, (pss - previous[2]) / added
            print(f"  {n:>2} {rss:11.0f} {pss:11.0f} {per_rss:9.0f} {per_pss:9.0f}")
            previous = (n, rss, pss)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer captures, 1 and 2 contexts")
    parser.add_argument("--answer-seconds", type=float, default=2.0, help="how long the replica streams an answer")
    parser.add_argument(
        "--trace", choices=[m.value for m in TraceMode], default=TraceMode.on_failure.value, help="trace mode"
    )
    args = parser.parse_args()
    os.environ[TRACE_ENV] = args.trace
    levels = LEVELS[:2] if args.quick else LEVELS
    print(
        f"trace {args.trace}, answer time {args.answer_seconds:g} s, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    with serve("perplexity", answer_seconds=args.answer_seconds) as server:
        url = f"{server.url}/"
        met = overhead(url, 3 if args.quick else 10, args.answer_seconds)
        throughput(url, levels, 2 if args.quick else 4, args.answer_seconds)
        memory(url, levels, args.answer_seconds)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
