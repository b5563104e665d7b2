"""run lists: what a report reads of each extraction, stored with it

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 19:40:00

Existing extractions get their lists from their stored record, the same way new ones do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citewatch.storage.types
from citewatch.storage import run_lists

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 2000


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
    extractions = sa.table(
        "extractions", sa.column("id", sa.Integer()), sa.column("data", citewatch.storage.types.JsonField())
    )
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
        connection.execute(sa.insert(lists), [run_lists.row(id_, run_lists.from_json(data)) for id_, data in batch])
        last = batch[-1][0]


def downgrade() -> None:
    op.drop_table("run_lists")
