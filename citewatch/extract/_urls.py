"""URL identity: one canonical form per cited page, and its registrable domain.

The same page reaches the DOM in many spellings: Google wraps it in `/url?q=` redirects, ChatGPT and
Gemini append `utm_source=…`, Google Shopping adds `srsltid`, and every engine likes `#:~:text=` fragments
that highlight the quoted passage. Counting citations needs one spelling.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tldextract

# The bundled public suffix list snapshot: no download at run time (suffix_list_urls=()), no cache dir.
# Private suffixes count (user.github.io and other.github.io are different sites, as browsers treat them).
_PSL = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)

_TRACKING_PARAMS = frozenset({"srsltid", "gclid", "fbclid", "msclkid", "ved", "usg", "sa"})
_GOOGLE_REDIRECT_PATHS = frozenset({"/url", "/goto", "/imgres"})


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in _TRACKING_PARAMS


def _unwrap_google_redirect(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    is_google = host == "" or host == "google.com" or host.endswith(".google.com") or ".google." in host
    if is_google and parts.path in _GOOGLE_REDIRECT_PATHS:
        params = dict(parse_qsl(parts.query))
        target = params.get("q") or params.get("url")
        if target and target.startswith(("http://", "https://")):
            return target
    return url


@lru_cache(maxsize=16384)
def canonical_url(url: str, base: str | None = None) -> str | None:
    """The identity of a cited page, or None when `url` is not a web address.

    Resolves Google `/url?q=` redirects, drops `utm_*`, `srsltid` and click ids, drops text fragments
    (`#:~:text=`), lower-cases scheme and host, and removes a default port. Paths keep their case.
    """
    raw = url.strip()
    if raw.startswith("/") and base:
        raw = base.rstrip("/") + raw
    try:
        raw = _unwrap_google_redirect(raw)
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    netloc = host if port in (None, 80 if scheme == "http" else 443) else f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)])
    fragment = parts.fragment.split(":~:", 1)[0]
    fragment = fragment.removesuffix("#")
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, _escape_controls(path), query, _escape_controls(fragment)))


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _escape_controls(part: str) -> str:
    """Control characters percent-encoded, as a browser sends them: a canonical URL never holds one (reports
    pack URLs into lists separated by control characters)."""
    if part.isprintable() or not _CONTROL.search(part):
        return part
    return _CONTROL.sub(lambda found: f"%{ord(found.group()):02X}", part)


@lru_cache(maxsize=16384)
def registrable_domain(url: str) -> str | None:
    """`https://news.bbc.co.uk/x` -> `bbc.co.uk`, by the public suffix list; None for non-web input."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host or not valid_host(host):
        return None
    parts = _PSL.extract_str(host)
    domain = parts.top_domain_under_public_suffix
    return domain.lower() if domain else host.lower()


# A DNS name: labels of letters (any script: IDN hosts arrive decoded), digits, hyphens and underscores (seen
# in real subdomains), not starting or ending with a hyphen, 1-63 characters each, 253 in all.
_LABEL = re.compile(r"(?!-)[\w-]{1,63}(?<!-)")


def valid_host(host: str) -> bool:
    """A host a browser could resolve: a DNS name or an IP address. A page can put anything between `//` and
    the path (`=1+1.example`, markup); that names no site, so it gets no domain."""
    if host.startswith("[") or ":" in host:
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return False
        return True
    name = host.removesuffix(".")
    return 0 < len(name) <= 253 and all(_LABEL.fullmatch(label) for label in name.split("."))


UrlFields = tuple[str | None, str | None, str | None]  # (url, canonical_url, domain)


def url_fields(href: str | None, base: str | None = None) -> UrlFields:
    """`(url, canonical_url, domain)` for a raw href; all None when there is no web address."""
    if not href:
        return None, None, None
    canonical = canonical_url(href, base)
    if canonical is None:
        return None, None, None
    url = href if href.startswith(("http://", "https://")) else canonical
    return url, canonical, registrable_domain(canonical)
