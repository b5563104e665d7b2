"""run lists: what a report reads of each extraction, stored with it

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 19:40:00

Existing extractions get their lists from their stored record, the same way new ones were stored when this
migration was written. Self-contained on purpose: the lists' definition (then `storage.run_lists`, now
`analysis.run_sets`) and the column type are copied here as they were, so later changes to the package cannot
change what this migration writes.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 2000
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")  # what `JsonField` was: JSONB there, JSON elsewhere
UNIT, RECORD = "\x1f", "\x1e"


def _from_json(data: dict[str, Any]) -> tuple[list[str], list[str], list[str], list[str]]:
    """(cited URLs, cited domains, sources, organic URLs) of an extraction's JSON form."""

    def url(item: dict[str, Any]) -> str:
        return item.get("canonical_url") or item.get("url") or ""

    def by_position(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(items, key=lambda item: item["position"])

    citations = [(url(c), c.get("domain") or "") for c in by_position(data["citations"])]
    sources = [(url(s), s.get("domain") or "", bool(s.get("cited"))) for s in by_position(data["sources"])]
    targets = [(u, domain) for u, domain in citations if u]
    targets += [(u, domain) for u, domain, cited in sources if cited and u]
    urls = list(dict.fromkeys([u for u, _ in targets]))
    return (
        urls,
        list(dict.fromkeys([domain for _, domain in targets if domain])),
        list(dict.fromkeys([u for u, _, _ in sources if u] + urls)),
        [r["canonical_url"] for r in by_position(data["organic_results"])],
    )


def _pack(items: list[str]) -> str:
    return "".join([item.replace(UNIT, "%1F").replace(RECORD, "%1E") + UNIT for item in items])


def _row(extraction_id: int, data: dict[str, Any]) -> dict[str, Any]:
    urls, domains, sources, organic = _from_json(data)
    return {
        "extraction_id": extraction_id,
        "cited_urls": _pack(urls),
        "cited_domains": _pack(domains),
        "sources": _pack(sources),
        "organic_urls": _pack(organic),
    }


def upgrade() -> None:
    lists = op.create_table(
        "run_lists",
        sa.Column("extraction_id", sa.Integer(), nullable=False),
        sa.Column("cited_urls", sa.Text(), nullable=False),
        sa.Column("cited_domains", sa.Text(), nullable=False),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("organic_urls", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["extraction_id"], ["extractions.id"], name=op.f("fk_run_lists_extraction_id_extractions")
        ),
        sa.PrimaryKeyConstraint("extraction_id", name=op.f("pk_run_lists")),
    )
    extractions = sa.table("extractions", sa.column("id", sa.Integer()), sa.column("data", JSON))
    connection = op.get_bind()
    last = 0
    while True:
        # keyset pagination: each batch is one short read, whatever the back end's cursor semantics
        batch = connection.execute(
            sa.select(extractions.c.id, extractions.c.data)
            .where(extractions.c.id > last)
            .order_by(extractions.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        connection.execute(sa.insert(lists), [_row(id_, data) for id_, data in batch])
        last = batch[-1][0]


def downgrade() -> None:
    op.drop_table("run_lists")
