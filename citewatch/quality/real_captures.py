"""The quality gate on real pages: the saved captures of `shared/captures`, scored against a small gold.

The captures are third-party pages that never enter the repository; `fixtures/real_captures_gold.json` holds
only what was checked by hand on each (read with lxml): URLs it must cite, URLs it must not, and the status
it must read as. A must-cite URL found is a true positive, one missing a false negative, a must-not-cite URL
found a false positive; the per-engine F1 is pinned beside the fixtures' floors (`real_capture_floors`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citewatch.config import get_settings
from citewatch.errors import ConfigError
from citewatch.extract._urls import canonical_url
from citewatch.models import Snapshot
from citewatch.quality.gate import ConfusionMatrix, below_floors, extract_for_gate, read_baseline

GOLD = "real_captures_gold.json"


@dataclass(slots=True)
class RealScores:
    cases: int = 0
    urls: ConfusionMatrix = field(default_factory=ConfusionMatrix)
    crashed: list[str] = field(default_factory=list)
    wrong_status: list[str] = field(default_factory=list)

    @property
    def f1(self) -> float:
        return self.urls.f1 if not self.urls.empty else 1.0


def captures_dir(root: Path) -> Path:
    """Where the real captures are: `CITEWATCH_CAPTURES`, else `shared/captures` beside the checkout."""
    return get_settings().captures or root.resolve().parent.parent / "shared" / "captures"


def read_gold(root: Path) -> dict[str, dict[str, Any]]:
    path = root / GOLD
    if not path.is_file():
        raise ConfigError(f"no real-capture gold at {path}")
    gold: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["captures"]
    return gold


def evaluate_real(root: Path, captures: Path) -> dict[str, RealScores]:
    """Score every capture the gold names; a capture missing from the folder is an error, not a pass."""
    scores: dict[str, RealScores] = {}
    for name, gold in sorted(read_gold(root).items()):
        engine = name.split("/", 1)[0]
        page = captures / name
        if not page.is_file():
            raise ConfigError(f"{page} is named in {root / GOLD} but missing: is {captures} the captures folder?")
        score = scores.setdefault(engine, RealScores())
        score.cases += 1
        found = extract_for_gate(Snapshot(engine=engine, html=page.read_bytes()), name, score.crashed)
        if not found:
            score.urls.add(_canonical(gold["must_cite"]), [])
            continue
        cited = {item["canonical_url"] for key in ("citations", "sources") for item in found[key]} - {None}
        must, must_not = set(_canonical(gold["must_cite"])), set(_canonical(gold["must_not_cite"]))
        score.urls.tp += len(must & cited)
        score.urls.fn += len(must - cited)
        score.urls.fp += len(must_not & cited)
        if found["status"] != gold["status"]:
            score.wrong_status.append(f"{name}: read as {found['status']}, the page is {gold['status']}")
    return scores


def check_real(root: Path, scores: dict[str, RealScores]) -> list[str]:
    """What fails the gate on real pages: a crash, a wrong status, or an engine below its pinned floor."""
    floors: dict[str, float] = read_baseline(root).get("real_capture_floors", {})
    failures = below_floors(scores, floors, "real-capture")
    return failures + [wrong for score in scores.values() for wrong in score.wrong_status]


def _canonical(urls: list[str]) -> list[str]:
    return [c for c in (canonical_url(u) for u in urls) if c]
