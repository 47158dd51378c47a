"""The cockpit with the new scoring: a session too short or off topic to assess has no overall
(`session_results.overall` NULL), a criterion with nothing to judge has no score
(`criterion_scores.score` NULL: "not shown"), and the weekly rollup counts the assessed sessions
apart from the practised ones (`result_weeks.overall_n`) so averages leave the others out.

Revision ID: 0006_cockpit_nullable
Revises: 0005_cockpit
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_cockpit_nullable"
down_revision = "0005_cockpit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite rebuilds each table, PostgreSQL alters the columns in place
    with op.batch_alter_table("session_results") as batch:
        batch.alter_column("overall", existing_type=sa.Float(), nullable=True)
    with op.batch_alter_table("criterion_scores") as batch:
        batch.alter_column("score", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("result_weeks") as batch:
        batch.add_column(sa.Column("overall_n", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE result_weeks SET overall_n = n")  # every session so far had an overall


def downgrade() -> None:
    op.execute("DELETE FROM criterion_scores WHERE score IS NULL")
    op.execute("UPDATE session_results SET overall = 0 WHERE overall IS NULL")
    with op.batch_alter_table("result_weeks") as batch:
        batch.drop_column("overall_n")
    with op.batch_alter_table("criterion_scores") as batch:
        batch.alter_column("score", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("session_results") as batch:
        batch.alter_column("overall", existing_type=sa.Float(), nullable=False)
