"""Alembic environment: runs on the connection citewatch hands over, or on the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from citewatch.storage.db import make_engine
from citewatch.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    )
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()  # alembic run on its own: nothing else will use (or close) its pooled connection
