"""`citewatch doctor`: one live capture attempt, reported step by step, saved as a bundle for a bug report.

After each step of the capture pipeline every selector the engine's scraper uses (and the shared wall
vocabulary) is counted on the page, matched and visible, so a report says which one stopped matching. The bundle
holds the DOM, a screenshot, the Playwright trace, the step log (JSON and text) and the versions that ran.
"""

from __future__ import annotations

import json
import platform
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from citewatch import selectors
from citewatch.engines import get_engine
from citewatch.extract import extract_snapshot
from citewatch.models import CaptureStatus, Extraction, ExtractionStatus
from citewatch.scrapers._google import GoogleScraper
from citewatch.scrapers.base import ChatScraper, Target
from citewatch.scrapers.browser import BrowserSession
from citewatch.scrapers.pipeline import capture_once
from citewatch.scrapers.steps import WALLS

_VISIBLE_JS = "(els) => els.filter((el) => el.getClientRects().length > 0).length"
# Some selectors match only for a moment (a send button between typing and clicking, a stop button while the
# answer streams): the page itself watches for them, on every change of the DOM, and remembers across
# navigations (sessionStorage) which ones it ever showed. Playwright-only selectors (:has-text) are left to the
# step probes.
_WATCH_JS = """
(() => {
  const wanted = %s, key = "__citewatch_doctor_seen";
  const seen = JSON.parse(sessionStorage.getItem(key) || "{}");
  const check = () => {
    let changed = false;
    for (const [name, selector] of Object.entries(wanted)) {
      if (name in seen) continue;
      let found;
      try { found = document.querySelectorAll(selector); } catch (e) { continue; }
      if (Array.from(found).some((el) => el.getClientRects().length > 0)) {
        seen[name] = location.href;
        changed = true;
      }
    }
    if (changed) sessionStorage.setItem(key, JSON.stringify(seen));
  };
  const start = () => {
    check();
    new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true});
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
"""
_SEEN_JS = "() => JSON.parse(sessionStorage.getItem('__citewatch_doctor_seen') || '{}')"


@dataclass(frozen=True, slots=True)
class Match:
    selector: str
    count: int | None  # None: the selector could not be run on the page
    visible: int | None
    problem: str | None = None

    def describe(self) -> str:
        if self.count is None:
            return f"cannot run ({self.problem})"
        return f"{self.count} ({self.visible} visible)"


@dataclass(frozen=True, slots=True)
class StepReport:
    step: str
    url: str
    error: str | None
    matches: dict[str, Match]


@dataclass(slots=True)
class Diagnosis:
    engine: str
    base_url: str
    prompt: str
    capture_status: str = CaptureStatus.error.value
    page_status: str | None = None  # what the extractor reads on the saved page
    error: str | None = None
    citations: int = 0
    sources: int = 0
    warnings: list[str] = field(default_factory=list)
    selectors: dict[str, str] = field(default_factory=dict)  # role -> the selector the scraper used
    steps: list[StepReport] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)  # roles whose selector matched a visible element at some moment
    timings: dict[str, float] = field(default_factory=dict)
    versions: dict[str, str | bool | None] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        captured = self.capture_status == CaptureStatus.answered.value
        return captured and self.page_status == ExtractionStatus.answered.value

    def verdict(self) -> str:
        if self.answered:
            return f"{self.engine}: answered ({self.citations} citations, {self.sources} sources)"
        status = self.page_status if self.capture_status == "answered" else self.capture_status
        return f"{self.engine}: {status}: {self.error or '; '.join(self.warnings[:1]) or 'no answer on the page'}"


def scraper_selectors(scraper: ChatScraper) -> dict[str, str]:
    """Every selector the capture steps use, by the role it plays."""
    named: dict[str, str | None] = {
        "input": scraper.input,
        "submit": scraper.submit_button,
        "generating": scraper.generating,
        "answer": scraper.answer,
        "done": scraper.done,
        "failure": scraper.failure,
        "consent": ", ".join(scraper.consent_buttons),
        "login_wall": ", ".join(scraper.login_wall),
        "logged_in": scraper.logged_in,
        # A Google results page without an AI answer lacks the module, or displays the placeholder saying so.
        "module": scraper.module if isinstance(scraper, GoogleScraper) else None,
        "unavailable": scraper.unavailable if isinstance(scraper, GoogleScraper) else None,
        "citations": scraper.citation_marks,
        "sources": scraper.source_marks,
        "captcha": WALLS.css("captcha"),
        "cloudflare": WALLS.css("cloudflare"),
    }
    return {name: selector for name, selector in named.items() if selector}


class _Probe:
    """The pipeline's observer: counts every selector after each step."""

    def __init__(self, wanted: dict[str, str]) -> None:
        self.wanted = wanted
        self.steps: list[StepReport] = []
        self.shown: list[str] = []

    def opened(self, page: Page) -> None:
        page.add_init_script(_WATCH_JS % json.dumps(self.wanted))

    def seen(self, page: Page) -> list[str]:
        """The selectors the page showed at some moment of the capture (CSS ones only)."""
        try:
            shown = page.evaluate(_SEEN_JS)
        except PlaywrightError:
            return []
        return [name for name in self.wanted if name in shown]

    def after(self, step: str, page: Page, error: Exception | None) -> None:
        self.steps.append(
            StepReport(
                step=step,
                url=page.url,
                error=_first_line(error) if error else None,
                matches={name: _match(page, selector) for name, selector in self.wanted.items()},
            )
        )
        self.shown = self.seen(page)


def _match(page: Page, selector: str) -> Match:
    try:
        found = page.locator(selector)
        return Match(selector, found.count(), int(found.evaluate_all(_VISIBLE_JS)))
    except PlaywrightError as exc:
        return Match(selector, None, None, _first_line(exc))


def diagnose(session: BrowserSession, engine: str, target: Target, bundle: Path) -> Diagnosis:
    """One capture attempt with every step probed; the bundle is written to the folder `bundle`."""
    scraper = get_engine(engine).scraper
    probe = _Probe(scraper_selectors(scraper))
    outcome = capture_once(session, scraper, target, observer=probe)
    result = outcome.result
    diagnosis = Diagnosis(engine=engine, base_url=target.base_url, prompt=target.prompt)
    diagnosis.capture_status, diagnosis.error = result.status.value, result.error
    diagnosis.selectors, diagnosis.steps, diagnosis.shown = probe.wanted, probe.steps, probe.shown
    diagnosis.timings = result.timings
    diagnosis.warnings = list(result.warnings)
    snapshot = result.snapshot()
    extraction: Extraction | None = extract_snapshot(snapshot) if snapshot else None
    if extraction is not None:
        diagnosis.page_status = extraction.status.value
        diagnosis.citations, diagnosis.sources = len(extraction.citations), len(extraction.sources)
        diagnosis.warnings += extraction.warnings
    diagnosis.versions = _versions(engine, session)
    bundle.mkdir(parents=True, exist_ok=True)
    if result.html is not None:
        (bundle / "page.html").write_text(result.html, encoding="utf-8", errors="surrogateescape")
    if result.screenshot is not None:
        (bundle / "screenshot.png").write_bytes(result.screenshot)
    if result.trace is not None:
        (bundle / "trace.zip").write_bytes(result.trace)
    if extraction is not None:
        (bundle / "extraction.json").write_text(extraction.model_dump_json(indent=2), encoding="utf-8")
    (bundle / "steps.json").write_text(json.dumps(asdict(diagnosis), indent=2, default=str), encoding="utf-8")
    (bundle / "steps.txt").write_text(readable(diagnosis), encoding="utf-8")
    return diagnosis


def zip_bundle(bundle: Path) -> Path:
    return Path(shutil.make_archive(str(bundle), "zip", root_dir=bundle))


def readable(diagnosis: Diagnosis) -> str:
    lines = [f"citewatch doctor {diagnosis.engine} at {diagnosis.base_url}", f"prompt: {diagnosis.prompt}", ""]
    lines += ["selectors:", *(f"  {name:<11} {selector}" for name, selector in diagnosis.selectors.items()), ""]
    for report in diagnosis.steps:
        seconds = diagnosis.timings.get(report.step)
        took = f" in {seconds:.2f} s" if seconds is not None else ""
        lines.append(f"step {report.step}: {'FAILED' if report.error else 'ok'}{took} at {report.url}")
        if report.error:
            lines.append(f"  error: {report.error}")
        found = [f"{name} {match.describe()}" for name, match in report.matches.items() if match.count != 0]
        lines.append(f"  matched: {', '.join(found) or 'nothing'}")
    matched = {name for report in diagnosis.steps for name, match in report.matches.items() if match.count}
    lines += ["", f"shown during the capture: {', '.join(diagnosis.shown) or 'nothing'}"]
    never = [name for name in diagnosis.selectors if name not in matched and name not in diagnosis.shown]
    lines.append(f"never matched: {', '.join(never) or 'nothing'}")
    lines += ["", f"capture: {diagnosis.capture_status}", f"page (extractor): {diagnosis.page_status}"]
    lines += [f"warning: {warning}" for warning in diagnosis.warnings]
    lines += ["", *(f"{name}: {value}" for name, value in diagnosis.versions.items())]
    lines += ["", f"verdict: {diagnosis.verdict()}"]
    return "\n".join(lines) + "\n"


def _versions(engine: str, session: BrowserSession) -> dict[str, str | bool | None]:
    engine_selectors = selectors.current(engine)
    override = engine_selectors.override if engine_selectors else None
    return {
        "citewatch": version("citewatch"),
        "playwright": version("playwright"),
        "chromium": session.version,
        "python": platform.python_version(),
        "extractor": get_engine(engine).extractor.EXTRACTOR_VERSION,
        "selectors_digest": engine_selectors.digest if engine_selectors else "in code",
        "selectors_overridden": bool(engine_selectors and engine_selectors.overridden),
        "selectors_override": str(override) if override else None,
        "captured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
