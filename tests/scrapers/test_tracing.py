"""A kept trace stays under its size cap: screencast frames go first, then the whole trace, and it says so."""

from __future__ import annotations

import io
import os
import zipfile

from citewatch.scrapers.tracing import bounded


def _trace(frames: int, frame_bytes: int, other_bytes: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("trace.trace", os.urandom(other_bytes))  # random: as incompressible as real frames
        archive.writestr("trace.network", b"{}")
        for index in range(frames):
            archive.writestr(f"resources/frame-{index}.jpeg", os.urandom(frame_bytes))
    return out.getvalue()


def test_a_trace_under_the_cap_is_kept_whole() -> None:
    data = _trace(frames=3, frame_bytes=1000, other_bytes=1000)
    assert bounded(data, len(data)) == (data, [])


def test_a_trace_over_the_cap_loses_its_frames_first() -> None:
    data = _trace(frames=20, frame_bytes=50_000, other_bytes=10_000)
    kept, notes = bounded(data, 100_000)
    assert kept is not None and len(kept) <= 100_000
    with zipfile.ZipFile(io.BytesIO(kept)) as archive:
        assert sorted(archive.namelist()) == ["trace.network", "trace.trace"]
    assert len(notes) == 1 and "trimmed" in notes[0] and "screencast frames left out" in notes[0]


def test_a_trace_over_the_cap_without_its_frames_is_dropped_and_says_so() -> None:
    data = _trace(frames=2, frame_bytes=10_000, other_bytes=300_000)
    kept, notes = bounded(data, 100_000)
    assert kept is None
    assert len(notes) == 1 and "not kept: over the 0.1 MB cap even without its screencast frames" in notes[0]


def test_bytes_that_are_not_a_zip_over_the_cap_are_dropped() -> None:
    kept, notes = bounded(b"x" * 200, 100)
    assert kept is None and "not kept" in notes[0]
