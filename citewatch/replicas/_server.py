"""Serving a replica in a background thread (crawlee's test-server pattern): uvicorn, bounded start and stop."""

from __future__ import annotations

import threading
import time
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from citewatch.engines import get_engine
from citewatch.errors import CitewatchError
from citewatch.replicas._app import ReplicaOptions, check_scenario

START_TIMEOUT_S = 15.0
STOP_GRACE_S = 3.0  # open streams (a slow answer, keep-alive) get this long before the server is forced down
_POLL_S = 0.01


class ReplicaStartError(CitewatchError):
    """The replica server did not come up (usually: the port is taken)."""


class ReplicaServer:
    """A replica app served by uvicorn in a daemon thread; a context manager that stops it on exit.

    `url` is the base URL (`http://127.0.0.1:PORT`, the port the OS gave when 0 was asked for) and
    `requests` lists the path of every HTTP request served, in order, for tests to assert on.
    """

    def __init__(self, app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0, name: str = "replica") -> None:
        self.name = name
        self.requests: list[str] = []
        self.url = ""
        config = uvicorn.Config(
            _Recorder(app, self.requests),
            host=host,
            port=port,
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"{name}-replica", daemon=True)

    def start(self) -> ReplicaServer:
        """Start serving and wait, bounded, until the socket is listening."""
        config = self._server.config
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive():  # uvicorn exits its thread when it cannot bind
                raise ReplicaStartError(
                    f"the {self.name} replica could not start on {config.host}:{config.port} (is the port in use?)"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise ReplicaStartError(f"the {self.name} replica did not start within {START_TIMEOUT_S:.0f} s")
            time.sleep(_POLL_S)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
        return self

    def _run(self) -> None:
        try:
            self._server.run()
        except SystemExit:  # uvicorn's way to give up (it has logged why); start() reports it
            return

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._server.should_exit = True
        self._thread.join(STOP_GRACE_S)
        if self._thread.is_alive():  # uvicorn waits for open streams to finish unless forced
            self._server.force_exit = True
            self._thread.join(STOP_GRACE_S)

    def __enter__(self) -> ReplicaServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class _Recorder:
    """Notes the path of each HTTP request before the app serves it."""

    def __init__(self, app: ASGIApp, paths: list[str]) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)


def serve(
    engine: str,
    *,
    scenario: str = "normal",
    host: str = "127.0.0.1",
    port: int = 0,
    seed: int = 0,
    answer_seconds: float | None = None,
) -> ReplicaServer:
    """Start ENGINE's replica (already listening when this returns); use as `with serve(...) as server:`."""
    replica = get_engine(engine).replica
    check_scenario(scenario, replica.scenarios)
    seconds = ReplicaOptions.answer_seconds if answer_seconds is None else answer_seconds
    options = ReplicaOptions(scenario=scenario, seed=seed, answer_seconds=seconds)
    return ReplicaServer(replica.app(options), host=host, port=port, name=engine).start()
