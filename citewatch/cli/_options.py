"""Options shared by several commands, spelled the same everywhere."""

from __future__ import annotations

import difflib
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from citewatch.config import get_settings
from citewatch.engines import ENGINES, unknown_choice, unknown_engine_message
from citewatch.errors import ConfigError
from citewatch.models import TraceMode
from citewatch.storage import Store
from citewatch.storage.db import require_store, safe_url


def engine_name(value: str | None) -> str | None:
    """An engine named in any case (`Perplexity`); a typo is one line with the closest name."""
    if value is None:
        return None
    name = value.strip().lower()
    if name not in ENGINES:
        raise typer.BadParameter(unknown_engine_message(value))
    return name


# Names come from the registry, so a new engine appears in every command without touching the CLI.
_ENGINES_HELP = f"Engine: {', '.join(sorted(ENGINES))}."
EngineArg = Annotated[
    str, typer.Argument(help=_ENGINES_HELP, metavar="ENGINE", callback=engine_name, show_default=False)
]
EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", "-e", help=f"Only this engine. {_ENGINES_HELP}", metavar="ENGINE", callback=engine_name),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (default: CITEWATCH_DB_URL or sqlite:///citewatch.db).", show_default=False
    ),
]

SelectorsOpt = Annotated[
    Path | None,
    typer.Option(
        "--selectors",
        help="Folder of ENGINE.toml files overriding the shipped selectors (default: CITEWATCH_SELECTORS_DIR).",
        show_default=False,
    ),
]


TraceOpt = Annotated[
    TraceMode,
    typer.Option(
        "--trace", help="Keep a Playwright trace of each capture: off, on-failure (kept with failed captures) or on."
    ),
]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


def use_selectors(folder: Path | None) -> None:
    """Check and apply the selector overrides for this command and every process it starts; say what they change."""
    from citewatch import selectors

    if folder is not None:
        os.environ[selectors.ENV_VAR] = str(folder.resolve())  # campaign workers are spawned: they read it too
    configured = os.environ.get(selectors.ENV_VAR)
    for changed in selectors.configure(Path(configured) if configured else None):
        if changed.overridden:
            typer.echo(f"selectors: {changed.override} overrides {', '.join(changed.overridden)}", err=True)


def open_store(db: str | None, *, create: bool = False) -> Store:
    """The store at `db` (or CITEWATCH_DB_URL); only commands that capture create one, readers say
    "no database at ..." instead of leaving an empty one behind a typo."""
    url = db or get_settings().db_url
    if not create:
        require_store(url)
    return Store.open(url)


def nonblank_prompt(text: str) -> str:
    from citewatch.campaign import check_prompt  # the campaign file's rule, loaded only by the commands that ask

    try:
        return check_prompt(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def saved_session(engine: str) -> Path | None:
    """The logged-in session `citewatch auth ENGINE` saved, if any."""
    path = get_settings().auth_dir / f"{engine}.json"
    return path if path.is_file() else None


PROMPTS_LISTED = 5  # an unknown --prompt names at most this many stored prompts, the closest ones


def check_filters(store: Store, **wanted: str | None) -> None:
    """A filter value the store does not hold is an error naming what it holds, not an empty report."""
    from citewatch.storage.queries import stored_names

    queries = stored_names()
    for what, value in wanted.items():
        if value is None:
            continue
        with store.engine.connect() as connection:
            known = [str(name) for name in connection.execute(queries[what]).scalars()]
        if value in known:
            continue
        where = safe_url(store.url)
        if what == "engine":  # a real engine (the option checked that) this store has no capture of
            raise ConfigError(f"no {value} captures in {where} (engines stored: {', '.join(known) or 'none'})")
        if what == "prompt" and len(known) > PROMPTS_LISTED:
            known = difflib.get_close_matches(value, known, n=PROMPTS_LISTED, cutoff=0)
        raise ConfigError(f"{unknown_choice(what, value, known)} in {where}")


F = TypeVar("F", bound=StrEnum)


def format_for(output: Path | None, given: F | None, by_suffix: dict[str, F], default: F) -> F:
    """The output format: `--format`, else the one `-o`'s suffix names, else `default`; a suffix that names
    another format than `--format` is refused (a `.parquet` file of JSON lines helps nobody)."""
    implied = by_suffix.get(output.suffix.lower()) if output is not None else None
    if output is not None and given is not None and implied is not None and given != implied:
        raise ConfigError(f"--format {given} does not match {output} (a {output.suffix} file is {implied}): drop one")
    return given or implied or default
