"""The `citewatch` command: a thin layer over the library, one module per command (group).

Errors print one line and exit non-zero; `--verbose` shows the traceback.
"""

from __future__ import annotations

import logging
import sys
import traceback

import typer
from sqlalchemy.exc import SQLAlchemyError

from citewatch.cli import (
    auth,
    capture,
    db,
    demo,
    export,
    extract,
    fixtures,
    replay,
    replica,
    report,
    run,
    schedule,
    show,
    worker,
)
from citewatch.errors import CitewatchError
from citewatch.storage.db import first_line

app = typer.Typer(
    name="citewatch",
    help="Measure how AI answer engines cite the web: capture, extract, store, compare.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(capture.capture)
app.command()(show.show)
app.command()(extract.extract)
app.command("replay")(replay.replay_command)
app.command()(replica.replica)
app.command()(auth.auth)
app.command()(demo.demo)
app.command()(run.run)
app.command()(schedule.schedule)
app.command()(worker.worker)
app.command()(export.export)
app.command()(report.report)
app.add_typer(db.app, name="db")
app.add_typer(fixtures.app, name="fixtures")

_state = {"verbose": False}


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks and debug logs."),
) -> None:
    _state["verbose"] = verbose
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(message)s")


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    try:
        app(args=argv, prog_name="citewatch")
    except CitewatchError as exc:
        _fail(str(exc), exc)
    except SQLAlchemyError as exc:  # a damaged database met mid-query: its first line, not the SQL
        _fail(f"database error: {first_line(exc)}", exc)
    except KeyboardInterrupt:
        _fail("interrupted", None, code=130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, details with --verbose
        _fail(f"internal error: {type(exc).__name__}: {exc} (run with --verbose for details)", exc, code=2)


def _fail(message: str, exc: BaseException | None, code: int = 1) -> None:
    if _state["verbose"] and exc is not None:
        traceback.print_exception(exc)
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    sys.exit(code)
