"""Where a TOML file is wrong, said as its reader counts: `prompts[2].text` for the second [[prompts]], and
the line that spells the key out (campaign files and brand files)."""

from __future__ import annotations

import re


def key_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as the file's reader counts: `prompts[2].text` is the second [[prompts]]."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{part + 1}]"]
        elif part != "[key]":  # pydantic's marker for a dict key's own error: the key is already named
            parts.append(part)
    return ".".join(parts) or "(top level)"


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=")


def find_line(source: str, loc: tuple[int | str, ...]) -> int | None:
    """The line of the TOML key at `loc` (a pydantic error location), when the file spells it out."""
    tables: dict[str, int] = {}
    current: tuple[str | int, ...] = ()
    best: int | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            name = header.group(2).strip()
            if header.group(1) == "[[":
                tables[name] = tables.get(name, -1) + 1
                current = (*name.split("."), tables[name])
            else:
                current = tuple(name.split("."))
            if tuple(str(p) for p in loc[: len(current)]) == tuple(str(p) for p in current):
                best = number
            continue
        assign = _ASSIGN.match(line)
        if assign:
            key = (*current, assign.group(1).strip("\"'"))
            if tuple(str(p) for p in loc[: len(key)]) == tuple(str(p) for p in key):
                return number
    return best
