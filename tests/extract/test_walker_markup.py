"""Answer markup the engines really emit: <p>-wrapped list items and cells, KaTeX, pretty-printed whitespace."""

from __future__ import annotations

import re

import pytest

from citewatch.extract._html import norm, parse, walk_answer
from citewatch.models import BlockKind

KATEX = (
    '<span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>x</mi></mrow>'
    '<annotation encoding="application/x-tex">x^{2}</annotation></semantics></math></span>'
    '<span class="katex-html" aria-hidden="true"><span class="mord">x</span><span class="mord">2</span></span></span>'
)


def walk(body: str):
    tree = parse(f"<html><body><div id='answer'>{body}</div></body></html>")
    return walk_answer(tree.xpath("//div[@id='answer']"), is_citation=lambda el: el.get("class") == "cite")


def test_a_list_item_wrapping_its_text_in_paragraphs_stays_one_ranked_item() -> None:
    walked = walk(
        "<ol><li><p><strong>Acme</strong> – first</p><p>second line</p></li>"
        "<li>\n  <p>\n    Bramble-Co – cheap<span class='cite'>b</span>\n  </p>\n</li></ol>"
    )
    blocks = [(b.kind, b.text) for b in walked.answer.blocks]
    assert blocks == [
        (BlockKind.list_item, "Acme – first second line"),
        (BlockKind.list_item, "Bramble-Co – cheap"),
    ]
    assert [(m.text, m.list_rank) for m in walked.mentions] == [("Acme", 1), ("Bramble-Co", 2)]
    (anchor,) = walked.citations
    assert walked.answer.text[: anchor.char_start].endswith("Bramble-Co – cheap")


def test_a_nested_list_inside_a_wrapped_item_is_still_its_own_items() -> None:
    walked = walk("<ul><li><p>Outer</p><ul><li><p>Inner one</p></li><li><p>Inner two</p></li></ul></li></ul>")
    assert [b.text for b in walked.answer.blocks] == ["Outer", "Inner one", "Inner two"]
    assert {b.kind for b in walked.answer.blocks} == {BlockKind.list_item}


def test_paragraphs_inside_table_cells_stay_in_the_table_and_rows_end_cleanly() -> None:
    walked = walk(
        "<table><tr><th>\n Plan \n</th><th>Price </th></tr><tr><td><p>Pro</p></td><td><p>$10</p></td></tr></table>"
    )
    assert [(b.kind, b.text) for b in walked.answer.blocks] == [(BlockKind.table, "Plan | Price\nPro | $10")]


def test_katex_is_read_as_its_tex_source_once() -> None:
    walked = walk(f"<p>The area grows with {KATEX}, not linearly.</p>")
    assert walked.answer.text == "The area grows with x^{2}, not linearly."


def test_katex_without_a_source_falls_back_to_what_is_shown() -> None:
    walked = walk('<p>Shown: <span class="katex"><span class="katex-html">x2</span></span>.</p>')
    assert walked.answer.text == "Shown: x2."


@pytest.mark.parametrize(
    "text",
    ["  a \n\t b  ", "\u00a0lead\u2003em\u3000ideographic ", "x\x1cy", "tab\tonly", "\u200bzero\u200bwidth\u200b", ""],
)
def test_whitespace_folding_matches_a_regex_fold(text: str) -> None:
    expected = re.sub(r"\s+", " ", text.replace("\u200b", "")).strip()
    assert norm(text) == expected
    walked = walk(f"<p>[{text}]</p>")
    assert walked.answer.text == re.sub(r"\s+", " ", "[" + text.replace("\u200b", "") + "]")
