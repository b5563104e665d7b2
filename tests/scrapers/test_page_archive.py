"""The page archive (MHTML) a capture keeps for offline rendering: bounded when taken, read back part by part."""

from __future__ import annotations

from citewatch.replay import archived_resources
from citewatch.scrapers.pipeline import bounded_archive

MHTML = (
    b"From: <Saved by Blink>\r\n"
    b"Snapshot-Content-Location: https://www.example.com/search/a\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/related; type="text/html"; boundary="B"\r\n\r\n'
    b"--B\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n"
    b'Content-Location: https://www.example.com/search/a\r\n\r\n<p class=3D"x">page</p>\r\n'
    b"--B\r\nContent-Type: text/css\r\nContent-Transfer-Encoding: quoted-printable\r\n"
    b"Content-Location: https://cdn.example.com/app.css\r\n\r\nbody { font-family: =22A B=22; }\r\n"
    b"--B\r\nContent-Type: font/woff2\r\nContent-Transfer-Encoding: base64\r\n"
    b"Content-Location: https://cdn.example.com/f.woff2\r\n\r\nd09GMgABAAA=\r\n"
    b"--B\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n"
    b"--B--\r\n"
)


def test_an_archive_gives_its_page_url_and_subresources_decoded_without_documents() -> None:
    page_url, resources = archived_resources(MHTML)
    assert page_url == "https://www.example.com/search/a"
    assert resources == {
        "https://cdn.example.com/app.css": ("text/css", b'body { font-family: "A B"; }'),
        "https://cdn.example.com/f.woff2": ("font/woff2", b"wOF2\x00\x01\x00\x00"),
    }, "the page itself and a part without a location are left out"


def test_what_is_not_an_archive_gives_nothing_to_draw_with() -> None:
    assert archived_resources(b"not MIME at all") == (None, {})
    assert archived_resources(b"") == (None, {})


def test_an_archive_over_the_cap_is_left_out_and_the_capture_says_so() -> None:
    assert bounded_archive(None) == (None, [])
    assert bounded_archive(b"x" * 100, 100) == (b"x" * 100, [])
    kept, notes = bounded_archive(b"x" * 2_000_000, 1_000_000)
    assert kept is None
    assert notes == [
        "page archive of 2.0 MB not kept: over the 1.0 MB cap (replay --render draws this capture unstyled)"
    ]
