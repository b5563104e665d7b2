"""Typed records at citewatch's boundaries.

`Snapshot` is what a capture stored (the page as the user saw it, plus network payloads); `Extraction`
is what an extractor reads from it. Every engine fills the same `Extraction`, so storage, reports and
comparisons never care which engine produced a record. The JSON form (`model_dump(mode="json")`) is the
documented contract of `citewatch extract --format json` and of the fixtures' `expected.json` files.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExtractionStatus(StrEnum):
    """What the page showed, as read from the snapshot."""

    answered = "answered"
    no_answer = "no_answer"  # the engine showed no AI answer (e.g. no AI Overview on that results page)
    blocked = "blocked"  # Cloudflare or another bot wall
    captcha = "captcha"
    consent_required = "consent_required"
    login_required = "login_required"
    error = "error"  # the engine said it failed, or the snapshot could not be read


class TraceMode(StrEnum):
    """Which captures keep a Playwright trace: none, the ones that did not answer (default), or every one."""

    off = "off"
    on_failure = "on-failure"
    on = "on"


class CaptureStatus(StrEnum):
    """How one capture attempt ended. A superset of `ExtractionStatus`."""

    answered = "answered"
    no_answer = "no_answer"
    blocked = "blocked"
    captcha = "captcha"
    consent_required = "consent_required"
    login_required = "login_required"
    error = "error"
    incomplete = "incomplete"  # the answer started but never finished (stream broke, time budget spent)
    running = "running"  # written before the browser starts, so a killed process leaves a trace


class BlockKind(StrEnum):
    paragraph = "paragraph"
    heading = "heading"
    list_item = "list_item"
    table = "table"
    code = "code"


class CitationKind(StrEnum):
    footnote = "footnote"  # numbered marker ([1], superscript)
    chip = "chip"  # pill or chip with a short label ("wikipedia+2")
    inline_link = "inline_link"  # a hyperlink in the prose


class SourceKind(StrEnum):
    """Where a shown source sits. Widgets of cards inside or beside an answer (carousels, place, product and
    video cards) are sources of their own kind, never citations: a citation is an occurrence in the prose. A page
    that is both a widget card and cited in the prose is one source of the card's kind (docs/extraction.md)."""

    listed = "listed"  # an entry of the sources list, tab or panel (ChatGPT: what its citations point at)
    card = "card"  # a source card beside or under the answer, or a widget card of no more specific kind
    place = "place"  # a place or business card (maps widget, place cards)
    carousel = "carousel"  # a card of a carousel widget in the answer (news, articles)
    product = "product"  # a product card (shopping widget or tab)
    video = "video"  # a card pointing at a video page or playing one, whatever widget holds it
    retrieved = "retrieved"  # retrieved by the engine (network stream) but not shown as a source
    unused = "unused"  # shown in an "unused sources" list (Gemini Deep Research)


class AnswerBlock(_Record):
    index: int
    kind: BlockKind
    text: str


class Answer(_Record):
    text: str = ""
    blocks: list[AnswerBlock] = Field(default_factory=list)


class Citation(_Record):
    """One inline citation occurrence, in reading order."""

    position: int
    kind: CitationKind
    label: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    domain: str | None = None
    title: str | None = None
    block_index: int | None = None
    char_start: int | None = None
    group: str | None = None  # shared by the URLs behind one "+N" chip
    visible: bool | None = None


class Source(_Record):
    """One entry of the sources the engine shows, deduplicated, in display order."""

    position: int
    kind: SourceKind
    url: str | None = None
    canonical_url: str | None = None
    domain: str | None = None
    title: str | None = None
    site_name: str | None = None
    snippet: str | None = None
    published: str | None = None
    cited: bool = False
    visible: bool | None = None


class Mention(_Record):
    """A name the engine itself highlights in the answer (bold, list lead, linked text)."""

    text: str
    block_index: int
    char_start: int
    list_rank: int | None = None


class OrganicResult(_Record):
    """A classic result on the same page as the AI answer (Google results pages)."""

    position: int
    url: str
    canonical_url: str
    domain: str | None = None
    title: str | None = None
    snippet: str | None = None


class Extraction(_Record):
    """Everything citewatch reads from one snapshot. Produced by a pure extractor function."""

    engine: str
    extractor_version: str
    status: ExtractionStatus
    warnings: list[str] = Field(default_factory=list)
    answer: Answer = Field(default_factory=Answer)
    citations: list[Citation] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    mentions: list[Mention] = Field(default_factory=list)
    search_queries: list[str] = Field(default_factory=list)
    related_questions: list[str] = Field(default_factory=list)
    organic_results: list[OrganicResult] = Field(default_factory=list)


class NetworkRecord(_Record):
    """One response the browser received that the engine's scraper chose to keep."""

    url: str
    status: int
    method: str = "GET"
    content_type: str | None = None
    body: str = ""


class Snapshot(_Record):
    """What a capture stored: the rendered DOM and the payloads. Input of every extractor."""

    engine: str
    # The page as text, or as the UTF-8 bytes it is stored in (parsed as they are, with no decoding).
    # Strict members: a lax `str | bytes` union decodes every bytes page to compare the two (0.3 ms a page).
    html: Annotated[str, Strict()] | Annotated[bytes, Strict()]
    url: str | None = None
    network: list[NetworkRecord] = Field(default_factory=list)

    def html_bytes(self) -> bytes:
        return self.html if isinstance(self.html, bytes) else self.html.encode("utf-8", "surrogateescape")


class CaptureResult(_Record):
    """What one capture attempt produced: the scrapers' output and the storage layer's input.

    Everything a failed attempt saw is kept too (a blocked page's DOM and screenshot), so a status can
    always be checked against the page that caused it.
    """

    engine: str
    status: CaptureStatus
    started_at: datetime
    finished_at: datetime
    url: str | None = None
    html: str | None = None
    screenshot: bytes | None = None
    network: list[NetworkRecord] = Field(default_factory=list)
    trace: bytes | None = None  # a Playwright trace zip (`playwright show-trace`), kept per the trace mode
    page_archive: bytes | None = None  # MHTML of the page with its stylesheets, fonts and images (offline render)
    error: str | None = None
    warnings: list[str] = Field(default_factory=list)
    answer_seconds: float | None = None  # from submitting the prompt to the answer being complete
    timings: dict[str, float] = Field(default_factory=dict)  # seconds per capture step
    browser_version: str | None = None
    locale: str | None = None
    account: str = "anonymous"  # or "logged_in" when a saved session was used

    def snapshot(self) -> Snapshot | None:
        if self.html is None:
            return None
        return Snapshot(engine=self.engine, html=self.html, url=self.url, network=self.network)
