"""The report as JSON: `Report.as_json`, one report or one per value of a split."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from citewatch.analysis.report.results import Report


def _write(payload: dict[str, Any], stream: TextIO) -> None:
    # `json.dump` streams through the pure-Python encoder; `dumps` encodes in C, several times faster.
    stream.write(json.dumps(payload, ensure_ascii=False))
    stream.write("\n")


def write_json(result: Report, stream: TextIO) -> None:
    _write(result.as_json(), stream)


def write_json_splits(by: str, results: Sequence[tuple[str | None, Report]], stream: TextIO) -> None:
    """Reports split by a stored value (`--by`): each named by its value."""
    _write({"by": by, "splits": [{"value": value, **result.as_json()} for value, result in results]}, stream)
