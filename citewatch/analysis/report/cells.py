"""How a report's values read in a cell, the same in the table, the HTML page and the charts."""

from __future__ import annotations

from html import escape


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def decimals(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def esc(value: object) -> str:
    """Any value as HTML text: an engine or a web page chose it, so it is escaped, quotes included."""
    return escape(str(value), quote=True)


def clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
