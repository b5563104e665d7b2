"""`citewatch db upgrade` creates or migrates the schema; `citewatch db views` adds the analyst views."""

from __future__ import annotations

import typer

from citewatch.cli._options import DbOpt
from citewatch.cli._render import console
from citewatch.config import get_settings
from citewatch.errors import ConfigError
from citewatch.storage import upgrade as upgrade_schema
from citewatch.storage.db import check_integrity, safe_url

app = typer.Typer(help="Database schema.", no_args_is_help=True, rich_markup_mode=None)


@app.command()
def upgrade(db: DbOpt = None) -> None:
    """Create the schema or migrate it to the newest version (safe to run again)."""
    url = db or get_settings().db_url
    upgrade_schema(url)
    check_integrity(url)
    console.print(f"database at {safe_url(url)} is up to date")


@app.command()
def views(db: DbOpt = None) -> None:
    """PostgreSQL: create (or refresh) the views of the common questions: citewatch_top_cited_domains_weekly,
    citewatch_captures_needing_attention, citewatch_answer_sentences (safe to run again)."""
    from citewatch.storage import Store
    from citewatch.storage.analyst import create_views

    url = db or get_settings().db_url
    with Store.open(url) as store:
        if store.engine.dialect.name != "postgresql":
            raise ConfigError("db views is for PostgreSQL stores; browse a SQLite store with `citewatch browse`")
        names = create_views(store.engine)
    console.print(f"created {len(names)} views: {', '.join(names)}")
