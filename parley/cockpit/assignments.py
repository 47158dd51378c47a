"""Assignments: a trainer (or a lead, for their team) asks trainees to play a persona at a difficulty
and mode by a due date, with a minimum score and an attempt limit.

Only attempts in the assignment's mode count (an assessment assignment counts assessment sessions;
practice never counts toward it), made between the assignment's creation and its due date, the first
`max_attempts` of them.  Status per trainee: not started, in progress, passed (best counted score
>= min_score), failed (attempts used up without passing), overdue (due date passed without passing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Dict, List, Sequence

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from parley.accounts_store import Assignment, AssignmentTarget, Identity, Person, SessionResult, Team
from parley.cockpit.auth import Role, Viewer
from parley.cockpit.directory import DirectoryError

DIFFICULTIES = ("easy", "normal", "hard")
MODES = ("practice", "assessment")


class Status(str, Enum):
    not_started = "not started"
    in_progress = "in progress"
    passed = "passed"
    failed = "failed"
    overdue = "overdue"

    @property
    def open(self) -> bool:
        return self in (Status.not_started, Status.in_progress)


@dataclass(frozen=True)
class Progress:
    assignment_id: int
    person_id: int
    name: str
    persona_id: str
    difficulty: str
    mode: str
    due_at: datetime
    min_score: int
    max_attempts: int | None
    attempts: int
    best: float | None
    status: Status

    @property
    def attempts_left(self) -> int | None:
        return None if self.max_attempts is None else max(0, self.max_attempts - self.attempts)

    def to_dict(self) -> dict:
        return {"assignment": self.assignment_id, "person": self.person_id, "name": self.name,
                "persona": self.persona_id, "difficulty": self.difficulty, "mode": self.mode,
                "due": self.due_at.isoformat(timespec="minutes"), "min_score": self.min_score,
                "max_attempts": self.max_attempts, "attempts": self.attempts, "attempts_left": self.attempts_left,
                "best": self.best, "status": self.status.value}


def create(db: Session, viewer: Viewer, persona_id: str, difficulty: str, mode: str, due_at: datetime,
           min_score: int, max_attempts: int | None, person_ids: Sequence[int] = (), team_id: int | None = None,
           known_personas: Sequence[str] = (), now: datetime | None = None) -> Assignment:
    """A new assignment for the given trainees and/or everyone in a team; refuses what the viewer may not do."""
    if not viewer.is_staff:
        raise PermissionError("trainees cannot assign")
    if known_personas and persona_id not in known_personas:
        raise DirectoryError(f"There is no persona called {persona_id!r}.")
    if difficulty not in DIFFICULTIES or mode not in MODES:
        raise DirectoryError("Difficulty must be easy, normal or hard; mode practice or assessment.")
    if not 0 <= int(min_score) <= 100:
        raise DirectoryError("The minimum score is between 0 and 100.")
    if max_attempts is not None and int(max_attempts) < 1:
        raise DirectoryError("The attempt limit is 1 or more (or empty for no limit).")
    if due_at <= (now or datetime.utcnow()):
        raise DirectoryError("The due date is in the past.")
    if viewer.role == Role.lead and team_id not in (None, viewer.team_id):
        raise PermissionError("a lead assigns to their own team")
    targets = set(int(p) for p in person_ids)
    if team_id is not None:
        targets |= set(db.execute(select(Person.id).where(Person.team_id == team_id)).scalars())
    if not targets:
        raise DirectoryError("Pick at least one trainee or a team with trainees in it.")
    if viewer.role == Role.lead:
        allowed = set(db.execute(select(Person.id).where(Person.team_id == viewer.team_id)).scalars())
        if not targets <= allowed:
            raise PermissionError("a lead assigns to their own team")
    row = Assignment(persona_id=persona_id, difficulty=difficulty, mode=mode, due_at=due_at, min_score=int(min_score),
                     max_attempts=int(max_attempts) if max_attempts is not None else None, created_by=viewer.name)
    db.add(row)
    db.flush()
    db.add_all(AssignmentTarget(assignment_id=row.id, person_id=p) for p in sorted(targets))
    db.flush()
    return row


def progress(db: Session, viewer: Viewer, assignment_id: int | None = None, person_id: int | None = None,
             now: datetime | None = None) -> List[Progress]:
    """Status of every (assignment, trainee) pair the viewer may see, optionally for one assignment/person."""
    now = now or datetime.utcnow()
    pairs = (select(Assignment, AssignmentTarget.person_id, Person.name)
             .join(AssignmentTarget, AssignmentTarget.assignment_id == Assignment.id)
             .join(Person, Person.id == AssignmentTarget.person_id))
    if viewer.role == Role.lead:
        pairs = pairs.where(Person.team_id == viewer.team_id)
    elif viewer.role == Role.trainee:
        pairs = pairs.where(Person.id == viewer.person_id)
    if assignment_id is not None:
        pairs = pairs.where(Assignment.id == assignment_id)
    if person_id is not None:
        pairs = pairs.where(Person.id == person_id)
    rows = db.execute(pairs.order_by(Assignment.due_at, Person.name)).all()
    if not rows:
        return []
    counted = _attempts(db, [a.id for a, _, _ in rows])
    out = []
    for assignment, pid, name in rows:
        attempts, best = counted.get((assignment.id, pid), (0, None))
        out.append(Progress(assignment.id, pid, name, assignment.persona_id, assignment.difficulty, assignment.mode,
                            assignment.due_at, assignment.min_score, assignment.max_attempts, attempts, best,
                            _status(assignment, attempts, best, now)))
    return out


def _attempts(db: Session, assignment_ids: List[int]) -> Dict[tuple, tuple]:
    """(assignment, person) -> (counted attempts, best counted score), in SQL with a window function."""
    ranked = (select(Assignment.id.label("assignment"), AssignmentTarget.person_id.label("person"),
                     Assignment.max_attempts.label("limit"), SessionResult.overall.label("overall"),
                     func.row_number().over(partition_by=(Assignment.id, AssignmentTarget.person_id),
                                            order_by=SessionResult.ended_at).label("n"))
              .join(AssignmentTarget, AssignmentTarget.assignment_id == Assignment.id)
              .join(Identity, Identity.person_id == AssignmentTarget.person_id)
              .join(SessionResult, and_(SessionResult.trainee_id == Identity.trainee_id,
                                        SessionResult.persona_id == Assignment.persona_id,
                                        SessionResult.difficulty == Assignment.difficulty,
                                        SessionResult.mode == Assignment.mode,
                                        SessionResult.ended_at >= Assignment.created_at,
                                        SessionResult.ended_at <= Assignment.due_at))
              .where(Assignment.id.in_(assignment_ids)).subquery())
    rows = db.execute(select(ranked.c.assignment, ranked.c.person, func.count(), func.max(ranked.c.overall))
                      .where((ranked.c.limit.is_(None)) | (ranked.c.n <= ranked.c.limit))
                      .group_by(ranked.c.assignment, ranked.c.person)).all()
    return {(a, p): (int(n), float(best) if best is not None else None) for a, p, n, best in rows}


def _status(assignment: Assignment, attempts: int, best: float | None, now: datetime) -> Status:
    if best is not None and best >= assignment.min_score:
        return Status.passed
    if assignment.max_attempts is not None and attempts >= assignment.max_attempts:
        return Status.failed
    if now > assignment.due_at:
        return Status.overdue
    return Status.in_progress if attempts else Status.not_started


def open_for(db: Session, person_id: int, now: datetime | None = None) -> List[Progress]:
    """A trainee's open assignments, soonest due first: what the picker, Slack and the terminal show."""
    viewer = Viewer("", Role.trainee, person_id=person_id)
    return [p for p in progress(db, viewer, now=now) if p.status.open]


def due_tomorrow(db: Session, now: datetime | None = None) -> List[tuple]:
    """(target row, progress, slack user id) for open assignments due within a day, not yet reminded."""
    now = now or datetime.utcnow()
    rows = db.execute(select(AssignmentTarget, Person.slack_user_id)
                      .join(Assignment, Assignment.id == AssignmentTarget.assignment_id)
                      .join(Person, Person.id == AssignmentTarget.person_id)
                      .where(Assignment.due_at > now, Assignment.due_at <= now + timedelta(days=1),
                             AssignmentTarget.reminded_at.is_(None))).all()
    out = []
    for target, slack_user in rows:
        for p in progress(db, Viewer("", Role.admin), target.assignment_id, target.person_id, now):
            if p.status.open:
                out.append((target, p, slack_user))
    return out


def team_options(db: Session, viewer: Viewer) -> List[tuple]:
    query = select(Team.id, Team.name).order_by(Team.name)
    if viewer.role == Role.lead:
        query = query.where(Team.id == viewer.team_id)
    return [tuple(r) for r in db.execute(query).all()]
