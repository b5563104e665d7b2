"""Engines, sessions and migrations: SQLite by default, PostgreSQL for a shared store."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from citewatch.errors import NoStore, StorageError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x63697465  # any fixed number: the advisory lock that serialises migrations ("cite")
# The newest migration's revision. Opening a store that is up to date, the common case, compares it with the
# store's own and never imports alembic (a third of a second of every command's start-up); tests/storage
# checks it is the head of the migrations.
SCHEMA_REVISION = "0003"
SQLITE_BUSY_TIMEOUT_S = 30  # concurrent campaign workers wait for each other's writes instead of failing


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # readers do not block the writer; the mode stays with the file, so another application's database
    # (tables, none of them citewatch's) is left as it is: `upgrade` refuses it
    tables = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables or "alembic_version" in tables:
        cursor.execute("PRAGMA journal_mode=WAL")
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
    except ImportError as exc:  # a dialect SQLAlchemy knows whose driver is not installed (mysql://)
        raise StorageError(
            f"no driver for the database at {safe_url(url)} ({exc.name or exc}): citewatch stores into "
            "sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
        ) from exc


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
    except DBAPIError as exc:  # not a database, a damaged one: one line, not the SQL that met it
        raise StorageError(f"cannot use the database at {safe_url(url)}: {first_line(exc)}") from exc
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
    """Migrate in one transaction that holds the store's write lock from the start.

    On PostgreSQL an advisory lock serialises migrations and DDL is transactional. On SQLite the driver
    commits before each DDL statement by itself, so a process killed mid-way used to leave half a schema,
    and two processes on a new file raced to create the same tables: the migration runs instead with the
    driver's own transaction handling off, inside `BEGIN IMMEDIATE`, which waits (busy timeout) for any other
    writer and is rolled back whole when the process dies.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        driver = connection.connection.driver_connection
        if sqlite:
            connection.commit()  # end SQLAlchemy's implicit transaction before taking the lock by hand
            driver.isolation_level = None  # type: ignore[union-attr]
        try:
            if sqlite:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            _migrate_locked(url, connection)
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                driver.isolation_level = ""  # type: ignore[union-attr]


def _migrate_locked(url: str, connection: Connection) -> None:
    revision = _revision(connection)
    if revision == SCHEMA_REVISION:
        return
    if revision is None and (foreign := inspect(connection).get_table_names()):
        raise StorageError(
            f"the database at {safe_url(url)} holds other tables ({', '.join(sorted(foreign)[:5])}) and no citewatch "
            "schema: refusing to change it; give citewatch a new database"
        )
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config(url)
    if revision is not None and revision not in {
        s.revision for s in ScriptDirectory.from_config(config).walk_revisions()
    }:
        raise StorageError(
            f"the database at {safe_url(url)} has schema {revision}, newer than this citewatch knows "
            f"({SCHEMA_REVISION}): upgrade citewatch"
        )
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def check_integrity(url: str) -> None:
    """SQLite only: read every page of the file (`PRAGMA quick_check`) and raise when it is damaged. A damaged
    file can still hold a readable schema revision, so being "up to date" says nothing of its data."""
    engine = make_engine(url)
    try:
        if engine.dialect.name != "sqlite":
            return
        with engine.connect() as connection:
            found = [row[0] for row in connection.exec_driver_sql("PRAGMA quick_check")]
    except DBAPIError as exc:
        raise StorageError(f"cannot use the database at {safe_url(url)}: {first_line(exc)}") from exc
    finally:
        engine.dispose()
    if found != ["ok"]:
        first = found[0].splitlines()[0]
        raise StorageError(
            f"the database at {safe_url(url)} is damaged ({first}): restore it from a backup, or try "
            "`sqlite3 FILE .recover`"
        )


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
