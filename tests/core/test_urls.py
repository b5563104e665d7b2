from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@pytest.mark.parametrize(
    "host", ["=1+1.example", '"><svg onload=alert(1)>.example', "-lead.example", "a..b.example", "a b.example"]
)
def test_a_host_that_names_no_site_gets_no_domain(host: str) -> None:
    _url, canonical, domain = url_fields(f"https://{host}/page")
    assert canonical == f"https://{host.lower()}/page" or canonical is None, "the URL is kept as it was"
    assert domain is None
    assert registrable_domain(f"https://{host}/") is None


@given(st.text(alphabet=st.sampled_from(list("=+@\"'<>(){}|\\^`!$&*,;")), min_size=1), st.sampled_from(["a", "b.c"]))
def test_hosts_with_characters_no_dns_name_has_get_no_domain(junk: str, tail: str) -> None:
    assert registrable_domain(f"https://{tail}{junk}.example/") is None


@pytest.mark.parametrize("host", ["news.bbc.co.uk", "xn--bcher-kva.example", "bücher.example", "_dmarc.example.com"])
def test_real_host_names_keep_their_domain(host: str) -> None:
    assert registrable_domain(f"https://{host}/") is not None


def test_control_characters_in_a_path_are_percent_encoded() -> None:
    assert canonical_url("https://a.example/x\x1fy\x1ez#f\x01") == "https://a.example/x%1Fy%1Ez#f%01"


def test_an_extraction_with_an_invalid_host_says_so() -> None:
    from citewatch.extract import extract_html

    page = (
        Path(__file__).resolve().parent.parent.parent / "fixtures" / "perplexity" / "lists-and-mentions" / "page.html"
    )
    html = page.read_text(encoding="utf-8")
    href = re.search(r'href="(https://[^"/]+)/', html)
    assert href
    extraction = extract_html("perplexity", html.replace(href.group(1), "https://=1+1.example"))
    assert any("not a valid host name" in w and "=1+1.example" in w for w in extraction.warnings), extraction.warnings
    assert all(c.domain != "=1+1.example" for c in extraction.citations)
