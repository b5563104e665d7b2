"""The stability report read from a real store: runs grouped per engine and prompt, hand-checked values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from citewatch.analysis.report import stability
from citewatch.cli.report import parse_since
from citewatch.errors import ConfigError
from citewatch.models import CaptureResult, CaptureStatus, Citation, CitationKind, Extraction, ExtractionStatus
from citewatch.storage import Store

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def add_run(store: Store, prompt: str, domains: list[str], *, minutes: int, status=CaptureStatus.answered) -> None:
    run_id = store.start_run(kind="test")
    capture_id = store.start_capture(run_id=run_id, prompt=prompt, engine="perplexity")
    when = T0 + timedelta(minutes=minutes)
    store.finish_capture(
        capture_id,
        CaptureResult(engine="perplexity", status=status, started_at=when, finished_at=when, html="<html></html>"),
    )
    citations = [
        Citation(position=i, kind=CitationKind.chip, url=f"https://{d}/", canonical_url=f"https://{d}/", domain=d)
        for i, d in enumerate(domains, start=1)
    ]
    store.save_extraction(
        capture_id,
        Extraction(engine="perplexity", extractor_version="t/1", status=ExtractionStatus.answered, citations=citations),
    )


def test_runs_are_grouped_and_measured(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'r.db'}") as store:
        add_run(store, "crm", ["a.com", "b.com", "b.com"], minutes=0)  # two citations of b count once
        add_run(store, "crm", ["b.com", "c.com"], minutes=1)
        add_run(store, "crm", [], minutes=2)  # answered without citations: still a run
        add_run(store, "crm", ["a.com"], minutes=3, status=CaptureStatus.blocked)  # not a run
        add_run(store, "shoes", ["d.com"], minutes=4)
        crm, shoes = stability(store)
        assert (crm.prompt, crm.n, shoes.prompt, shoes.n) == ("crm", 3, "shoes", 1)
        assert crm.runs == [frozenset({"a.com", "b.com"}), frozenset({"b.com", "c.com"}), frozenset()]
        summary = crm.summary()
        # pairs: {a,b}~{b,c} = 1/3, {a,b}~{} = 0, {b,c}~{} = 0 -> mean 1/9
        assert summary["mean_pairwise_jaccard"] == round(1 / 9, 4)
        assert summary["change_rate"] == 1.0
        rates = {d["domain"]: (d["runs"], d["rate"]) for d in summary["domains"]}
        assert rates == {"b.com": (2, 0.6667), "a.com": (1, 0.3333), "c.com": (1, 0.3333)}
        assert [g.prompt for g in stability(store, prompt="shoes")] == ["shoes"]
        assert list(stability(store, since=T0 + timedelta(minutes=10))) == []


def test_since_accepts_durations_and_dates() -> None:
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("12h", now) == now - timedelta(hours=12)
    assert parse_since("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since(None, now) is None
    with pytest.raises(ConfigError, match="--since takes"):
        parse_since("soon", now)


def test_brand_visibility_is_recomputed_from_stored_extractions(tmp_path: Path) -> None:
    from citewatch.analysis.brands import BrandSet
    from citewatch.analysis.report import brand_visibility
    from citewatch.models import Answer, AnswerBlock, BlockKind

    brands = BrandSet.model_validate({"brand": [{"name": "Acme", "ours": True}, {"name": "Bolt"}]})
    answers = ["Acme and Bolt. Acme again.", "Bolt only.", "I couldn't find information about Acme."]
    with Store.open(f"sqlite:///{tmp_path / 'b.db'}") as store:
        for minute, text in enumerate(answers):
            add_run(store, "crm", [], minutes=minute)
            capture_id = store.list_captures()[-1].id
            block = AnswerBlock(index=0, kind=BlockKind.paragraph, text=text)
            store.save_extraction(
                capture_id,
                Extraction(
                    engine="perplexity",
                    extractor_version="t/2",
                    status=ExtractionStatus.answered,
                    answer=Answer(text=text, blocks=[block]),
                ),
            )
        (group,) = brand_visibility(store, brands)
    assert group.runs == [["Acme", "Bolt", "Acme"], ["Bolt"], []]  # the absence mention is left out
    acme, bolt = group.rows(brands)
    assert (acme.mention_rate.k, acme.mention_rate.n) == (1, 3)
    # a brand counts once per answer (§6): Acme in 1 of 3 (brand, answer) mentions; 1 of 2 naming answers
    assert acme.sov_mentions == 1 / 3 and acme.sov_answers == 1 / 2
    assert bolt.average_rank == 1.5  # 2nd in the first answer, 1st in the second
    assert acme.as_json()["ci95_high"] == round(acme.mention_rate.high, 4)
