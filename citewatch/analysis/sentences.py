"""Sentences of an answer text, and which sentence a citation marker or a link belongs to.

Brand matching ("cited in the same sentence") and GEO's impression metrics (words of the sentences citing a
source) both need the same split, so it lives here. `Answer.text` joins blocks with newlines, so a block
boundary always ends a sentence; inside a block a sentence ends at `.`, `!`, `?` or `…` followed by
whitespace, except after a few abbreviations ("e.g.", "vs.", "Inc.") and initials ("U.S.").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from citewatch.models import CitationKind

# Terminal punctuation (with closing quotes/brackets) then whitespace, or any line break.
_BOUNDARY = re.compile(r"([.!?…]+[\"'”’)\]]*)(\s+)|\s*\n\s*")
_INITIALS = re.compile(r"^(?:[A-Z]\.)*[A-Z]$")  # "U.S" before the final dot, or a single initial "J"
_ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "vs", "cf", "approx", "inc", "ltd", "co", "corp", "mr", "mrs", "ms", "dr", "st", "no", "fig"}
)
# GEO counts nltk word tokens longer than two characters; this is the same rule on regex word tokens
# (hyphenated and dotted words stay one token, as nltk keeps them).
_WORD = re.compile(r"\w+(?:[-.'’]\w+)*")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence in `text`, in order, without surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        terminator = match.group(1)
        if terminator == "." and "\n" not in match.group(2) and _is_abbreviation(text, match.start()):
            continue
        end = match.start() + len(terminator) if terminator else match.start()
        _add_span(spans, text, start, end)
        start = match.end()
    _add_span(spans, text, start, len(text))
    return spans


def _is_abbreviation(text: str, dot: int) -> bool:
    # The token before the dot, found by walking back to the last whitespace: a regex searched from the start
    # of the text would rescan it at every full stop (quadratic in the answer's length).
    start = dot
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    if start == dot:
        return False
    word = text[start:dot].lstrip("([\"'“‘")
    return word.lower() in _ABBREVIATIONS or bool(_INITIALS.match(word))


def _add_span(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        lead = len(chunk) - len(chunk.lstrip())
        spans.append((start + lead, start + lead + len(stripped)))


def sentence_of(starts: Sequence[int], offset: int) -> int:
    """Index of the sentence holding the character at `offset` (a name, a link's first character)."""
    return max(bisect_right(starts, offset) - 1, 0)


def sentence_of_marker(starts: Sequence[int], offset: int) -> int:
    """Index of the sentence a citation marker at `offset` supports.

    Markers follow what they support ("… is popular.[1] Many …"), and the extractors place a marker that
    sits between two sentences at the start of the next one; so a marker belongs to the last sentence that
    starts strictly before it.
    """
    return max(bisect_left(starts, offset) - 1, 0)


class Placed(Protocol):
    """Where a citation sits in the answer text (a `Citation` is one)."""

    @property
    def kind(self) -> str: ...
    @property
    def char_start(self) -> int | None: ...


P = TypeVar("P", bound=Placed)


def citations_by_sentence(starts: Sequence[int], citations: Iterable[P]) -> dict[int, list[P]]:
    """The citations placed in the answer text, by sentence index: markers (footnotes, chips) go with the
    sentence they follow, inline links with the sentence they sit in."""
    found: dict[int, list[P]] = {}
    for citation in citations:
        if citation.char_start is None or not starts:
            continue
        find = sentence_of if citation.kind == CitationKind.inline_link else sentence_of_marker
        found.setdefault(find(starts, citation.char_start), []).append(citation)
    return found


def word_count(sentence: str) -> int:
    """Words as GEO counts them: tokens longer than two characters."""
    return sum(1 for word in _WORD.findall(sentence) if len(word) > 2)
