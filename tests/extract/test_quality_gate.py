"""The quality gate itself: scores, the corpus fingerprint, floors that only go down on purpose."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

import citewatch.extract.perplexity as perplexity
from citewatch.errors import ConfigError
from citewatch.extract import extract_snapshot
from citewatch.models import Extraction, ExtractionStatus, Snapshot
from citewatch.quality import gate, real_captures

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_the_shipped_fixtures_pass_their_pinned_floors() -> None:
    scores = gate.evaluate(FIXTURES)
    assert gate.check_against_baseline(FIXTURES, scores) == []
    assert set(json.loads((FIXTURES / gate.BASELINE).read_text())["floors"]) == set(scores)


def test_confusion_matrix_counts_with_multiplicity() -> None:
    matrix = gate.ConfusionMatrix()
    matrix.add(["a", "a", "b"], ["a", "c"])
    assert (matrix.tp, matrix.fp, matrix.fn) == (1, 1, 2)
    assert matrix.precision == 0.5 and matrix.recall == pytest.approx(1 / 3) and matrix.f1 == pytest.approx(0.4)
    assert gate.ConfusionMatrix().f1 == 0.0 and gate.ConfusionMatrix().describe() == "n/a (no URLs)"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "fixtures"
    for case in ("answer-with-sources-panel", "grouped-chip-expanded"):
        shutil.copytree(FIXTURES / "perplexity" / case, root / "perplexity" / case)
    gate.update_baseline(root, gate.evaluate(root))
    return root


def test_the_corpus_fingerprint_reacts_to_content_and_paths(corpus: Path) -> None:
    pinned = gate.corpus_sha(corpus)
    assert gate.check_against_baseline(corpus, gate.evaluate(corpus)) == []
    case = corpus / "perplexity" / "grouped-chip-expanded"
    case.rename(case.with_name("renamed-case"))  # same bytes, another path
    renamed = gate.corpus_sha(corpus)
    assert renamed != pinned
    failures = gate.check_against_baseline(corpus, gate.evaluate(corpus))
    assert any("corpus changed" in f and "re-pin" in f for f in failures)
    meta = corpus / "perplexity" / "renamed-case" / "meta.json"
    meta.write_text(meta.read_text().replace("when-do-startups", "when-do-founders"))  # same path, other bytes
    assert gate.corpus_sha(corpus) not in (pinned, renamed)


def test_a_regression_fails_and_floors_are_not_lowered_silently(corpus: Path) -> None:
    expected = corpus / "perplexity" / "grouped-chip-expanded" / "expected.json"
    golden = json.loads(expected.read_text())
    golden["citations"][0]["canonical_url"] = "https://elsewhere.example/"
    expected.write_text(json.dumps(golden))
    scores = gate.evaluate(corpus)
    assert scores["perplexity"].f1 < 1.0
    failures = gate.check_against_baseline(corpus, scores)
    assert any("below its floor" in f for f in failures)
    with pytest.raises(ConfigError, match="refusing to lower floors"):
        gate.update_baseline(corpus, scores)
    gate.update_baseline(corpus, scores, allow_regression=True)
    assert gate.check_against_baseline(corpus, scores) == []


def test_adding_a_fixture_refuses_to_overwrite(corpus: Path) -> None:
    snapshot = gate.load_case(corpus / "perplexity" / "grouped-chip-expanded")
    folder = gate.add_fixture(snapshot, "copy-of-grouped", corpus)
    assert json.loads((folder / "expected.json").read_text())["status"] == "answered"
    with pytest.raises(ConfigError, match="already exists"):
        gate.add_fixture(snapshot, "copy-of-grouped", corpus)
    with pytest.raises(ConfigError, match="kebab-case"):
        gate.add_fixture(snapshot, "Bad Name", corpus)


def _crashing_on_one_page(monkeypatch: pytest.MonkeyPatch, marker: str) -> None:
    """The perplexity extractor, raising only on pages whose URL holds `marker` (like one failing on walls)."""
    real = perplexity.extract

    def extract(snapshot: Snapshot) -> Extraction:
        if snapshot.url and marker in snapshot.url:
            raise IndexError("list index out of range")
        return real(snapshot)

    monkeypatch.setattr(perplexity, "extract", extract)


def test_an_extractor_crashing_on_one_page_fails_the_gate_naming_it(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _crashing_on_one_page(monkeypatch, "when-do-startups")
    case = corpus / "perplexity" / "grouped-chip-expanded"
    # in production the crash is only an `error` record, which is why the gate cannot go through extract_snapshot
    assert extract_snapshot(gate.load_case(case)).status is ExtractionStatus.error
    scores = gate.evaluate(corpus)
    assert scores["perplexity"].crashed == [
        "perplexity/grouped-chip-expanded: extractor crashed: IndexError: list index out of range"
    ]
    failures = gate.check_against_baseline(corpus, scores)
    assert "perplexity/grouped-chip-expanded: extractor crashed: IndexError: list index out of range" in failures


def test_an_unreadable_snapshot_is_not_a_crash(corpus: Path) -> None:
    crashed: list[str] = []
    found = gate.extract_for_gate(Snapshot(engine="perplexity", html=b"\x00\x01\x02" * 100), "binary", crashed)
    assert crashed == [] and found["status"] == "error"


def test_the_real_captures_meet_their_gold(captures_dir: Path) -> None:
    scores = real_captures.evaluate_real(FIXTURES, captures_dir)
    assert set(scores) == {"perplexity", "chatgpt", "gemini", "google_aio", "google_ai_mode"}
    assert sum(score.cases for score in scores.values()) == len(real_captures.read_gold(FIXTURES))
    assert all(score.urls.tp for score in scores.values()), scores  # every engine has must-cite URLs
    assert real_captures.check_real(FIXTURES, scores) == []


def test_the_real_capture_gold_fails_on_misses_forbidden_urls_and_wrong_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, captures = tmp_path / "fixtures", tmp_path / "captures"
    page = captures / "perplexity" / "saved.html"
    page.parent.mkdir(parents=True)
    page.write_bytes((FIXTURES / "perplexity" / "grouped-chip-expanded" / "page.html").read_bytes())
    cited = [
        c["canonical_url"]
        for c in json.loads((FIXTURES / "perplexity" / "grouped-chip-expanded" / "expected.json").read_text())[
            "citations"
        ]
    ]
    gold = {"perplexity/saved.html": {"status": "answered", "must_cite": cited[:1], "must_not_cite": []}}
    root.mkdir()
    (root / real_captures.GOLD).write_text(json.dumps({"captures": gold}))
    (root / gate.BASELINE).write_text(json.dumps({"real_capture_floors": {"perplexity": 1.0}}))
    assert real_captures.check_real(root, real_captures.evaluate_real(root, captures)) == []

    gold["perplexity/saved.html"] = {
        "status": "blocked",
        "must_cite": [*cited[:1], "https://never-cited.example/page"],
        "must_not_cite": cited[1:2],
    }
    (root / real_captures.GOLD).write_text(json.dumps({"captures": gold}))
    scores = real_captures.evaluate_real(root, captures)
    assert (scores["perplexity"].urls.tp, scores["perplexity"].urls.fn, scores["perplexity"].urls.fp) == (1, 1, 1)
    failures = real_captures.check_real(root, scores)
    assert any("real-capture F1" in f and "below its floor" in f for f in failures), failures
    assert "perplexity/saved.html: read as answered, the page is blocked" in failures

    page.unlink()
    with pytest.raises(ConfigError, match="missing"):
        real_captures.evaluate_real(root, captures)


def test_fixtures_check_says_when_it_skips_the_real_captures(
    cli: Callable[..., CompletedProcess[str]], cli_env: dict[str, str], tmp_path: Path
) -> None:
    cli_env["CITEWATCH_CAPTURES"] = str(tmp_path / "no-captures")
    result = cli("fixtures", "check", "--root", str(FIXTURES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "real captures: skipped" in " ".join(result.stdout.split())
