"""The shared answer walker: blocks, offsets of citations and links, emphasised names."""

from __future__ import annotations

import pytest

from citewatch.extract._html import SnapshotUnreadable, parse, truncation_warning, walk_answer
from citewatch.models import BlockKind

PAGE = """<html><body><div id="answer">Intro with <b>Acme</b> first.
<p>Second paragraph cites <a href="https://x.example/">X Corp</a> here<span class="cite">x+1</span>.</p>
<ul><li><strong>Salesforce</strong>: the leader<span class="cite">sf</span></li>
<li>HubSpot – free tier<ul><li>nested point</li></ul></li></ul>
<table><tr><th>plan</th><th>price</th></tr><tr><td>Pro</td><td>$10</td></tr></table>
<pre>line one
  indented</pre></div></body></html>"""


@pytest.fixture
def walked():
    tree = parse(PAGE)
    return walk_answer(tree.xpath("//div[@id='answer']"), is_citation=lambda el: el.get("class") == "cite")


def test_blocks_in_reading_order(walked) -> None:
    kinds = [(b.kind, b.text) for b in walked.answer.blocks]
    assert kinds == [
        (BlockKind.paragraph, "Intro with Acme first."),
        (BlockKind.paragraph, "Second paragraph cites X Corp here."),
        (BlockKind.list_item, "Salesforce: the leader"),
        (BlockKind.list_item, "HubSpot – free tier"),
        (BlockKind.list_item, "nested point"),
        (BlockKind.table, "plan | price\nPro | $10"),
        (BlockKind.code, "line one\n  indented"),
    ]
    assert walked.answer.text.startswith("Intro with Acme first.\n\nSecond paragraph")


def test_citation_labels_are_not_prose_and_offsets_point_into_the_text(walked) -> None:
    text = walked.answer.text
    assert "x+1" not in text and "sf" not in text.replace("Salesforce", "")
    first, second = walked.citations
    assert text[: first.char_start].endswith("cites X Corp here")
    assert text[first.char_start] == "."
    assert first.block_index == 1
    assert text[: second.char_start].endswith("Salesforce: the leader")
    assert second.block_index == 2


def test_links_and_mentions(walked) -> None:
    (link,) = walked.links
    assert walked.answer.text[link.char_start :].startswith("X Corp")
    mentions = [(m.text, m.block_index, m.list_rank) for m in walked.mentions]
    assert mentions == [("Acme", 0, None), ("X Corp", 1, None), ("Salesforce", 2, 1), ("HubSpot", 3, 2)]
    for mention in walked.mentions:
        assert walked.answer.text[mention.char_start :].startswith(mention.text)


@pytest.mark.parametrize(
    "data", [b"", b"   \n", b"\x00\x01binary\x02", "\udcff\udcfe".encode("utf-8", "surrogateescape")]
)
def test_unreadable_input_says_why(data: bytes) -> None:
    with pytest.raises(SnapshotUnreadable):
        parse(data)


def test_truncation_is_noticed() -> None:
    assert truncation_warning("<html><body><p>cut in the mid") is not None
    assert truncation_warning("<html><body><p>whole</p></body></html>\n") is None
