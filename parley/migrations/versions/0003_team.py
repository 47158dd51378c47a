"""Team mode: turn numbers unique per session, a message id per turn, sessions indexed by status.

- `uq_turns_session_index`: two servers can no longer store two turns with the same number for one
  session (measured before: two turns got the same number under two action servers). A database
  that already has such duplicates keeps every row: the session's turns are renumbered one after another
  in the order they were stored (from the session's first number), then the constraint is added.
- `turns.message_key`: the channel's id for the message, so a message sent again after its reply was
  lost (a server killed mid-turn) is answered from the stored turn instead of being played twice.
- `ix_sessions_status`: the abandoned-session sweep looks up active sessions.

Revision ID: 0003_team
Revises: 0004_scoring
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_team"
down_revision = "0004_scoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _renumber_duplicate_turns()
    with op.batch_alter_table("turns") as batch:
        batch.add_column(sa.Column("message_key", sa.String(64)))
        batch.create_unique_constraint("uq_turns_session_index", ["session_id", "index"])
        batch.create_index("ix_turns_session_message_key", ["session_id", "message_key"], unique=True)
    op.create_index("ix_sessions_status", "sessions", ["status"])


def downgrade() -> None:
    op.drop_index("ix_sessions_status", table_name="sessions")
    with op.batch_alter_table("turns") as batch:
        batch.drop_index("ix_turns_session_message_key")
        batch.drop_constraint("uq_turns_session_index", type_="unique")
        batch.drop_column("message_key")


def _renumber_duplicate_turns() -> None:
    conn = op.get_bind()
    turns = sa.table("turns", sa.column("id", sa.Integer), sa.column("session_id", sa.Integer),
                     sa.column("index", sa.Integer))
    duplicated = conn.execute(
        sa.select(turns.c.session_id).group_by(turns.c.session_id)
        .having(sa.func.count() > sa.func.count(sa.distinct(turns.c.index)))
    ).scalars().all()
    for session_id in duplicated:
        rows = conn.execute(sa.select(turns.c.id, turns.c.index).where(turns.c.session_id == session_id)
                            .order_by(turns.c.index, turns.c.id)).all()
        first = rows[0].index  # turns count from 1; keep whatever the session started at
        for number, row in enumerate(rows):
            conn.execute(sa.update(turns).where(turns.c.id == row.id).values(index=-1 - number))  # free the numbers
        for number, row in enumerate(rows, start=first):
            conn.execute(sa.update(turns).where(turns.c.id == row.id).values(index=number))
