"""job claims: which process runs a campaign job now, so concurrent runs share the work

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 19:00:00

Self-contained on purpose: the table is written out here, not imported, so later changes to the package
cannot change what this migration does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_claims",
        sa.Column("job_key", sa.String(length=500), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("job_key", name=op.f("pk_job_claims")),
    )


def downgrade() -> None:
    op.drop_table("job_claims")
