"""A Playwright trace of a capture (actions, DOM snapshots, network, screencast), kept within a size cap.

`on-failure` (the default) records every capture and keeps the trace only when the capture did not answer, so a
night run's failure can be replayed in `playwright show-trace` the next morning; `on` keeps every trace, `off`
records nothing. A trace over the cap loses its screencast frames first, then is dropped, and the capture's
warnings say so.

Recording costs on every capture, kept or not. Measured against the Perplexity replica (interleaved captures,
one browser each, a loaded 2-core machine): +0.8 s CPU a capture (+59%) with the screencast, +0.4 s (+28%)
without it, about +0.2 s wall time either way. So `on-failure` records DOM snapshots, actions and network but no
screencast (the capture keeps its own final screenshot); `on`, chosen when a trace is wanted anyway (doctor),
records the screencast too.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from playwright.sync_api import BrowserContext
from playwright.sync_api import Error as PlaywrightError

from citewatch.models import TraceMode

MAX_TRACE_BYTES = 25 * 1024 * 1024
_FRAME_SUFFIXES = (".jpeg", ".jpg", ".png")  # the screencast's frames: most of a trace, least of its value


class Tracer:
    """Starts a trace on a context and, at the end, keeps it (bounded) or throws it away."""

    def __init__(self, context: BrowserContext, mode: TraceMode) -> None:
        self._context, self._mode = context, mode
        self._started = False
        if mode is not TraceMode.off:
            try:
                context.tracing.start(screenshots=mode is TraceMode.on, snapshots=True)
                self._started = True
            except PlaywrightError:
                pass  # a context already tracing (a persistent profile shared by another capture) goes untraced

    def finish(self, *, failed: bool) -> tuple[bytes | None, list[str]]:
        """The trace's zip bytes when it is to be kept, and what was left out of it."""
        if not self._started:
            return None, []
        keep = self._mode is TraceMode.on or (failed and self._mode is TraceMode.on_failure)
        try:
            if not keep:
                self._context.tracing.stop()
                return None, []
            with tempfile.TemporaryDirectory(prefix="citewatch-trace-") as folder:
                path = Path(folder) / "trace.zip"
                self._context.tracing.stop(path=str(path))
                data = path.read_bytes()
        except PlaywrightError as exc:
            return None, [f"trace not kept: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}"]
        return bounded(data, MAX_TRACE_BYTES)


def bounded(data: bytes, max_bytes: int) -> tuple[bytes | None, list[str]]:
    """`data` if it fits; else the trace without its screencast frames if that fits; else nothing. Says which."""
    if len(data) <= max_bytes:
        return data, []
    trimmed = _without_frames(data)
    limit = f"the {max_bytes / 1e6:.1f} MB cap"
    if trimmed is not None and len(trimmed) <= max_bytes:
        return trimmed, [
            f"trace of {len(data) / 1e6:.1f} MB trimmed to {len(trimmed) / 1e6:.1f} MB under {limit}: "
            "screencast frames left out"
        ]
    return None, [f"trace of {len(data) / 1e6:.1f} MB not kept: over {limit} even without its screencast frames"]


def _without_frames(data: bytes) -> bytes | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
                for item in source.infolist():
                    if not item.filename.lower().endswith(_FRAME_SUFFIXES):
                        target.writestr(item, source.read(item))
    except zipfile.BadZipFile:
        return None
    return out.getvalue()
