"""Page pieces every replica serves: HTML responses from templates, and the Cloudflare bot wall."""

from __future__ import annotations

import html
import secrets
import string
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

TEMPLATES = Path(__file__).parent / "templates"
# The script a Cloudflare wall loads (engines.md §1.4/§2.3: `/cdn-cgi/challenge-platform/...`).
CHALLENGE_SCRIPT_PATH = "/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"


def html_response(body: str, *, status_code: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    """Pages are never cached: a scenario switch must show on the next load."""
    return HTMLResponse(body, status_code=status_code, headers={"cache-control": "no-store", **(headers or {})})


@lru_cache(maxsize=32)
def _template(path: Path) -> string.Template:
    return string.Template(path.read_text(encoding="utf-8"))


def render(path: Path, **values: str) -> str:
    """Fill `$name` slots of an HTML template; values go in as they are, so callers escape text."""
    return _template(path).substitute(values)


def cloudflare_wall(request: Request) -> HTMLResponse:
    """The 403 "Just a moment..." interstitial a bot-suspected browser gets instead of the engine's page.

    Same structure as a real one (a managed challenge: `#challenge-stage`, the challenge-platform script,
    `window._cf_chl_opt`), so scrapers and extractors detect it by the same markers.
    """
    ray = secrets.token_hex(8)
    body = render(
        TEMPLATES / "cloudflare.html",
        zone=html.escape(request.url.hostname or "localhost"),
        ray=ray,
        token=secrets.token_urlsafe(48),
        script=f"{CHALLENGE_SCRIPT_PATH}?ray={ray}",
    )
    headers = {"cf-mitigated": "challenge", "cf-ray": f"{ray}-LHR", "server": "cloudflare"}
    return html_response(body, status_code=403, headers=headers)


async def challenge_script(request: Request) -> Response:
    """Loaded by the wall; in a replica the challenge never passes, as for a headless browser it often doesn't."""
    return Response("/* citewatch replica: this challenge never completes */\n", media_type="application/javascript")
