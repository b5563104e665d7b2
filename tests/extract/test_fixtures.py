"""Golden tests: every fixtures/<engine>/<case>/ page gives exactly its hand-checked expected.json.

`pytest --update-goldens` (or CITEWATCH_UPDATE_GOLDENS=1) rewrites the goldens and still fails, so the
change is reviewed in git before it is committed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citewatch.extract import extract_snapshot
from citewatch.quality.gate import EXPECTED, cases, load_case, write_expected

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CASES = cases(FIXTURES)


@pytest.mark.parametrize("folder", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_fixture_matches_its_golden(folder: Path, update_goldens: bool) -> None:
    extraction = extract_snapshot(load_case(folder))
    if update_goldens:
        write_expected(folder, extraction)
        pytest.fail(f"rewrote {folder / EXPECTED}: review the diff, then run the tests again without the flag")
    expected = json.loads((folder / EXPECTED).read_text(encoding="utf-8"))
    assert extraction.model_dump(mode="json") == expected


def test_every_engine_with_fixtures_is_registered() -> None:
    from citewatch.engines import ENGINES

    assert {c.parent.name for c in CASES} <= set(ENGINES)
