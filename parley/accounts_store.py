"""The cockpit's tables: people and teams behind the channels' sender ids, cockpit accounts, trainers'
comments, one summary row per finished session with its criteria (what the cockpit's charts read,
indexed), and assignments.

They share `Base` with parley/store.py, so Alembic (parley/migrations, revision 0005_cockpit) and the
models-equal-revisions test see them.  Nothing here changes Parley's existing tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)

from parley.store import Base


class Team(Base):
    __tablename__ = "teams"
    id = Column(Integer, primary_key=True)
    name = Column(String(100), unique=True, nullable=False)
    created_at = Column(DateTime, default=datetime.utcnow, nullable=False)


class Person(Base):
    """A trainee as the trainer knows them: one name and team across web, Slack and the terminal."""
    __tablename__ = "people"
    id = Column(Integer, primary_key=True)
    name = Column(String(100), unique=True, nullable=False)
    team_id = Column(Integer, ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    slack_user_id = Column(String(64), unique=True)
    created_at = Column(DateTime, default=datetime.utcnow, nullable=False)


class Identity(Base):
    """A channel's sender id (a row of `trainees`) belongs to a person; several may (web + Slack)."""
    __tablename__ = "identities"
    trainee_id = Column(Integer, ForeignKey("trainees.id", ondelete="CASCADE"), primary_key=True)
    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True)


class Account(Base):
    """Who signs in to the cockpit: trainer, lead (of one team) or admin; trainees sign in by link."""
    __tablename__ = "accounts"
    id = Column(Integer, primary_key=True)
    username = Column(String(100), unique=True, nullable=False)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(12), nullable=False)
    team_id = Column(Integer, ForeignKey("teams.id", ondelete="SET NULL"))
    slack_user_id = Column(String(64), unique=True)  # a lead's `team` command in Slack
    created_at = Column(DateTime, default=datetime.utcnow, nullable=False)


class Comment(Base):
    __tablename__ = "comments"
    id = Column(Integer, primary_key=True)
    session_id = Column(Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True)
    author = Column(String(100), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, default=datetime.utcnow, nullable=False)


class SessionResult(Base):
    """One finished session in the columns the cockpit filters and averages on (from its report)."""
    __tablename__ = "session_results"
    session_id = Column(Integer, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    trainee_id = Column(Integer, ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False)
    persona_id = Column(String(100), nullable=False)
    difficulty = Column(String(10), nullable=False)
    mode = Column(String(12), nullable=False)
    ended_at = Column(DateTime, nullable=False)
    week = Column(Date, nullable=False)  # the Monday of ended_at's week: the weekly rollups group on it
    overall = Column(Float)  # NULL: not assessed (too short or off topic); practised, left out of averages
    deal = Column(Boolean, nullable=False)
    price = Column(Float)
    floor = Column(Float)
    shared = Column(Boolean, nullable=False, default=False)  # a practice transcript its trainee showed their lead
    __table_args__ = (
        Index("ix_session_results_ended_at", "ended_at"),
        Index("ix_session_results_trainee_ended", "trainee_id", "ended_at"),
        Index("ix_session_results_week", "week"),
    )


class CriterionScore(Base):
    __tablename__ = "criterion_scores"
    session_id = Column(Integer, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    criterion = Column(String(40), primary_key=True)
    trainee_id = Column(Integer, ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False)
    ended_at = Column(DateTime, nullable=False)
    week = Column(Date, nullable=False)
    score = Column(Integer)  # NULL: "not shown" (nothing to judge); left out of the criterion's averages
    __table_args__ = (
        Index("ix_criterion_scores_ended_at", "ended_at"),
        Index("ix_criterion_scores_trainee_ended", "trainee_id", "ended_at"),
        Index("ix_criterion_scores_week", "week"),
    )


class CriterionWeek(Base):
    """Sum and count of each trainee's criterion scores per week (not-shown criteria not counted): the overview
    reads these, not every score."""
    __tablename__ = "criterion_weeks"
    week = Column(Date, primary_key=True)
    trainee_id = Column(Integer, ForeignKey("trainees.id", ondelete="CASCADE"), primary_key=True)
    criterion = Column(String(40), primary_key=True)
    total = Column(Float, nullable=False)
    n = Column(Integer, nullable=False)


class ResultWeek(Base):
    """Each trainee's finished sessions per week and persona: count, score total, deals and deal prices."""
    __tablename__ = "result_weeks"
    week = Column(Date, primary_key=True)
    trainee_id = Column(Integer, ForeignKey("trainees.id", ondelete="CASCADE"), primary_key=True)
    persona_id = Column(String(100), primary_key=True)
    n = Column(Integer, nullable=False)  # sessions practised, assessed or not
    overall_n = Column(Integer, nullable=False, default=0, server_default="0")  # of them assessed (overall not NULL)
    overall_total = Column(Float, nullable=False)  # sum of the assessed sessions' overall
    deals = Column(Integer, nullable=False)
    price_total = Column(Float, nullable=False)
    price_n = Column(Integer, nullable=False)
    floor = Column(Float)


class Assignment(Base):
    __tablename__ = "assignments"
    id = Column(Integer, primary_key=True)
    persona_id = Column(String(100), nullable=False)
    difficulty = Column(String(10), nullable=False)
    mode = Column(String(12), nullable=False, default="assessment")
    due_at = Column(DateTime, nullable=False, index=True)
    min_score = Column(Integer, nullable=False, default=0)
    max_attempts = Column(Integer)  # None: no limit
    created_by = Column(String(100), nullable=False)
    created_at = Column(DateTime, default=datetime.utcnow, nullable=False)


class AssignmentTarget(Base):
    __tablename__ = "assignment_targets"
    assignment_id = Column(Integer, ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True)
    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    reminded_at = Column(DateTime)  # the day-before reminder went out


class XapiDelivery(Base):
    """xAPI statements of a finished session sent to the learning record store (or still to send)."""
    __tablename__ = "xapi_deliveries"
    session_id = Column(Integer, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    statements = Column(Integer, nullable=False, default=0)
    attempts = Column(Integer, nullable=False, default=0)
    sent_at = Column(DateTime)
    last_error = Column(Text)
