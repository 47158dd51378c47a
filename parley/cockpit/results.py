"""Session results: each finished session's report, once, into the indexed columns the cockpit reads
(`session_results` + `criterion_scores`; a not-assessed session keeps `overall` NULL, a "not shown"
criterion keeps `score` NULL), and weekly rollups of both (`result_weeks`,
`criterion_weeks`) so the team overview sums a few thousand weekly rows instead of every score.

`refresh` picks up only reports not yet copied (reports with a higher id than the last one copied,
anti-joined with the results), then recomputes the rollups of the weeks it touched with one
INSERT ... SELECT ... GROUP BY per table; the cockpit calls it before it answers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Dict, Iterable, Mapping, Set

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session

from parley.accounts_store import CriterionScore, CriterionWeek, ResultWeek, SessionResult
from parley.store import Report, TrainingSession

BATCH = 2000


def monday(moment: datetime | date) -> date:
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def floors(personas: Mapping[str, object]) -> Dict[str, float]:
    return {pid: float(p.company.floor_price) for pid, p in personas.items()}  # type: ignore[attr-defined]


def refresh(db: Session, floor_prices: Mapping[str, float], after_report_id: int = 0) -> int:
    """Copy reports (with id > after_report_id) that have no result row yet; returns how many."""
    copied, weeks = 0, set()
    while True:
        rows = db.execute(
            select(Report.session_id, Report.overall, Report.payload, Report.created_at, TrainingSession.trainee_id,
                   TrainingSession.persona_id, TrainingSession.difficulty, TrainingSession.mode,
                   TrainingSession.ended_at)
            .join(TrainingSession, TrainingSession.id == Report.session_id)
            .outerjoin(SessionResult, SessionResult.session_id == Report.session_id)
            .where(SessionResult.session_id.is_(None), Report.id > after_report_id).limit(BATCH)
        ).all()
        if not rows:
            break
        results, scores = [], []
        for r in rows:
            ended = r.ended_at or r.created_at or datetime.utcnow()
            week = monday(ended)
            weeks.add(week)
            outcome = (r.payload or {}).get("outcome") or {}
            results.append({"session_id": r.session_id, "trainee_id": r.trainee_id, "persona_id": r.persona_id,
                            "difficulty": r.difficulty, "mode": r.mode, "ended_at": ended, "week": week,
                            "overall": r.overall, "deal": bool(outcome.get("deal")),
                            "price": outcome.get("price") if outcome.get("deal") else None,
                            "floor": floor_prices.get(r.persona_id), "shared": False})
            for name, value in ((r.payload or {}).get("criteria") or {}).items():
                scores.append({"session_id": r.session_id, "criterion": name, "trainee_id": r.trainee_id,
                               "ended_at": ended, "week": week, "score": score(value)})
        db.execute(insert(SessionResult), results)
        if scores:
            db.execute(insert(CriterionScore), scores)
        copied += len(rows)
    if weeks:
        roll_up(db, weeks)
    return copied


def score(value: object) -> int | None:
    """A criterion's score as stored; None stays None ("not shown": nothing to judge in the session)."""
    return None if value is None else int(round(float(value)))  # type: ignore[arg-type]


def last_report_id(db: Session) -> int:
    return int(db.execute(select(func.max(Report.id))).scalar() or 0)


def roll_up(db: Session, weeks: Iterable[date] | None = None) -> None:
    """Recompute the weekly rollups of `weeks` (all weeks when None) from the result rows."""
    chosen: Set[date] | None = set(weeks) if weeks is not None else None
    for model in (CriterionWeek, ResultWeek):
        db.execute(delete(model).where(model.week.in_(chosen)) if chosen is not None else delete(model))
    criteria = select(CriterionScore.week, CriterionScore.trainee_id, CriterionScore.criterion,
                      func.coalesce(func.sum(CriterionScore.score), 0.0), func.count(CriterionScore.score))
    sessions = select(SessionResult.week, SessionResult.trainee_id, SessionResult.persona_id, func.count(),
                      func.count(SessionResult.overall), func.coalesce(func.sum(SessionResult.overall), 0.0),
                      func.sum(case((SessionResult.deal, 1), else_=0)),
                      func.coalesce(func.sum(SessionResult.price), 0.0), func.count(SessionResult.price),
                      func.max(SessionResult.floor))
    if chosen is not None:
        criteria = criteria.where(CriterionScore.week.in_(chosen))
        sessions = sessions.where(SessionResult.week.in_(chosen))
    criteria = criteria.where(CriterionScore.score.is_not(None))  # a week of only "not shown" makes no row
    db.execute(insert(CriterionWeek).from_select(
        ["week", "trainee_id", "criterion", "total", "n"],
        criteria.group_by(CriterionScore.week, CriterionScore.trainee_id, CriterionScore.criterion)))
    db.execute(insert(ResultWeek).from_select(
        ["week", "trainee_id", "persona_id", "n", "overall_n", "overall_total", "deals", "price_total", "price_n",
         "floor"],
        sessions.group_by(SessionResult.week, SessionResult.trainee_id, SessionResult.persona_id)))
