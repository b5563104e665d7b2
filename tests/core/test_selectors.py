"""Selectors as data: the shipped files compile, every key is used, overrides are checked and take effect."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from citewatch import selectors
from citewatch.extract import extract_html
from citewatch.models import ExtractionStatus
from citewatch.selectors import SelectorError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
PANEL_PAGE = FIXTURES / "perplexity" / "answer-with-sources-panel" / "page.html"
# Perplexity renames the answer's `prose` class: every route to the answer must follow it.
RENAMED_CLASS = "answer-body"
_TOP = f"@class[contains(., '{RENAMED_CLASS}')]/parent::*[not(ancestor::div[contains(@class, '{RENAMED_CLASS}')])]"
RENAME_OVERRIDE = f"""
[extractor]
panel_prose = "descendant::div/{_TOP}"
markdown_prose = "//div/@id[starts-with(., 'markdown-content-')]/parent::*/descendant::div/{_TOP}"
legacy_prose = "//div/@class[contains(., '{RENAMED_CLASS}')]/parent::*[@data-renderer='lm']"
"""


@pytest.fixture(autouse=True)
def _shipped_selectors_after() -> Iterator[None]:
    yield
    selectors.configure(None)


def _override(folder: Path, engine: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{engine}.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("engine", selectors.shipped_engines())
def test_shipped_selectors_compile(engine: str) -> None:
    loaded = selectors.load(engine)
    assert loaded.css or loaded.xpath
    assert loaded.override is None and loaded.overridden == ()


# The modules that read a shared file (an engine's own file is read by scrapers/<engine>.py and extract/<engine>.py).
SHARED_READERS = {selectors.GOOGLE: ("scrapers/_google.py", "extract/_google.py", "extract/_aimc.py")}


@pytest.mark.parametrize("engine", [e for e in selectors.shipped_engines() if e != selectors.COMMON])
def test_every_shipped_key_is_used_by_the_engine(engine: str) -> None:
    """A key no module reads would be a selector users mend for nothing."""
    loaded = selectors.load(engine)
    readers = SHARED_READERS.get(engine, (f"scrapers/{engine}.py", f"extract/{engine}.py"))
    code = "\n".join((ROOT / "citewatch" / path).read_text(encoding="utf-8") for path in readers)
    keys = [*loaded.css, *loaded.xpath, *loaded.names]
    assert [key for key in keys if f'"{key}"' not in code] == []


def test_common_walls_are_used_by_the_steps_and_the_extractors() -> None:
    """The wall vocabulary in both its forms: the scraper's CSS by the steps, the XPaths and names by `_html`."""
    walls = selectors.load(selectors.COMMON)
    steps = (ROOT / "citewatch" / "scrapers" / "steps.py").read_text(encoding="utf-8")
    html = (ROOT / "citewatch" / "extract" / "_html.py").read_text(encoding="utf-8")
    assert [key for key in walls.css if f'"{key}"' not in steps and f"'{key}'" not in steps] == []
    assert [key for key in [*walls.xpath, *walls.names] if f'"{key}"' not in html] == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            '[scraper]\nanswr = "div.answer"\n',
            r"perplexity\.toml: scraper\.answr: unknown key \(did you mean 'answer'\?\)",
        ),
        (
            '[scrapper]\nanswer = "div.answer"\n',
            r"perplexity\.toml: unknown section \[scrapper\] \(did you mean 'scraper'\?\)",
        ),
        ("[scraper]\nanswer = ['div.a', 'div.b']\n", r"perplexity\.toml: scraper\.answer: expected a string, got \("),
        ("[scraper]\nconsent_buttons = 'button'\n", r"scraper\.consent_buttons: expected a list of strings"),
        ("[scraper]\nanswer = 3\n", r"scraper\.answer: expected a non-empty string or list of strings, got 3"),
        ('[scraper]\nanswer = "div[id^="\n', r"perplexity\.toml: scraper\.answer: not a valid selector 'div\[id\^='"),
        (
            "[extractor]\nturn_panels = '//div[@role='\n",
            r"perplexity\.toml: extractor\.turn_panels: XPath does not compile",
        ),
        (
            "[extractor]\nturn_panels = 'nosuch(//div)'\n",
            r"extractor\.turn_panels: XPath does not compile \(Unregistered",
        ),
        ("[scraper\n", r"perplexity\.toml: not a valid TOML file"),
    ],
)
def test_a_bad_override_is_one_line_naming_file_key_and_problem(tmp_path: Path, text: str, problem: str) -> None:
    folder = _override(tmp_path / "sel", "perplexity", text)
    with pytest.raises(SelectorError) as caught:
        selectors.configure(folder)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(folder / "perplexity.toml"))
    assert re.search(problem, message), message


def test_an_override_for_no_known_engine_is_refused(tmp_path: Path) -> None:
    folder = _override(tmp_path / "sel", "perplexty", "[scraper]\n")
    with pytest.raises(
        SelectorError, match=r"perplexty\.toml: no engine named 'perplexty' \(did you mean 'perplexity'\?\)"
    ):
        selectors.configure(folder)


def test_a_missing_override_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SelectorError, match="the selectors folder does not exist"):
        selectors.configure(tmp_path / "nowhere")


def test_an_override_replaces_only_its_keys_and_changes_the_digest(tmp_path: Path) -> None:
    shipped = selectors.load("perplexity")
    folder = _override(tmp_path / "sel", "perplexity", "[scraper]\nanswer = 'div.answer-body'\n")
    mended = selectors.load("perplexity", folder)
    assert mended.css["answer"] == "div.answer-body"
    assert {k: v for k, v in mended.css.items() if k != "answer"} == {
        k: v for k, v in shipped.css.items() if k != "answer"
    }
    assert mended.overridden == ("scraper.answer",) and mended.override == folder / "perplexity.toml"
    assert mended.digest != shipped.digest


def test_scraper_attributes_follow_the_override(tmp_path: Path) -> None:
    from citewatch.scrapers.perplexity import SCRAPER

    assert SCRAPER.answer == 'div[id^="markdown-content-"]'
    selectors.configure(_override(tmp_path / "sel", "perplexity", "[scraper]\nanswer = 'div.answer-body'\n"))
    assert SCRAPER.answer == "div.answer-body"
    selectors.configure(None)
    assert SCRAPER.answer == 'div[id^="markdown-content-"]'


def test_the_environment_variable_names_the_override_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _override(tmp_path / "sel", "perplexity", "[scraper]\nanswer = 'div.answer-body'\n")
    monkeypatch.setenv(selectors.ENV_VAR, str(folder))
    selectors._current.configured = False  # as in a fresh process
    assert selectors.override_dir() == folder
    assert selectors.current("perplexity") is not None
    assert selectors.current("perplexity").css["answer"] == "div.answer-body"  # type: ignore[union-attr]


def test_an_override_renaming_the_answer_container_empties_the_shipped_page(tmp_path: Path) -> None:
    page = PANEL_PAGE.read_bytes()
    assert extract_html("perplexity", page).status is ExtractionStatus.answered
    selectors.configure(_override(tmp_path / "sel", "perplexity", RENAME_OVERRIDE))
    mended = extract_html("perplexity", page)
    assert mended.status is ExtractionStatus.no_answer and mended.answer.text == ""
    assert any("selectors overridden by" in w and "extractor.panel_prose" in w for w in mended.warnings)


def test_an_override_matching_a_renamed_container_reads_the_answer(tmp_path: Path) -> None:
    original = PANEL_PAGE.read_text(encoding="utf-8")
    renamed = re.sub(r'class="prose ', f'class="{RENAMED_CLASS} ', original)
    assert renamed != original
    expected = extract_html("perplexity", original)
    shipped = extract_html("perplexity", renamed)
    assert shipped.status is ExtractionStatus.no_answer  # the engine changed: the shipped selectors miss it
    selectors.configure(_override(tmp_path / "sel", "perplexity", RENAME_OVERRIDE))
    mended = extract_html("perplexity", renamed)
    assert mended.status is ExtractionStatus.answered
    assert mended.answer.text == expected.answer.text and expected.answer.text
    assert [c.canonical_url for c in mended.citations] == [c.canonical_url for c in expected.citations]
    assert [s.canonical_url for s in mended.sources] == [s.canonical_url for s in expected.sources]


def test_fixtures_check_runs_with_the_override(cli: Callable[..., CompletedProcess[str]], tmp_path: Path) -> None:
    folder = _override(tmp_path / "sel", "perplexity", RENAME_OVERRIDE)
    passed = cli("fixtures", "check", "--root", str(FIXTURES))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    failed = cli("fixtures", "check", "--root", str(FIXTURES), "--selectors", str(folder))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"FAIL .*perplexity", failed.stdout), failed.stdout
    assert "overrides extractor.panel_prose, extractor.markdown_prose, extractor.legacy_prose" in failed.stderr


def test_a_bad_override_stops_the_command_with_one_line(
    cli: Callable[..., CompletedProcess[str]], tmp_path: Path
) -> None:
    folder = _override(tmp_path / "sel", "perplexity", "[extractor]\nturn_panel = '//div'\n")
    result = cli("extract", "perplexity", str(PANEL_PAGE), "--selectors", str(folder))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0] == (
        f"error: {folder / 'perplexity.toml'}: extractor.turn_panel: unknown key (did you mean 'turn_panels'?)"
    )


def test_perplexity_marks_the_cards_of_every_result_tab_the_extractor_reads() -> None:
    from citewatch.extract.perplexity import CARD_PANELS

    marks = selectors.load("perplexity").css["source_marks"]
    assert isinstance(marks, str)
    assert all(f'[id$="-content-{tab}"] a[href]' in marks for tab in ("sources", *CARD_PANELS))


# Google AI Overviews, current layout: Google renames the answer component's `data-subtree=aimc`. The component is
# shared with AI Mode, so its keys are mended in _google.toml; the module's own fallback route is google_aio's.
AIO_PAGE = FIXTURES / "google_aio" / "current-layout-cards-and-list" / "page.html"
AIMC_RENAMED = "aimx"
AIMC_OVERRIDE = f"""
[extractor]
answer_containers = "descendant-or-self::div/@data-subtree[. = '{AIMC_RENAMED}']/parent::*"
"""


def test_a_google_override_of_the_answer_component_reads_a_renamed_one(tmp_path: Path) -> None:
    original = AIO_PAGE.read_text(encoding="utf-8")
    renamed = original.replace('data-subtree="aimc"', f'data-subtree="{AIMC_RENAMED}"')
    assert renamed != original
    expected = extract_html("google_aio", original)
    assert expected.status is ExtractionStatus.answered and expected.citations
    assert extract_html("google_aio", renamed).answer.text != expected.answer.text  # the shipped keys miss it
    selectors.configure(_override(tmp_path / "sel", selectors.GOOGLE, AIMC_OVERRIDE))
    lost = extract_html("google_aio", original)
    assert lost.answer.text != expected.answer.text  # the override no longer finds the shipped page's component
    mended = extract_html("google_aio", renamed)
    assert mended.status is ExtractionStatus.answered
    assert mended.answer.text == expected.answer.text
    assert [c.canonical_url for c in mended.citations] == [c.canonical_url for c in expected.citations]
    assert [s.canonical_url for s in mended.sources] == [s.canonical_url for s in expected.sources]
    assert any("_google.toml" in w and "extractor.answer_containers" in w for w in mended.warnings)


def test_a_shared_google_key_in_an_engine_file_points_at_the_shared_file(tmp_path: Path) -> None:
    folder = _override(tmp_path / "sel", "google_aio", AIMC_OVERRIDE)
    with pytest.raises(
        SelectorError, match=r"google_aio\.toml: extractor\.answer_containers: unknown key \(it is shared"
    ):
        selectors.configure(folder)


def test_an_override_of_the_extractors_walls_is_named_in_every_engines_warnings(tmp_path: Path) -> None:
    page = (FIXTURES / "google_aio" / "captcha-sorry" / "page.html").read_bytes()
    assert extract_html("google_aio", page).status is ExtractionStatus.captcha
    form = "boolean(/descendant::form[@id = 'no-such-form'])"
    walls = f'[extractor]\ncaptcha_form = "{form}"\n[names]\ncaptcha_widget_classes = ["no-such-widget"]\n'
    selectors.configure(_override(tmp_path / "sel", selectors.COMMON, walls))
    mended = extract_html("google_aio", page)
    assert mended.status is not ExtractionStatus.captcha
    assert any("_common.toml" in w and "extractor.captcha_form" in w for w in mended.warnings)
