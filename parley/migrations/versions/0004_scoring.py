"""Scoring: a session too short or off topic to assess has no overall score (reports.overall may be NULL).

The report payload says why (`assessed: false`, `not_assessed`); the column stays a plain number for
every assessed session, so team queries that average it skip the unassessed ones.

Revision ID: 0004_scoring
Revises: 0002_security
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_scoring"
down_revision = "0002_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:  # SQLite rebuilds the table; PostgreSQL alters the column
        batch.alter_column("overall", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE reports SET overall = 0 WHERE overall IS NULL")
    with op.batch_alter_table("reports") as batch:
        batch.alter_column("overall", existing_type=sa.Float(), nullable=False)
