"""Bad input never raises out of extract_html: it gives a status and warnings that say what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from citewatch.errors import UnknownEngine
from citewatch.extract import extract_html
from citewatch.extract._html import detect_wall, parse
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


WALL_PAGES = [
    "<html><head><title>Just a moment...</title></head><body></body></html>",
    "<html><body><div id='cf-wrapper'>x</div></body></html>",
    "<html><body><script>window._cf_chl_opt={cType:'managed'}</script></body></html>",
    "<html><body><iframe src='https://www.google.com/recaptcha/api2/anchor'></iframe></body></html>",
    "<html><body><div class='h-captcha' data-sitekey='k'></div></body></html>",
    "<html><body><p>An ordinary page about challenges and captchas.</p></body></html>",
    "<html><body><p>Nothing to see.</p></body></html>",
]


@pytest.mark.parametrize("page", WALL_PAGES)
@pytest.mark.parametrize("as_bytes", [False, True])
def test_the_source_shortcut_of_wall_detection_never_changes_its_answer(page: str, as_bytes: bool) -> None:
    tree = parse(page)
    source: str | bytes = page.encode() if as_bytes else page
    assert detect_wall(tree, source) is detect_wall(tree)


def test_the_shortcut_agrees_on_every_fixture_page() -> None:
    pages = sorted((Path(__file__).resolve().parents[2] / "fixtures").glob("*/*/page.html"))
    assert len(pages) >= 30
    walls = 0
    for path in pages:
        data = path.read_bytes()
        tree = parse(data)
        assert detect_wall(tree, data) is detect_wall(tree), path
        walls += detect_wall(tree) is not None
    assert walls >= 2  # the corpus holds bot walls, so the comparison covers both answers
