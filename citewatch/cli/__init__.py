"""The `citewatch` command: a thin layer over the library, one module per command (group).

Errors print one line and exit non-zero; `--verbose` shows the traceback.
"""

from __future__ import annotations

import logging
import sys
import traceback
from importlib.metadata import version

import typer
from sqlalchemy.exc import SQLAlchemyError

try:  # newer typer ships its own copy of Click: its usage errors are these classes, not the `click` package's
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # older typer runs on Click itself
    from click.exceptions import NoArgsIsHelpError, UsageError  # type: ignore[assignment]

from citewatch.cli import (
    auth,
    browse,
    capture,
    captures,
    db,
    demo,
    doctor,
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
    # Click's plain help: rich markup would eat "[n]" from help texts, and this typer version adds `<bool>`-style
    # type columns that say nothing a user needs.
    rich_markup_mode=None,
)
app.command()(capture.capture)
app.command()(show.show)
app.command()(captures.captures)
app.command()(extract.extract)
app.command("replay")(replay.replay_command)
app.command()(replica.replica)
app.command()(auth.auth)
app.command()(demo.demo)
app.command()(doctor.doctor)
app.command()(run.run)
app.command()(schedule.schedule)
app.command()(worker.worker)
app.command()(export.export)
app.command()(report.report)
app.command()(browse.browse)
app.add_typer(db.app, name="db")
app.add_typer(fixtures.app, name="fixtures")

_state = {"verbose": False}


VERBOSE_FLAGS = ("--verbose", "-v")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"citewatch {version('citewatch')}")
        raise typer.Exit


@app.callback()
def _root(
    verbose: bool = typer.Option(
        False, *VERBOSE_FLAGS, help="Show tracebacks and debug logs (also accepted after the command)."
    ),
    _version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    _state["verbose"] = verbose
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(message)s")


def _verbose_first(args: list[str]) -> list[str]:
    """`--verbose` is the root's option; accept it anywhere before a `--`, as users type it after the command."""
    end = args.index("--") if "--" in args else len(args)
    flags = [arg for arg in args[:end] if arg in VERBOSE_FLAGS]
    return [*flags[:1], *(arg for arg in args[:end] if arg not in VERBOSE_FLAGS), *args[end:]]


def _usage_line(exc: UsageError) -> str:
    """Click's usage error as one line that says where help is."""
    where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
    return " ".join(exc.format_message().split()) + where


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    args = _verbose_first(list(sys.argv[1:] if argv is None else argv))
    try:
        code = app(args=args, prog_name="citewatch", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # `citewatch` or `citewatch db` alone: the help, as Click would show it
        exc.show()
        sys.exit(2)
    except UsageError as exc:
        _fail(_usage_line(exc), exc, code=2)
    except typer.Abort as exc:  # Ctrl-C, or end of input at a prompt
        _fail("interrupted", exc, code=130)
    except CitewatchError as exc:
        _fail(str(exc), exc)
    except SQLAlchemyError as exc:  # a damaged database met mid-query: its first line, not the SQL
        _fail(f"database error: {first_line(exc)}", exc)
    except KeyboardInterrupt:
        _fail("interrupted", None, code=130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, details with --verbose
        _fail(f"internal error: {type(exc).__name__}: {exc} (run with --verbose for details)", exc, code=2)
    if isinstance(code, int) and code:
        sys.exit(code)


def _fail(message: str, exc: BaseException | None, code: int = 1) -> None:
    if _state["verbose"] and exc is not None:
        traceback.print_exception(exc)
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    sys.exit(code)
