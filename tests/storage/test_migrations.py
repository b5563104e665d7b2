"""The migrations build exactly the schema the models describe, on both back ends."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from citewatch.errors import StorageError
from citewatch.storage import Store, upgrade
from citewatch.storage.db import SCHEMA_REVISION, current_revision, head_revision, make_engine
from citewatch.storage.tables import Base


def test_upgrade_builds_the_models_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(db_url, engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert current_revision(engine) == head_revision() == SCHEMA_REVISION  # a new migration updates the constant
    assert {"captures", "artifacts", "extractions", "citations", "sources", "mentions"} <= set(
        inspect(engine).get_table_names()
    )
    upgrade(db_url, engine)  # a second run changes nothing
    engine.dispose()


def test_opening_without_upgrade_requires_the_current_schema(db_url: str) -> None:
    with pytest.raises(StorageError, match=r"has schema none, citewatch needs \w+: run `citewatch db upgrade`"):
        Store.open(db_url, upgrade=False)
    upgrade(db_url)
    with Store.open(db_url, upgrade=False) as store:
        assert store.list_captures() == []
