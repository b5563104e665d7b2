"""Engines, sessions and migrations: SQLite by default, PostgreSQL for a shared store."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from citewatch.errors import NoStore, StorageError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x63697465  # any fixed number: the advisory lock that serialises migrations ("cite")
# The newest migration's revision. Opening a store that is up to date, the common case, compares it with the
# store's own and never imports alembic (a third of a second of every command's start-up); tests/storage
# checks it is the head of the migrations.
SCHEMA_REVISION = "0002"
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
        raise StorageError(f"not a database URL citewatch can use: {safe_url(url)!r} ({exc})") from exc


def alembic_config(url: str) -> Config:
    from alembic.config import Config

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


def require_store(url: str) -> None:
    """`NoStore` unless `url` already holds a citewatch store, checked without creating anything: SQLite
    creates a missing file on connect, and an empty PostgreSQL database would get the schema."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"not a database URL citewatch can use: {safe_url(url)!r} ({exc})") from exc
    hint = "(a capture, a run or `citewatch db upgrade` creates one; check --db and CITEWATCH_DB_URL)"
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not Path(database).is_file():
            raise NoStore(f"no database at {Path(database).resolve()} {hint}")
        return
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
    except OperationalError as exc:
        raise StorageError(f"cannot reach the database at {safe_url(url)}: {first_line(exc)}") from exc
    finally:
        engine.dispose()
    if revision is None:
        raise NoStore(f"no citewatch store at {safe_url(url)} {hint}")


def _migrate(url: str, engine: Engine) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        if _revision(connection) == SCHEMA_REVISION:
            return
        from alembic import command

        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _revision(connection)


def _revision(connection: Connection) -> str | None:
    """The store's schema revision, read from alembic's own table; None before the first migration."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str | None:
    """The newest revision among the migration scripts (loads them all)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


_USERINFO_PASSWORD = re.compile(r"(://[^/:@]*:)[^/@]*@")


def safe_url(url: str) -> str:
    """The URL with `***` for its password, for messages (also a broker URL, or one that does not parse)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _USERINFO_PASSWORD.sub(r"\1***@", url)


def shareable_url(url: str) -> str:
    """The URL another process can open to reach the same store, with no password in it: a relative SQLite
    path made absolute (a worker starts elsewhere), the password left to the opener (see `queue.job_store`)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"not a database URL citewatch can use: {safe_url(url)!r} ({exc})") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        parsed = parsed.set(database=str(Path(parsed.database).resolve()))
    return parsed._replace(password=None).render_as_string(hide_password=False)


def first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
