"""Storage: SQLAlchemy 2 models, Alembic migrations, and the `Store` API over them."""

from citewatch.storage.db import upgrade
from citewatch.storage.repository import CaptureRecord, Store

__all__ = ["CaptureRecord", "Store", "upgrade"]
