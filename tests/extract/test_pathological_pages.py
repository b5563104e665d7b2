"""Pathological pages, crafted here from our own fixtures: never a crash, a hang or a confident wrong answer.

Control characters in the text, lone surrogates and JSON nested thousands deep in capture marks, lists and
panels nested or repeated far beyond any real page, a page deeper than the parser reads, a text node larger
than libxml2's default limit.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citewatch.extract import extract_html
from citewatch.models import Extraction, ExtractionStatus

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"
# An answered page of each engine, and a page whose chips carry a `data-cw-group-urls` mark.
ANSWERED = {
    "perplexity": "grouped-chip-expanded",
    "chatgpt": "grouped-pills",
    "gemini": "chips-expanded",
    "google_aio": "clusters-opened",
    "google_ai_mode": "answer-with-sources-dialog",
}
CONTROLS = [chr(c) for c in [*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]]


@cache
def page(engine: str) -> str:
    return (FIXTURES / engine / ANSWERED[engine] / "page.html").read_text(encoding="utf-8")


@cache
def expected(engine: str) -> dict:
    return json.loads((FIXTURES / engine / ANSWERED[engine] / "expected.json").read_text(encoding="utf-8"))


def answer_word(engine: str) -> str:
    """A word of the answer that the page spells out in its text."""
    return next(w for w in re.findall(r"[A-Za-z]{7,}", expected(engine)["answer"]["text"]) if f"{w} " in page(engine))


def strings(extraction: Extraction) -> list[str]:
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(extraction.model_dump(mode="json"))
    return found


@pytest.mark.parametrize("engine", sorted(ANSWERED))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    junk=st.lists(st.sampled_from([*CONTROLS, "\x1b[31m", "\x1b]8;;http://evil.example/\x07"]), min_size=1).map("".join)
)
def test_control_characters_in_the_answer_keep_the_reading(engine: str, junk: str) -> None:
    word = answer_word(engine)
    crafted = page(engine).replace(f"{word} ", f"{word}{junk} ", 1)
    extraction = extract_html(engine, crafted)
    assert extraction.status == expected(engine)["status"], extraction.warnings
    assert len(extraction.citations) == len(expected(engine)["citations"])
    assert not [s for s in strings(extraction) if any(c in s for c in CONTROLS)]
    extraction.model_dump_json()  # printable and storable


def with_first_mark(engine: str, replace: Callable[[str], str]) -> str:
    """The page with the JSON of its first `data-cw-group-urls` mark (single- or double-quoted) replaced."""
    found = re.search(r"data-cw-group-urls=(['\"])(.*?)\1", page(engine))
    assert found, "the page has a capture mark"
    quote, raw = found.group(1), found.group(2)
    value = raw.replace("&quot;", '"') if quote == '"' else raw
    new = replace(value)
    new = new.replace('"', "&quot;") if quote == '"' else new
    return page(engine)[: found.start(2)] + new + page(engine)[found.end(2) :]


@pytest.mark.parametrize("engine", ["perplexity", "gemini", "google_aio", "chatgpt"])
def test_lone_surrogates_in_a_capture_mark_are_replaced(engine: str) -> None:
    crafted = with_first_mark(
        engine, lambda value: '[{"url": "https://odd.example/\\ud800", "title": "half \\udc00 a pair"},' + value[1:]
    )
    extraction = extract_html(engine, crafted)
    assert extraction.status == ExtractionStatus.answered
    assert not [s for s in strings(extraction) if re.search("[\ud800-\udfff]", s)]
    extraction.model_dump_json()


@pytest.mark.parametrize("engine", ["perplexity", "gemini", "google_aio", "chatgpt"])
def test_json_nested_thousands_deep_in_a_capture_mark_is_a_warning(engine: str) -> None:
    crafted = with_first_mark(engine, lambda _value: "[" * 5000 + "]" * 5000)
    extraction = extract_html(engine, crafted)
    assert extraction.status == ExtractionStatus.answered, extraction.warnings
    assert not any("RecursionError" in w for w in extraction.warnings)


@pytest.mark.parametrize("engine", sorted(ANSWERED))
def test_an_answer_after_more_than_256_levels_of_nesting_is_read(engine: str) -> None:
    original = page(engine)
    body = original.index(">", original.index("<body")) + 1
    end = original.rindex("</body>")
    crafted = original[:body] + "<div>" * 400 + original[body:end] + "</div>" * 400 + original[end:]
    extraction = extract_html(engine, crafted)
    assert extraction.status == expected(engine)["status"], extraction.warnings
    assert extraction.answer.text == expected(engine)["answer"]["text"]


@pytest.mark.parametrize("engine", sorted(ANSWERED))
def test_a_page_deeper_than_the_parser_reads_is_an_error_that_says_so(engine: str) -> None:
    original = page(engine)
    body = original.index(">", original.index("<body")) + 1
    extraction = extract_html(engine, original[:body] + "<div>" * 3000 + original[body:])
    assert extraction.status == ExtractionStatus.error
    assert any("could not be read whole" in w and "depth" in w for w in extraction.warnings), extraction.warnings


@pytest.mark.parametrize("engine", sorted(ANSWERED))
def test_a_text_node_over_ten_megabytes_does_not_hide_the_answer(engine: str) -> None:
    original = page(engine)
    body = original.index(">", original.index("<body")) + 1
    crafted = original[:body] + "<div hidden>" + "x" * 11_000_000 + "</div>" + original[body:]
    extraction = extract_html(engine, crafted)
    assert extraction.status == expected(engine)["status"], extraction.warnings
    assert extraction.answer.text == expected(engine)["answer"]["text"]


# Each runs in a child process with a timeout: a page that hangs the extractor fails the test instead of
# hanging the suite. The bounds are an order of magnitude above what the pages take; before the fixes each took
# minutes.
def _nested_panels() -> str:
    return (
        "<html><body>"
        + "<deep-research-immersive-panel><div>" * 120
        + "<p>filler</p>" * 40000
        + "</div></deep-research-immersive-panel>" * 120
        + "</body></html>"
    )


def _wrapped_list() -> str:
    original = (FIXTURES / "perplexity" / "lists-and-mentions" / "page.html").read_text(encoding="utf-8")
    at = original.index("</li>")  # inside the answer's first list
    return original[:at] + "<ul>" + "<div><li>Item: text</li></div>" * 60000 + "</ul>" + original[at:]


HANGS = {
    "nested deep-research panels (the DR_REPORT query)": ("gemini", _nested_panels),
    "60,000 wrapped list items in an answer": ("perplexity", _wrapped_list),
}


@pytest.mark.parametrize("case", sorted(HANGS))
def test_a_pathological_page_finishes(case: str, tmp_path: Path) -> None:
    engine, build = HANGS[case]
    (tmp_path / "page.html").write_text(build())
    script = (
        "import sys; from pathlib import Path; from citewatch.extract import extract_html; "
        "print(extract_html(sys.argv[1], Path(sys.argv[2]).read_bytes()).status)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, engine, str(tmp_path / "page.html")], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
