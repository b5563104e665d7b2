"""`citewatch replica ENGINE`: serve the local stand-in of an engine's UI on 127.0.0.1."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from citewatch.cli._options import EngineArg
from citewatch.cli._render import console
from citewatch.errors import ConfigError

MAX_PORT = 65535


def replica(
    engine: EngineArg,
    scenario: Annotated[str, typer.Option(help="Behaviour to play (see --list-scenarios).")] = "normal",
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8765,
    seed: Annotated[int, typer.Option(help="Seed of the varying scenario.")] = 0,
    answer_seconds: Annotated[
        float | None, typer.Option("--answer-seconds", help="How long the streamed answer takes.")
    ] = None,
    list_scenarios: Annotated[bool, typer.Option("--list-scenarios", help="Print the scenarios and exit.")] = False,
) -> None:
    """Serve ENGINE's replica until Ctrl+C; `?scenario=NAME` on a URL overrides the scenario."""
    # the replica server is imported when the command runs: other commands should not load Starlette and Uvicorn
    from citewatch.engines import get_engine
    from citewatch.replicas import serve

    scenarios = get_engine(engine).replica.scenarios
    if list_scenarios:
        console.print(", ".join(scenarios))
        return
    if scenario not in scenarios:
        raise ConfigError(f"unknown scenario {scenario!r} for {engine}; valid: {', '.join(scenarios)}")
    if not 0 <= port <= MAX_PORT:
        raise ConfigError(f"--port {port} is not a TCP port (0 to {MAX_PORT}; 0 picks a free one)")
    with serve(engine, scenario=scenario, port=port, seed=seed, answer_seconds=answer_seconds) as server:
        console.print(f"{engine} replica ({scenario}) at {server.url} — Ctrl+C to stop")
        console.print(f'capture from it: citewatch capture {engine} "your prompt" --base-url {server.url}/')
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("stopped")
