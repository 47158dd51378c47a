"""Short summaries for chat channels (Slack's App Home, `assignments`, `team`; the terminal chat): the
data only, each channel formats it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import List, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parley.accounts_store import Account, CriterionScore, Identity, Person, SessionResult
from parley.cockpit import assignments, queries, rubric
from parley.cockpit.auth import Role, Viewer


@dataclass
class TraineeSummary:
    name: str
    open: List[assignments.Progress] = field(default_factory=list)
    # persona, difficulty, mode, overall (None: not assessed), ended
    last: List[Tuple[str, str, str, float | None, datetime]] = field(default_factory=list)
    weakest: Tuple[str, float] | None = None


def trainee(db: Session, person_id: int, now: datetime | None = None) -> TraineeSummary:
    now = now or datetime.utcnow()
    person = db.get(Person, person_id)
    trainees = select(Identity.trainee_id).where(Identity.person_id == person_id).scalar_subquery()
    last = [(r.persona_id, r.difficulty, r.mode, None if r.overall is None else float(r.overall), r.ended_at)
            for r in db.execute(
        select(SessionResult).where(SessionResult.trainee_id.in_(trainees))
        .order_by(SessionResult.ended_at.desc()).limit(5)).scalars()]
    averages = db.execute(select(CriterionScore.criterion, func.avg(CriterionScore.score))
                          .where(CriterionScore.trainee_id.in_(trainees),
                                 CriterionScore.ended_at >= now - timedelta(days=30),
                                 CriterionScore.score.is_not(None))  # "not shown" is no weakness
                          .group_by(CriterionScore.criterion)).all()
    weakest = min(averages, key=lambda r: r[1]) if averages else None
    names = rubric.names()
    return TraineeSummary(person.name if person else "", assignments.open_for(db, person_id, now), last,
                          (names.get(weakest[0], weakest[0]), round(float(weakest[1]), 1)) if weakest else None)


def lead_for_slack(db: Session, slack_user_id: str) -> Viewer | None:
    row = db.execute(select(Account).where(Account.slack_user_id == slack_user_id)).scalar_one_or_none()
    if row is None or row.role not in (Role.lead.value, Role.trainer.value, Role.admin.value):
        return None
    return Viewer(row.username, Role(row.role), team_id=row.team_id)


def team_week(db: Session, viewer: Viewer, now: datetime | None = None) -> queries.Overview:
    return queries.overview(db, viewer, days=7, now=now)
