"""`replay` goes on past a capture it cannot read, and says which; `--render` reaches nothing."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from citewatch.storage import Store
from citewatch.storage import tables as t

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"


def test_replay_all_goes_on_past_a_damaged_capture_and_reports_it(cli, db_url: str, store_capture) -> None:
    ids = [
        store_capture(db_url, html=(FIXTURES / "perplexity" / case / "page.html").read_text())
        for case in ("no-sources", "lists-and-mentions")
    ]
    with Store.open(db_url) as store:
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


@pytest.fixture
def listener() -> Iterator[tuple[int, list[object]]]:
    """A local socket that records every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    accepted: list[object] = []

    def accept() -> None:
        while True:
            try:
                connection, address = server.accept()
            except OSError:
                return
            accepted.append(address)
            connection.close()

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1], accepted
    server.close()


@pytest.mark.parametrize("archived", [False, True], ids=["dom only", "with its page archive"])
def test_render_opens_no_connection_whatever_the_page_asks(
    cli, db_url: str, tmp_path: Path, listener, store_capture, archived: bool
) -> None:
    port, accepted = listener
    for host in ("127.0.0.1", "localhost"):
        socket.create_connection((host, port), timeout=5).close()  # the listener does hear connections
    time.sleep(0.3)
    heard = len(accepted)
    assert heard == 2
    at = f"http://127.0.0.1:{port}"
    html = (
        f'<html><head><meta http-equiv="refresh" content="0;url={at}/refresh">'
        f'<link rel="preconnect" href="{at}/"><link rel="dns-prefetch" href="http://localhost:{port}/">'
        f'<link rel="stylesheet" href="{at}/a.css"></head><body><p>hello</p>'
        f'<iframe src="{at}/frame"></iframe><iframe src="http://localhost:{port}/frame"></iframe>'
        f'<img src="{at}/i.png"><video src="{at}/v.mp4" autoplay></video><object data="{at}/o"></object></body></html>'
    )
    archive = _archive(at, html) if archived else None
    capture_id = store_capture(db_url, html=html, url="https://www.perplexity.ai/search/x", page_archive=archive)
    done = cli("replay", "--capture", str(capture_id), "--render", str(tmp_path / "shot.png"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "shot.png").read_bytes().startswith(b"\x89PNG")
    assert ("kept no stylesheets" in done.stdout) is not archived, done.stdout
    time.sleep(1)
    assert len(accepted) == heard, "the render connected to the page's hosts"


def _archive(at: str, html: str) -> bytes:
    """An MHTML as Chromium writes one: the page, a frame document, and a stylesheet that asks for more (an
    import, a font, an image) than the archive holds; the stylesheet is answered from it, nothing else."""
    parts = [
        ("text/html", f"{at}/page", html),
        ("text/html", f"{at}/frame", "<p>a frame</p>"),
        (
            "text/css",
            f"{at}/a.css",
            f'@import url("{at}/more.css"); @font-face {{ font-family: F; src: url("{at}/f.woff2"); }}'
            f' body {{ font-family: F; background: url("{at}/bg.png"); }}',
        ),
    ]
    body = "".join(
        f"--B\r\nContent-Type: {kind}\r\nContent-Location: {url}\r\n\r\n{text}\r\n" for kind, url, text in parts
    )
    head = (
        f"From: <Saved by Blink>\r\nSnapshot-Content-Location: {at}/page\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/related; type="text/html"; boundary="B"\r\n\r\n'
    )
    return (head + body + "--B--\r\n").encode()


@pytest.mark.parametrize(
    "url", ["https://www.perplexity.ai", "https://www.perplexity.ai/search/a b", "https://www.perplexity.ai/x#part"]
)
def test_render_takes_any_stored_url(cli, db_url: str, tmp_path: Path, url: str, store_capture) -> None:
    capture_id = store_capture(db_url, html="<html><body><p>hello</p></body></html>", url=url)
    done = cli("replay", "--capture", str(capture_id), "--render", str(tmp_path / "shot.png"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_render_to_an_unwritable_path_is_one_line(cli, db_url: str, tmp_path: Path, store_capture) -> None:
    capture_id = store_capture(db_url, html="<html><body><p>hello</p></body></html>", url="https://www.perplexity.ai/")
    (tmp_path / "a-file").write_text("x")
    done = cli("replay", "--capture", str(capture_id), "--render", str(tmp_path / "a-file" / "shot.png"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "cannot write" in done.stderr, done.stderr
