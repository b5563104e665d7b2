"""Every command has help and is documented in the README (sqlite-utils' habit)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
import typer.main

from citewatch.cli import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
COMMAND = typer.main.get_command(app)


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
    return found


@pytest.mark.parametrize(("name", "command"), _commands(COMMAND), ids=lambda v: v if isinstance(v, str) else "")
def test_command_has_help_and_is_in_the_readme(name: str, command: click.Command) -> None:
    assert command.help, f"`citewatch {name}` has no help"
    assert f"citewatch {name}" in README, f"`citewatch {name}` is not in README.md"
