"""Engines, sessions and migrations: SQLite by default, PostgreSQL for a shared store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from citewatch.errors import StorageError

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x63697465  # any fixed number: the advisory lock that serialises migrations ("cite")
SQLITE_BUSY_TIMEOUT_S = 30  # concurrent campaign workers wait for each other's writes instead of failing


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.close()


def make_engine(url: str) -> Engine:
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
            event.listen(engine, "connect", _on_sqlite_connect)
            return engine
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StorageError(f"not a database URL citewatch can use: {url!r} ({exc})") from exc


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, engine: Engine | None = None) -> None:
    """Create the schema or migrate it to the newest version; cheap when already up to date.

    Several workers may start at once against a new PostgreSQL database: an advisory lock lets one of
    them migrate while the others wait, then find the schema current.
    """
    owned = engine is None  # an engine made here is closed here; a caller's stays open for the caller
    engine = engine or make_engine(url)
    try:
        _migrate(url, engine)
    except OperationalError as exc:
        raise StorageError(f"cannot reach the database at {safe_url(url)}: {first_line(exc)}") from exc
    finally:
        if owned:
            engine.dispose()


def _migrate(url: str, engine: Engine) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        if MigrationContext.configure(connection).get_current_revision() == head_revision():
            return
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
