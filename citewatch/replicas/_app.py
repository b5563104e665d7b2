"""What every replica app shares: options, per-browser scenario, per-server state, static files.

An engine's replica builds its Starlette app with `replica_app(...)` and reads, in each handler, what this
request should play with `visit_of(request)` and what the server remembers with `state_of(request)`.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citewatch.replicas._pages import CHALLENGE_SCRIPT_PATH, challenge_script

SHARED_STATIC = Path(__file__).with_name("static")  # scripts every replica page loads (events.js)

# Scenario names that mean the same thing in every replica; an engine lists the ones it plays.
NORMAL = "normal"
SLOW = "slow"  # the answer takes SLOW_ANSWER_S (see _stream)
BROKEN = "broken"  # the answer stream stops half-way, without its final event
VARYING = "varying"  # cited sources change from request to request, reproducibly for one seed
CLOUDFLARE = "cloudflare"  # pages answer 403 with the Cloudflare "Just a moment..." wall

# Overrides a browser can ask for in a page URL; remembered in cookies so the page's own fetches keep them.
SCENARIO_PARAM, SCENARIO_COOKIE = "scenario", "cw_scenario"
SECONDS_PARAM, SECONDS_COOKIE = "answer_seconds", "cw_answer_seconds"
_VISIT_KEY = "cw_visit"
_STATE_KEY = "cw_replica"


@dataclass(frozen=True)
class ReplicaOptions:
    """How one replica server behaves unless a request overrides it."""

    scenario: str = NORMAL
    seed: int = 0  # of the varying scenario
    answer_seconds: float = 3.0  # how long a streamed answer takes


@dataclass(frozen=True, slots=True)
class EngineReplica:
    """A local stand-in of an engine's UI; `citewatch.replicas.<name>` exports one as `REPLICA`."""

    name: str
    scenarios: tuple[str, ...]  # the first one is the default, "normal"
    build: Callable[[ReplicaOptions], ASGIApp]  # the engine's `build_app`

    def app(self, options: ReplicaOptions) -> ASGIApp:
        return self.build(options)


@dataclass(frozen=True)
class Visit:
    """What one request plays: the server's options, overridden by the browser's URL or cookies."""

    scenario: str
    answer_seconds: float


class ReplicaState:
    """What one running replica remembers between requests; a fresh one per app, so per server."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._draws = 0
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def draw(self) -> random.Random:
        """A generator for the next varying answer: a function of the seed and how many came before.

        Repeated captures thus get different sources, and a new server with the same seed replays them.
        """
        with self._lock:
            draw, self._draws = self._draws, self._draws + 1
        return random.Random(f"{self.seed}:{draw}")

    def first_time(self, key: str) -> bool:
        """True only the first time this server is asked about `key` (faults that heal on retry)."""
        with self._lock:
            if key in self._seen:
                return False
            self._seen.add(key)
            return True


def check_scenario(scenario: str, scenarios: Sequence[str]) -> str:
    if scenario not in scenarios:
        raise ValueError(f"unknown scenario {scenario!r}; valid: {', '.join(scenarios)}")
    return scenario


def replica_app(
    *,
    routes: Sequence[BaseRoute],
    options: ReplicaOptions,
    scenarios: tuple[str, ...],
    static_dir: Path | None = None,
) -> Starlette:
    """A Starlette app with the shared pieces around an engine's `routes`.

    Adds: `/static/*` from `static_dir`, `/replica-static/*` (scripts every replica page shares), the Cloudflare
    challenge script the wall page loads, the per-request `Visit` (`?scenario=` / `?answer_seconds=` on any URL,
    remembered in cookies) and the per-server `ReplicaState`.
    """
    check_scenario(options.scenario, scenarios)
    shared: list[BaseRoute] = [
        Route(CHALLENGE_SCRIPT_PATH, challenge_script),
        Mount("/replica-static", StaticFiles(directory=SHARED_STATIC), name="replica-static"),
    ]
    if static_dir is not None:
        shared.append(Mount("/static", StaticFiles(directory=static_dir), name="static"))
    app = Starlette(
        routes=[*routes, *shared],
        middleware=[Middleware(_VisitMiddleware, options=options, scenarios=scenarios)],
    )
    setattr(app.state, _STATE_KEY, ReplicaState(options.seed))
    return app


def visit_of(request: Request) -> Visit:
    return cast(Visit, request.scope["state"][_VISIT_KEY])


def state_of(request: Request) -> ReplicaState:
    return cast(ReplicaState, getattr(request.app.state, _STATE_KEY))


class _VisitMiddleware:
    """Resolves each request's `Visit` (URL, then cookie, then server option) and sets the cookies."""

    def __init__(self, app: ASGIApp, *, options: ReplicaOptions, scenarios: tuple[str, ...]) -> None:
        self.app = app
        self.options = options
        self.scenarios = scenarios

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            overrides = self._overrides(request)
        except ValueError as exc:
            await PlainTextResponse(str(exc), status_code=400)(scope, receive, send)
            return
        remembered = {**request.cookies, **overrides}  # this URL's overrides, else the browser's cookies
        scenario = remembered.get(SCENARIO_COOKIE)
        seconds = _seconds(remembered.get(SECONDS_COOKIE))
        scope.setdefault("state", {})[_VISIT_KEY] = Visit(
            scenario=scenario if scenario in self.scenarios else self.options.scenario,
            answer_seconds=self.options.answer_seconds if seconds is None else seconds,
        )
        if not overrides:
            await self.app(scope, receive, send)
            return

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in overrides.items():
                    headers.append("set-cookie", f"{name}={value}; Path=/; SameSite=Lax")
            await send(message)

        await self.app(scope, receive, send_with_cookies)

    def _overrides(self, request: Request) -> dict[str, str]:
        """The URL's overrides by cookie name, checked: a typo in a test URL must fail loudly, not play "normal"."""
        found: dict[str, str] = {}
        if (scenario := request.query_params.get(SCENARIO_PARAM)) is not None:
            found[SCENARIO_COOKIE] = check_scenario(scenario, self.scenarios)
        if (seconds := request.query_params.get(SECONDS_PARAM)) is not None:
            if _seconds(seconds) is None:
                raise ValueError(f"{SECONDS_PARAM} must be a number of seconds >= 0, not {seconds!r}")
            found[SECONDS_COOKIE] = seconds
        return found


def _seconds(value: str | None) -> float | None:
    """A duration from a URL or cookie; None when absent or not a finite number >= 0."""
    try:
        seconds = float(value) if value is not None else math.nan
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
