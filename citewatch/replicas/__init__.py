"""Replicas: local stand-ins of each engine's web UI, for tests, the demo and benchmarks (no internet).

`serve("perplexity", scenario="broken")` starts one in a background thread and returns a `ReplicaServer`
(a context manager; `.url`, `.requests`, `.stop()`). A browser picks another scenario with
`?scenario=NAME` on any page URL (and `?answer_seconds=S` for the stream duration); both are remembered
in cookies (`cw_scenario`, `cw_answer_seconds`) so the page's own fetches keep them.

Adding an engine's replica (`citewatch/replicas/<name>/`, exporting
`REPLICA = EngineReplica("<name>", SCENARIOS, build_app)`):
- Follow the engine's real DOM (`shared/reference/engines.md`) closely enough that its scraper and
  extractor work unchanged against the real site and the replica.
- Build the app with `replica_app(routes=..., options=..., scenarios=..., static_dir=...)`: it serves
  `/static/*` (vanilla JS/CSS, no build step) and resolves each request's `Visit` (`visit_of(request)`).
- Reuse the shared pieces: `cloudflare_wall(request)` (403 "Just a moment..."), `render` /
  `html_response` for templated pages, `growing_text` + `sse_event` + `sse_response` for streamed
  answers (they implement "slow" and "broken"), `state_of(request).draw()` for the seeded "varying"
  scenario and `state_of(request).first_time(key)` for faults that heal on retry.
"""

from citewatch.replicas._app import (
    BROKEN,
    CLOUDFLARE,
    NORMAL,
    SLOW,
    VARYING,
    EngineReplica,
    ReplicaOptions,
    ReplicaState,
    Visit,
    replica_app,
    state_of,
    visit_of,
)
from citewatch.replicas._pages import cloudflare_wall, html_response, render
from citewatch.replicas._server import ReplicaServer, ReplicaStartError, serve
from citewatch.replicas._stream import growing_text, sse_event, sse_response

__all__ = [
    "BROKEN",
    "CLOUDFLARE",
    "NORMAL",
    "SLOW",
    "VARYING",
    "EngineReplica",
    "ReplicaOptions",
    "ReplicaServer",
    "ReplicaStartError",
    "ReplicaState",
    "Visit",
    "cloudflare_wall",
    "growing_text",
    "html_response",
    "render",
    "replica_app",
    "serve",
    "sse_event",
    "sse_response",
    "state_of",
    "visit_of",
]
