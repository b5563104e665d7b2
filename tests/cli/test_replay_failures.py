"""`replay` goes on past a capture it cannot read, and says which."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from citewatch.models import CaptureResult, CaptureStatus
from citewatch.storage import Store
from citewatch.storage import tables as t

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"


def test_replay_all_goes_on_past_a_damaged_capture_and_reports_it(cli, db_url: str) -> None:
    now = datetime.now(UTC)
    pages = [
        (FIXTURES / "perplexity" / case / "page.html").read_text() for case in ("no-sources", "lists-and-mentions")
    ]
    with Store.open(db_url) as store:
        run_id = store.start_run(kind="capture")
        ids = []
        for html in pages:
            capture_id = store.start_capture(run_id=run_id, prompt="p", engine="perplexity")
            store.finish_capture(
                capture_id,
                CaptureResult(
                    engine="perplexity", status=CaptureStatus.answered, started_at=now, finished_at=now, html=html
                ),
            )
            ids.append(capture_id)
        damaged = store.get_capture(ids[0]).artifacts["dom"]
        with store.engine.begin() as connection:
            connection.execute(update(t.Artifact).where(t.Artifact.sha256 == damaged).values(data=b"not zstd"))
    done = cli("replay", "--all")
    assert done.returncode == 1
    assert "replayed 1 snapshots" in done.stdout and "1 failed" in done.stdout, done.stdout
    assert done.stderr.strip().splitlines() == [
        f"capture {ids[0]} failed: artifact {damaged[:12]} is damaged and cannot be read: "
        + done.stderr.split("cannot be read: ", 1)[1].strip()
    ]
    with Store.open(db_url) as store:
        assert store.latest_extraction(ids[1]) is not None, "the capture after the damaged one was replayed"
