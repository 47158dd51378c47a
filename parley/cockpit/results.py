"""Session results: each finished session's report, once, into the indexed columns the cockpit reads
(`session_results` + `criterion_scores`).  `refresh` picks up only reports not yet copied, with one
anti-join, so a page never re-reads old reports; the cockpit calls it before it answers."""

from __future__ import annotations

from datetime import datetime
from typing import Dict, Mapping

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from parley.accounts_store import CriterionScore, SessionResult
from parley.store import Report, TrainingSession

BATCH = 2000


def floors(personas: Mapping[str, object]) -> Dict[str, float]:
    return {pid: float(p.company.floor_price) for pid, p in personas.items()}  # type: ignore[attr-defined]


def refresh(db: Session, floor_prices: Mapping[str, float]) -> int:
    """Copy reports that have no result row yet; returns how many."""
    copied = 0
    while True:
        rows = db.execute(
            select(Report.session_id, Report.overall, Report.payload, Report.created_at, TrainingSession.trainee_id,
                   TrainingSession.persona_id, TrainingSession.difficulty, TrainingSession.mode,
                   TrainingSession.ended_at)
            .join(TrainingSession, TrainingSession.id == Report.session_id)
            .outerjoin(SessionResult, SessionResult.session_id == Report.session_id)
            .where(SessionResult.session_id.is_(None)).limit(BATCH)
        ).all()
        if not rows:
            return copied
        results, scores = [], []
        for r in rows:
            ended = r.ended_at or r.created_at or datetime.utcnow()
            outcome = (r.payload or {}).get("outcome") or {}
            results.append({"session_id": r.session_id, "trainee_id": r.trainee_id, "persona_id": r.persona_id,
                            "difficulty": r.difficulty, "mode": r.mode, "ended_at": ended, "overall": r.overall,
                            "deal": bool(outcome.get("deal")), "price": outcome.get("price") if outcome.get("deal")
                            else None, "floor": floor_prices.get(r.persona_id), "shared": False})
            for name, value in ((r.payload or {}).get("criteria") or {}).items():
                scores.append({"session_id": r.session_id, "criterion": name, "trainee_id": r.trainee_id,
                               "ended_at": ended, "score": int(value)})
        db.execute(insert(SessionResult), results)
        if scores:
            db.execute(insert(CriterionScore), scores)
        copied += len(rows)
