"""The cockpit: teams, people and their channel identities, cockpit accounts, comments, one result row
per finished session with its criteria (indexed for the cockpit's pages), assignments.

Revision ID: 0005_cockpit
Revises: 0003_team
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_cockpit"
down_revision = "0003_team"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id", ondelete="SET NULL")),
        sa.Column("slack_user_id", sa.String(64), unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_people_team_id", "people", ["team_id"])
    op.create_table(
        "identities",
        sa.Column("trainee_id", sa.Integer(), sa.ForeignKey("trainees.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_identities_person_id", "identities", ["person_id"])
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id", ondelete="SET NULL")),
        sa.Column("slack_user_id", sa.String(64), unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_comments_session_id", "comments", ["session_id"])
    op.create_table(
        "session_results",
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("trainee_id", sa.Integer(), sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("persona_id", sa.String(100), nullable=False),
        sa.Column("difficulty", sa.String(10), nullable=False),
        sa.Column("mode", sa.String(12), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("overall", sa.Float(), nullable=False),
        sa.Column("deal", sa.Boolean(), nullable=False),
        sa.Column("price", sa.Float()),
        sa.Column("floor", sa.Float()),
        sa.Column("shared", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_session_results_ended_at", "session_results", ["ended_at"])
    op.create_index("ix_session_results_trainee_ended", "session_results", ["trainee_id", "ended_at"])
    op.create_index("ix_session_results_week", "session_results", ["week"])
    op.create_table(
        "criterion_scores",
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("criterion", sa.String(40), primary_key=True),
        sa.Column("trainee_id", sa.Integer(), sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
    )
    op.create_index("ix_criterion_scores_ended_at", "criterion_scores", ["ended_at"])
    op.create_index("ix_criterion_scores_trainee_ended", "criterion_scores", ["trainee_id", "ended_at"])
    op.create_index("ix_criterion_scores_week", "criterion_scores", ["week"])
    op.create_table(
        "criterion_weeks",
        sa.Column("week", sa.Date(), primary_key=True),
        sa.Column("trainee_id", sa.Integer(), sa.ForeignKey("trainees.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("criterion", sa.String(40), primary_key=True),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_table(
        "result_weeks",
        sa.Column("week", sa.Date(), primary_key=True),
        sa.Column("trainee_id", sa.Integer(), sa.ForeignKey("trainees.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("persona_id", sa.String(100), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("overall_total", sa.Float(), nullable=False),
        sa.Column("deals", sa.Integer(), nullable=False),
        sa.Column("price_total", sa.Float(), nullable=False),
        sa.Column("price_n", sa.Integer(), nullable=False),
        sa.Column("floor", sa.Float()),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("persona_id", sa.String(100), nullable=False),
        sa.Column("difficulty", sa.String(10), nullable=False),
        sa.Column("mode", sa.String(12), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("min_score", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer()),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_assignments_due_at", "assignments", ["due_at"])
    op.create_table(
        "assignment_targets",
        sa.Column("assignment_id", sa.Integer(), sa.ForeignKey("assignments.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("reminded_at", sa.DateTime()),
    )


    op.create_table(
        "xapi_deliveries",
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("statements", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("last_error", sa.Text()),
    )


def downgrade() -> None:
    for table in ("xapi_deliveries", "assignment_targets", "assignments", "result_weeks", "criterion_weeks",
                  "criterion_scores",
                  "session_results", "comments",
                  "accounts", "identities", "people", "teams"):
        op.drop_table(table)
