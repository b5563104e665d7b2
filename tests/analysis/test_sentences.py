"""Sentence spans, which sentence a marker or link belongs to, and GEO's word count."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from citewatch.analysis.sentences import sentence_of, sentence_of_marker, sentence_spans, word_count


def test_sentences_end_at_punctuation_and_line_breaks_not_abbreviations() -> None:
    text = (
        'Acme, e.g. the U.S. leader, is big. Bolt is small!  Zeta?"  Next line\nTable | row\n\nEnd. Dr. Who 3.5 stars…'
    )
    text += " ok."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Acme, e.g. the U.S. leader, is big.",
        "Bolt is small!",
        'Zeta?"',
        "Next line",  # no punctuation, but a block or line ends here
        "Table | row",
        "End.",
        "Dr. Who 3.5 stars…",
        "ok.",
    ]
    block_end = "Made by Acme Inc.\n\nNext block"
    assert [block_end[s:e] for s, e in sentence_spans(block_end)] == ["Made by Acme Inc.", "Next block"]


def test_markers_follow_their_sentence_and_links_sit_in_theirs() -> None:
    text = "Acme is popular. Bolt is cheap."
    starts = [s for s, _ in sentence_spans(text)]
    assert starts == [0, 17]
    assert sentence_of_marker(starts, 16) == 0  # "popular.[1] Bolt": the marker right after the period
    assert sentence_of_marker(starts, 17) == 0  # a marker the extractor placed at the next sentence's start
    assert sentence_of_marker(starts, 31) == 1
    assert sentence_of(starts, 17) == 1  # a link on "Bolt" starts the second sentence
    assert sentence_of(starts, 0) == sentence_of_marker(starts, 0) == 0


def test_word_count_keeps_geo_rule() -> None:
    # tokens longer than 2 characters: It's, well-known, tool, e.g, for, CRM, and, Monday.com, users = 9
    assert word_count("It's a well-known tool, e.g. for CRM and Monday.com users.") == 9
    assert word_count("A to Z") == 0


@given(st.text(alphabet="ab .!?\n", max_size=40))
def test_spans_are_ordered_stripped_and_inside_the_text(text: str) -> None:
    spans = sentence_spans(text)
    assert all(0 <= s < e <= len(text) for s, e in spans)
    assert all(e1 <= s2 for (_, e1), (s2, _) in pairwise(spans))
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)
    assert "".join("".join(text[s:e].split()) for s, e in spans) == "".join(text.split())  # no text is lost
