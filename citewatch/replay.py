"""Replay: run the current extractors over stored snapshots, keep new versioned extractions, say what changed.

No recapture is needed when an engine changes its page: the raw snapshots were kept (Scrapy's HTTP cache
with the network off).
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from html import escape, unescape
from pathlib import Path
from urllib.parse import urljoin

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route

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


@dataclass(frozen=True, slots=True)
class Rendered:
    path: Path
    styled: bool  # False: the capture kept no page archive (taken before archives were kept), drawn unstyled


def render(store: Store, capture_id: int, output: Path) -> Rendered:
    """Draw a stored snapshot offline (JavaScript off, nothing reached) and save a screenshot."""
    record = store.get_capture(capture_id)
    snapshot = store.load_snapshot(capture_id)
    archive = store.artifact_bytes(record.artifacts["page_archive"]) if "page_archive" in record.artifacts else None
    with open_browser(BrowserOptions(extra_args=OFFLINE_ARGS)) as session, session.page(javascript=False) as page:
        styled = draw(page, snapshot.html, archive)
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(output), full_page=True)
        except OSError as exc:
            raise ConfigError(f"cannot write {output}: {exc.strerror or exc}") from exc
        except PlaywrightError as exc:
            raise ConfigError(f"cannot write {output}: {str(exc).strip().splitlines()[0]}") from exc
    return Rendered(output, styled=styled)


def draw(page: Page, dom: str | bytes, archive: bytes | None) -> bool:
    """Load the stored DOM into `page` as content, with the stylesheets, fonts and images of the capture's page
    archive (an MHTML taken with the DOM); True when the archive gave any.

    Each subresource request is answered from the archive, in-process; everything else, any document (a frame,
    a refresh) included, is aborted. Without an archive every request is aborted and the page is unstyled.
    """
    html = dom if isinstance(dom, str) else dom.decode("utf-8", "replace")
    base, resources = archived_resources(archive) if archive is not None else (None, {})
    if base is not None:
        html = _with_base(html, base)

    def answer(route: Route) -> None:
        found = None if route.request.resource_type == "document" else resources.get(route.request.url)
        if found is None:
            route.abort()
        else:  # a font fetched from another origin needs CORS to be used; the document's origin is opaque
            route.fulfill(status=200, body=found[1], headers={"content-type": found[0], **_ANY_ORIGIN})

    page.route("**/*", answer)
    page.set_content(html, wait_until="load")
    return bool(resources)


_ANY_ORIGIN = {"access-control-allow-origin": "*"}
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_BASE_HREF = re.compile(r"""<base\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


def archived_resources(mhtml: bytes) -> tuple[str | None, dict[str, tuple[str, bytes]]]:
    """The page's URL and its subresources (URL -> media type, bytes) out of an MHTML (RFC 2557, read with the
    standard library's MIME parser); the page itself and its frames are left out."""
    archive = email.message_from_bytes(mhtml, policy=email.policy.compat32)
    resources: dict[str, tuple[str, bytes]] = {}
    for part in archive.walk():
        location, body = part.get("Content-Location"), part.get_payload(decode=True)
        if part.is_multipart() or not location or not isinstance(body, bytes) or part.get_content_type() == "text/html":
            continue
        resources.setdefault(str(location), (part.get_content_type(), body))
    page_url = archive.get("Snapshot-Content-Location")
    return (str(page_url) if page_url else None), resources


def _with_base(html: str, page_url: str) -> str:
    """The stored DOM with its relative URLs resolving where they did when captured (`set_content` would resolve
    them against about:blank); a base the page had itself still applies, resolved against the page's URL."""
    own = _BASE_HREF.search(html)
    if own is not None:
        page_url = urljoin(page_url, unescape(next(group for group in own.groups() if group is not None)))
    head = _HEAD.search(html)
    if head is None:
        return html
    return f'{html[: head.end()]}<base href="{escape(page_url)}">{html[head.end() :]}'
