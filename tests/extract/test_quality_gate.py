"""The quality gate itself: scores, the corpus fingerprint, floors that only go down on purpose."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from citewatch.errors import ConfigError
from citewatch.quality import gate

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
