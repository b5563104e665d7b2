"""Replay: run the current extractors over stored snapshots, keep new versioned extractions, say what changed.

No recapture is needed when an engine changes its page: the raw snapshots were kept (Scrapy's HTTP cache
with the network off).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from citewatch.errors import CitewatchError, ConfigError
from citewatch.extract import extract_snapshot
from citewatch.models import Extraction
from citewatch.scrapers.browser import BrowserOptions, open_browser
from citewatch.storage import Store


@dataclass(frozen=True, slots=True)
class Change:
    """What a new extraction says differently from the previous one of the same capture."""

    capture_id: int
    engine: str
    previous_version: str | None
    version: str
    status: tuple[str, str] | None = None
    citations_added: list[str] = field(default_factory=list)
    citations_removed: list[str] = field(default_factory=list)
    sources_added: list[str] = field(default_factory=list)
    sources_removed: list[str] = field(default_factory=list)
    answer_changed: bool = False
    stored: bool = False
    error: str | None = None  # the capture could not be replayed (unreadable artifact, refused by the store)

    @property
    def changed(self) -> bool:
        return bool(
            self.status
            or self.citations_added
            or self.citations_removed
            or self.sources_added
            or self.sources_removed
            or self.answer_changed
        )


def _urls(records: list[str | None]) -> list[str]:
    return sorted({url for url in records if url})


def diff(capture_id: int, previous: Extraction | None, current: Extraction) -> Change:
    before_c = _urls([c.canonical_url for c in previous.citations]) if previous else []
    after_c = _urls([c.canonical_url for c in current.citations])
    before_s = _urls([s.canonical_url for s in previous.sources]) if previous else []
    after_s = _urls([s.canonical_url for s in current.sources])
    status = None
    if previous is None or previous.status is not current.status:
        status = (previous.status.value if previous else "none", current.status.value)
    return Change(
        capture_id=capture_id,
        engine=current.engine,
        previous_version=previous.extractor_version if previous else None,
        version=current.extractor_version,
        status=status,
        citations_added=[u for u in after_c if u not in before_c],
        citations_removed=[u for u in before_c if u not in after_c],
        sources_added=[u for u in after_s if u not in before_s],
        sources_removed=[u for u in before_s if u not in after_s],
        answer_changed=previous is not None and previous.answer.text != current.answer.text,
    )


def replay(store: Store, capture_ids: list[int]) -> Iterator[Change]:
    """Re-extract each capture; a new extraction row is stored when the version or the record differs."""
    for capture_id in capture_ids:
        try:
            record = store.get_capture(capture_id)
            if "dom" not in record.artifacts:
                continue
            previous = store.latest_extraction(capture_id)
            current = extract_snapshot(store.load_snapshot(capture_id))
            change = diff(capture_id, previous, current)
            if previous != current:
                store.save_extraction(capture_id, current)
                change = replace(change, stored=True)
        except CitewatchError as exc:  # one bad capture is reported; the others are still replayed
            yield Change(capture_id, "?", None, "", error=str(exc))
            continue
        yield change


# Rendering a stored page must reach nothing: every request the page makes is aborted (`route`), the page is
# loaded as content rather than navigated to (no URL for Chromium to rewrite or fetch), and, for what Chromium
# does below the routing layer (preconnects, an out-of-process iframe racing the interception), no host name
# resolves and every connection, loopback included, is sent to a proxy address that cannot be connected to.
OFFLINE_ARGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=socks5://255.255.255.255:1",
    "--proxy-bypass-list=<-loopback>",
)


def render(store: Store, capture_id: int, output: Path) -> Path:
    """Open a stored snapshot offline (JavaScript off, every request aborted) and save a screenshot."""
    snapshot = store.load_snapshot(capture_id)
    html = snapshot.html if isinstance(snapshot.html, str) else snapshot.html.decode("utf-8", "replace")
    with open_browser(BrowserOptions(extra_args=OFFLINE_ARGS)) as session, session.page(javascript=False) as page:
        page.route("**/*", lambda route: route.abort())
        page.set_content(html, wait_until="load")
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(output), full_page=True)
        except OSError as exc:
            raise ConfigError(f"cannot write {output}: {exc.strerror or exc}") from exc
        except PlaywrightError as exc:
            raise ConfigError(f"cannot write {output}: {str(exc).strip().splitlines()[0]}") from exc
    return output
