"""Bad input never raises out of extract_html: it gives a status and warnings that say what is wrong."""

from __future__ import annotations

import pytest

from citewatch.errors import UnknownEngine
from citewatch.extract import extract_html
from citewatch.models import ExtractionStatus


@pytest.mark.parametrize(
    ("data", "status", "warning"),
    [
        (b"", ExtractionStatus.error, "empty snapshot"),
        (b"   \n\t", ExtractionStatus.error, "empty snapshot"),
        (bytes(range(256)) * 4, ExtractionStatus.error, "not HTML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ExtractionStatus.error, "not HTML"),
        ("<html><body><p>no answer here</p></body></html>", ExtractionStatus.no_answer, None),
        ("<div><span class='citation' data-pplx-citation-url='x'>x</span", ExtractionStatus.no_answer, "truncated"),
        ('<div id="markdown-content-0"><div class="prose"><p>cut <b>mid', ExtractionStatus.answered, "truncated"),
        (
            "<html><body><div id='markdown-content-0'><div class='prose'><p>a<a href='http://[::1'>b</a></p>"
            "</div></div></body></html>",
            ExtractionStatus.answered,
            None,
        ),
    ],
)
def test_bad_input_gives_a_status_not_an_exception(
    data: str | bytes, status: ExtractionStatus, warning: str | None
) -> None:
    extraction = extract_html("perplexity", data)
    assert extraction.status is status
    if warning:
        assert any(warning in w for w in extraction.warnings), extraction.warnings


def test_a_citation_without_a_web_address_is_kept_without_url() -> None:
    extraction = extract_html(
        "perplexity",
        "<div id='markdown-content-0'><div class='prose'><p>Text<span class='citation'"
        " data-pplx-citation-url='javascript:alert(1)'>x</span>.</p></div></div>",
    )
    (citation,) = extraction.citations
    assert citation.url is None and citation.label == "x"
    assert any(w.startswith("engine_changed: 1 of 1 citations have no URL") for w in extraction.warnings)


def test_unknown_engine_is_the_one_error_that_raises() -> None:
    with pytest.raises(UnknownEngine):
        extract_html("bing", "<html></html>")
