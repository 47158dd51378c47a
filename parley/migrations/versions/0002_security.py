"""Refused messages: a message over the size limit is kept as refused (who, which session, how long, its
first characters), apart from the scored turns, so reports and `parley score` never count it.

Revision ID: 0002_security
Revises: 0001_baseline
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_security"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refused_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("trainee_id", sa.Integer(), sa.ForeignKey("trainees.id"), nullable=False),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("sessions.id")),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("chars", sa.Integer(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_refused_messages_trainee_id", "refused_messages", ["trainee_id"])
    op.create_index("ix_refused_messages_session_id", "refused_messages", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_refused_messages_session_id", "refused_messages")
    op.drop_index("ix_refused_messages_trainee_id", "refused_messages")
    op.drop_table("refused_messages")
