"""The extraction quality gate (trafilatura's eval_gate, for citations and sources).

The gate runs the extractors without `extract_snapshot`'s safety net (`extract_or_raise`): in production a
crash becomes an `error` record, but here it must fail the gate, named by its page.

Each fixture case (`fixtures/<engine>/<case>/`) holds a page and its hand-checked `expected.json`. The
current extractors are scored against them: citation and source URLs (canonical form, counted with
multiplicity) give true/false positives and negatives, hence precision, recall and F1 per engine. The
floors are pinned in `fixtures/quality_baseline.json` with a fingerprint of the corpus; a floor only goes
down on purpose (`allow_regression`), and a changed corpus must be re-measured and re-pinned.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from citewatch.errors import ConfigError
from citewatch.extract import extract_or_raise, extract_snapshot
from citewatch.models import Extraction, NetworkRecord, Snapshot

BASELINE = "quality_baseline.json"
UPDATE = "citewatch fixtures check --update"
EPSILON = 0.0005  # one flipped URL moves F1 by more than this; do not fail on float noise
PAGE, EXPECTED, NETWORK, META = "page.html", "expected.json", "network.json", "meta.json"


@dataclass(slots=True)
class ConfusionMatrix:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, expected: list[str], found: list[str]) -> None:
        want, got = Counter(expected), Counter(found)
        hits = sum((want & got).values())
        self.tp += hits
        self.fp += sum(got.values()) - hits
        self.fn += sum(want.values()) - hits

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def empty(self) -> bool:
        return self.tp + self.fp + self.fn == 0

    def describe(self) -> str:
        if self.empty:
            return "n/a (no URLs)"
        return f"{self.precision:.3f} / {self.recall:.3f} / {self.f1:.3f}"


@dataclass(slots=True)
class EngineScores:
    cases: int = 0
    citations: ConfusionMatrix = field(default_factory=ConfusionMatrix)
    sources: ConfusionMatrix = field(default_factory=ConfusionMatrix)
    crashed: list[str] = field(default_factory=list)

    @property
    def f1(self) -> float:
        """The engine's score: F1 over citation and source URLs together."""
        both = ConfusionMatrix(
            self.citations.tp + self.sources.tp,
            self.citations.fp + self.sources.fp,
            self.citations.fn + self.sources.fn,
        )
        return both.f1 if not both.empty else 1.0


def cases(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*/*/") if (p / PAGE).is_file())


def load_case(folder: Path) -> Snapshot:
    """The snapshot a fixture folder describes (page, optional network payloads and URL)."""
    meta = json.loads((folder / META).read_text(encoding="utf-8")) if (folder / META).is_file() else {}
    network: list[NetworkRecord] = []
    if (folder / NETWORK).is_file():
        network = [NetworkRecord.model_validate(r) for r in json.loads((folder / NETWORK).read_text(encoding="utf-8"))]
    html = (folder / PAGE).read_bytes()
    return Snapshot(engine=folder.parent.name, html=html, url=meta.get("url"), network=network)


def _urls(record: dict[str, Any], key: str) -> list[str]:
    return [item["canonical_url"] for item in record.get(key, []) if item.get("canonical_url")]


def extract_for_gate(snapshot: Snapshot, label: str, crashed: list[str]) -> dict[str, Any]:
    """The extraction as JSON; an extractor's exception is recorded under `label` and scored as a full miss."""
    try:
        return extract_or_raise(snapshot).model_dump(mode="json")
    except Exception as exc:  # noqa: BLE001 - every crash is reported by page, and the gate fails
        crashed.append(f"{label}: extractor crashed: {type(exc).__name__}: {exc}")
        return {}


def evaluate(root: Path) -> dict[str, EngineScores]:
    """Score the current extractors on every fixture case; a crash counts as a full miss."""
    scores: dict[str, EngineScores] = {}
    for folder in cases(root):
        engine = folder.parent.name
        score = scores.setdefault(engine, EngineScores())
        score.cases += 1
        expected = json.loads((folder / EXPECTED).read_text(encoding="utf-8"))
        found = extract_for_gate(load_case(folder), f"{engine}/{folder.name}", score.crashed)
        score.citations.add(_urls(expected, "citations"), _urls(found, "citations"))
        score.sources.add(_urls(expected, "sources"), _urls(found, "sources"))
    return scores


def corpus_sha(root: Path) -> str:
    """A fingerprint of every fixture file and its path: annotations or pages changed -> re-measure."""
    digest = hashlib.sha256()
    for folder in cases(root):
        for file in sorted(p for p in folder.iterdir() if p.is_file()):
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(file.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def read_baseline(root: Path) -> dict[str, Any]:
    path = root / BASELINE
    if not path.is_file():
        raise ConfigError(f"no quality baseline at {path}: run `citewatch fixtures check --update` to pin one")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


class Scored(Protocol):
    crashed: list[str]

    @property
    def f1(self) -> float: ...


def below_floors(scores: Mapping[str, Scored], floors: Mapping[str, float], what: str) -> list[str]:
    """Crashes, engines without a floor, and engines below theirs (`what` names the corpus in the messages)."""
    failures = [crash for score in scores.values() for crash in score.crashed]
    for engine, score in sorted(scores.items()):
        floor = floors.get(engine)
        if floor is None:
            failures.append(f"{engine}: no {what} floor pinned - run " + UPDATE)
        elif score.f1 < floor - EPSILON:
            failures.append(f"{engine}: {what} F1 {score.f1:.4f} is below its floor {floor:.4f}")
    return failures


def check_against_baseline(root: Path, scores: dict[str, EngineScores]) -> list[str]:
    """What fails the gate: a changed corpus, a crash, or an engine below its pinned floor."""
    baseline = read_baseline(root)
    failures = []
    if baseline.get("corpus_sha") != corpus_sha(root):
        failures.append("fixture corpus changed (pages or expected.json) - re-measure and re-pin: " + UPDATE)
    return failures + below_floors(scores, baseline.get("floors", {}), "fixtures")


def update_baseline(
    root: Path,
    scores: dict[str, EngineScores],
    *,
    allow_regression: bool = False,
    real: Mapping[str, Scored] | None = None,
) -> Path:
    """Pin the current scores as floors; lowering a floor needs `allow_regression`. Written atomically.

    `real` are the real captures' scores; without them (captures absent) their pinned floors are kept.
    """
    path = root / BASELINE
    old = read_baseline(root) if path.is_file() else {}
    floors = _pinned(scores, old.get("floors", {}), allow_regression)
    data: dict[str, Any] = {
        "floors": floors,
        "corpus_sha": corpus_sha(root),
        "cases": sum(s.cases for s in scores.values()),
    }
    real_floors = _pinned(real, old.get("real_capture_floors", {}), allow_regression) if real else None
    if real_floors or old.get("real_capture_floors"):
        data["real_capture_floors"] = real_floors or old["real_capture_floors"]
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def _pinned(scores: Mapping[str, Scored], old: Mapping[str, float], allow_regression: bool) -> dict[str, float]:
    floors = {engine: round(score.f1, 4) for engine, score in sorted(scores.items())}
    lowered = [f"{e}: {old[e]:.4f} -> {f:.4f}" for e, f in floors.items() if e in old and f < old[e] - EPSILON]
    if lowered and not allow_regression:
        raise ConfigError("refusing to lower floors (" + "; ".join(lowered) + "); pass --allow-regression to do it")
    return floors


def write_expected(folder: Path, extraction: Extraction) -> None:
    payload = json.dumps(extraction.model_dump(mode="json"), indent=2, ensure_ascii=False, sort_keys=True)
    (folder / EXPECTED).write_text(payload + "\n", encoding="utf-8")


def add_fixture(snapshot: Snapshot, name: str, root: Path) -> Path:
    """A new case from a stored snapshot, with its golden from the current extractor (to be reviewed)."""
    if not name or any(c not in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in name):
        raise ConfigError(f"fixture names are kebab-case (a-z, 0-9, -): {name!r}")
    folder = root / snapshot.engine / name
    if folder.exists():
        raise ConfigError(f"{folder} already exists; pick another name")
    folder.mkdir(parents=True)
    (folder / PAGE).write_bytes(snapshot.html_bytes())
    if snapshot.network:
        records = [n.model_dump(mode="json") for n in snapshot.network]
        (folder / NETWORK).write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
    if snapshot.url:
        (folder / META).write_text(json.dumps({"url": snapshot.url}, indent=2) + "\n", encoding="utf-8")
    write_expected(folder, extract_snapshot(snapshot))
    return folder
