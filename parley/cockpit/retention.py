"""Data retention: after PARLEY_RETENTION_DAYS, a finished session's transcript (its turns, the quotes
in its report, trainers' comments) is deleted; its scores stay in the aggregates (session_results,
criterion_scores, the report's overall, criteria and outcome)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from parley.accounts_store import Comment
from parley.cockpit import results
from parley.store import Report, TrainingSession, Turn

KEEP = ("persona", "difficulty", "mode", "currency", "unit", "overall", "criteria", "criteria_names", "outcome")


def retention_days() -> int | None:
    value = os.environ.get("PARLEY_RETENTION_DAYS", "").strip()
    if not value:
        return None
    days = int(value)
    if days < 1:
        raise ValueError("PARLEY_RETENTION_DAYS must be a whole number of days, 1 or more")
    return days


def prune(db: Session, days: int, floors: Mapping[str, float], now: datetime | None = None) -> int:
    """Delete transcripts of sessions that ended more than `days` ago; returns how many sessions."""
    results.refresh(db, floors)  # the aggregates are copied before anything is deleted
    cutoff = (now or datetime.utcnow()) - timedelta(days=days)
    old = select(TrainingSession.id).where(TrainingSession.status != "active", TrainingSession.ended_at < cutoff)
    ids = [i for (i,) in db.execute(old.where(TrainingSession.id.in_(select(Turn.session_id)))).all()]
    if not ids:
        return 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        db.execute(delete(Turn).where(Turn.session_id.in_(chunk)))
        db.execute(delete(Comment).where(Comment.session_id.in_(chunk)))
        for report in db.execute(select(Report).where(Report.session_id.in_(chunk))).scalars():
            report.payload = {k: v for k, v in dict(report.payload).items() if k in KEEP} | {"pruned": True}
    return len(ids)
