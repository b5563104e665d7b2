from __future__ import annotations

import pytest

from citewatch.extract._urls import canonical_url, registrable_domain, url_fields


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://Example.COM/Path?utm_source=chatgpt.com&a=1", "https://example.com/Path?a=1"),
        ("https://example.com/a#:~:text=quoted%20words", "https://example.com/a"),
        ("https://example.com/a#section:~:text=x", "https://example.com/a#section"),
        ("https://shop.example.com/p?srsltid=AfmBOoq&id=3", "https://shop.example.com/p?id=3"),
        ("https://www.google.com/url?q=https://news.example.org/x&sa=U&ved=2ah", "https://news.example.org/x"),
        ("/url?q=https://news.example.org/y&usg=AOv", "https://news.example.org/y"),
        ("https://example.com:443/", "https://example.com/"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("https://example.com", "https://example.com/"),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


@pytest.mark.parametrize("raw", ["javascript:void(0)", "mailto:a@b.c", "", "https://", "http://[::1"])
def test_non_web_addresses_have_no_canonical_form(raw: str) -> None:
    assert canonical_url(raw) is None


def test_relative_urls_resolve_against_a_base() -> None:
    assert canonical_url("/wiki/X", "https://en.wikipedia.org") == "https://en.wikipedia.org/wiki/X"


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://news.bbc.co.uk/story", "bbc.co.uk"),
        ("https://www.Example.com/", "example.com"),
        ("https://user.github.io/x", "user.github.io"),  # a private suffix on the public suffix list
        ("http://127.0.0.1:8000/", "127.0.0.1"),
    ],
)
def test_registrable_domain_uses_the_public_suffix_list(url: str, domain: str) -> None:
    assert registrable_domain(url) == domain


def test_url_fields_keep_the_raw_url_and_add_identity() -> None:
    raw = "https://www.example.com/a?utm_medium=x"
    assert url_fields(raw) == (raw, "https://www.example.com/a", "example.com")
    assert url_fields("javascript:0") == (None, None, None)
    assert url_fields(None) == (None, None, None)
