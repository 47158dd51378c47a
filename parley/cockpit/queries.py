"""The SQL behind each cockpit page: aggregates computed by the database over indexed columns
(session_results, criterion_scores), scoped to what the viewer may see (parley.cockpit.privacy)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Dict, List, Tuple

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from parley.accounts_store import (
    Comment,
    CriterionScore,
    CriterionWeek,
    Identity,
    Person,
    ResultWeek,
    SessionResult,
    Team,
)
from parley.cockpit import rubric
from parley.cockpit.auth import Role, Viewer
from parley.cockpit.privacy import can_read_transcript, can_see_person
from parley.cockpit.results import monday
from parley.store import Trainee, TrainingSession, Turn


class Forbidden(Exception):
    """The viewer may not see this; the page answers 403 and shows nothing of it."""


class NotFound(Exception):
    pass


def _people_scope(viewer: Viewer, team_id: int | None = None):  # type: ignore[no-untyped-def]
    query = select(Person.id)
    if viewer.role == Role.lead:
        query = query.where(Person.team_id == viewer.team_id)
    elif viewer.role == Role.trainee:
        query = query.where(Person.id == viewer.person_id)
    if team_id is not None:
        query = query.where(Person.team_id == team_id)
    return query


# -- team overview ----------------------------------------------------------------------------------
@dataclass
class TraineeRow:
    person_id: int
    name: str
    team: str | None
    sessions: int
    average: float | None
    week: int
    last: datetime | None


@dataclass
class PersonaRow:
    persona_id: str
    sessions: int
    deal_rate: float
    average_price: float | None
    floor: float | None


@dataclass
class Overview:
    since: datetime
    days: int
    teams: List[tuple]
    team_id: int | None
    trainees: List[TraineeRow]
    heatmap: Dict[int, Dict[str, float]]
    criteria: Dict[str, float]
    weakest: str | None
    personas: List[PersonaRow]

    @property
    def practised_this_week(self) -> List[TraineeRow]:
        return [t for t in self.trainees if t.week]


@dataclass(frozen=True)
class _Period:
    """The overview's period: whole weeks come from the weekly rollups, the days before the first whole
    week (since .. edge_end) from the per-session rows."""

    since: datetime
    week_ago: datetime
    first_full: date
    edge_end: datetime
    scope: object  # the people the viewer may see, as a scalar subquery

    @classmethod
    def of(cls, viewer: Viewer, team_id: int | None, days: int, now: datetime) -> _Period:
        since = now - timedelta(days=days)
        first_full = monday(since) if since == datetime.combine(monday(since), datetime.min.time()) \
            else monday(since) + timedelta(days=7)
        return cls(since, now - timedelta(days=7), first_full, datetime.combine(first_full, datetime.min.time()),
                   _people_scope(viewer, team_id).scalar_subquery())

    def by_person(self, model):  # type: ignore[no-untyped-def]
        return and_(Identity.trainee_id == model.trainee_id, Identity.person_id.in_(self.scope))


def overview(db: Session, viewer: Viewer, days: int = 30, team_id: int | None = None,
             now: datetime | None = None) -> Overview:
    """The team page.  Whole weeks come from the weekly rollups; only the days before the first whole
    week of the period are read from the per-session rows, so a year costs about as much as a month."""
    if not viewer.is_staff:
        raise Forbidden()
    if viewer.role == Role.lead:
        team_id = viewer.team_id
    period = _Period.of(viewer, team_id, days, now or datetime.utcnow())
    heatmap, team_criteria = _criteria(db, period)
    weakest = min(team_criteria, key=lambda c: team_criteria[c]) if team_criteria else None
    teams = [(t.id, t.name) for t in db.execute(select(Team).order_by(Team.name)).scalars()
             if viewer.role != Role.lead or t.id == viewer.team_id]
    return Overview(period.since, days, teams, team_id, _trainee_rows(db, period), heatmap, team_criteria, weakest,
                    _persona_rows(db, period))


def _trainee_rows(db: Session, period: _Period) -> List[TraineeRow]:
    """Per trainee: sessions and average score in the period, sessions this week, last practised."""
    totals: Dict[int, List[float]] = {}
    for pid, n, assessed, total in db.execute(
            select(Identity.person_id, func.sum(ResultWeek.n), func.sum(ResultWeek.overall_n),
                   func.sum(ResultWeek.overall_total))
            .select_from(ResultWeek).join(Identity, period.by_person(ResultWeek))
            .where(ResultWeek.week >= period.first_full)
            .group_by(Identity.person_id)).all():
        _add(totals, pid, n, assessed, total)
    for pid, n, assessed, total in db.execute(  # count(overall): not-assessed sessions are practised, not averaged
            select(Identity.person_id, func.count(), func.count(SessionResult.overall), func.sum(SessionResult.overall))
            .select_from(SessionResult).join(Identity, period.by_person(SessionResult))
            .where(SessionResult.ended_at >= period.since, SessionResult.ended_at < period.edge_end)
            .group_by(Identity.person_id)).all():
        _add(totals, pid, n, assessed, total)
    this_week = dict(db.execute(
        select(Identity.person_id, func.count()).select_from(SessionResult)
        .join(Identity, period.by_person(SessionResult))
        .where(SessionResult.ended_at >= period.week_ago).group_by(Identity.person_id)).all())
    last: Dict[int, datetime] = {}
    for pid, ended in db.execute(  # one index lookup per trainee (ix_session_results_trainee_ended)
            select(Identity.person_id, select(func.max(SessionResult.ended_at))
                   .where(SessionResult.trainee_id == Identity.trainee_id).scalar_subquery())
            .where(Identity.person_id.in_(period.scope))).all():
        if ended is not None and (pid not in last or _dt(ended) > last[pid]):
            last[pid] = _dt(ended)
    people = db.execute(select(Person.id, Person.name, Team.name).outerjoin(Team, Team.id == Person.team_id)
                        .where(Person.id.in_(period.scope)).order_by(Person.name)).all()
    trainees = []
    for pid, name, team in people:
        n, assessed, total = totals.get(pid, (0, 0, 0.0))
        trainees.append(TraineeRow(pid, name, team, int(n), _round(total / assessed) if assessed else None,
                                   int(this_week.get(pid, 0)), last.get(pid)))
    return trainees


def _criteria(db: Session, period: _Period) -> Tuple[Dict[int, Dict[str, float]], Dict[str, float]]:
    """Trainee x criterion, and the team's criteria (weighted by every score in the period)."""
    cells: Dict[tuple, List[float]] = {}
    for pid, criterion, total, n in db.execute(
            select(Identity.person_id, CriterionWeek.criterion, func.sum(CriterionWeek.total),
                   func.sum(CriterionWeek.n))
            .select_from(CriterionWeek).join(Identity, period.by_person(CriterionWeek))
            .where(CriterionWeek.week >= period.first_full)
            .group_by(Identity.person_id, CriterionWeek.criterion)).all():
        _add(cells, (pid, criterion), n, total)
    for pid, criterion, total, n in db.execute(
            select(Identity.person_id, CriterionScore.criterion, func.sum(CriterionScore.score), func.count())
            .select_from(CriterionScore).join(Identity, period.by_person(CriterionScore))
            .where(CriterionScore.ended_at >= period.since, CriterionScore.ended_at < period.edge_end,
                   CriterionScore.score.is_not(None))  # "not shown": out of the criterion's average
            .group_by(Identity.person_id, CriterionScore.criterion)).all():
        _add(cells, (pid, criterion), n, total)
    heatmap: Dict[int, Dict[str, float]] = {}
    team_sums: Dict[str, List[float]] = {}
    for (pid, criterion), (n, total) in cells.items():
        if not n:
            continue
        heatmap.setdefault(pid, {})[criterion] = _round(total / n)
        _add(team_sums, criterion, n, total)
    return heatmap, {c: _round(total / n) for c, (n, total) in team_sums.items() if n}


def _persona_rows(db: Session, period: _Period) -> List[PersonaRow]:
    """Per persona: deal rate and average deal price against the floor."""
    per: Dict[str, List[float]] = {}
    floors: Dict[str, float | None] = {}
    for persona, n, deals, price_total, price_n, floor in db.execute(
            select(ResultWeek.persona_id, func.sum(ResultWeek.n), func.sum(ResultWeek.deals),
                   func.sum(ResultWeek.price_total), func.sum(ResultWeek.price_n), func.max(ResultWeek.floor))
            .select_from(ResultWeek).join(Identity, period.by_person(ResultWeek))
            .where(ResultWeek.week >= period.first_full)
            .group_by(ResultWeek.persona_id)).all():
        _add(per, persona, n, deals, price_total, price_n)
        floors[persona] = floor
    for persona, n, deals, price_total, price_n, floor in db.execute(
            select(SessionResult.persona_id, func.count(), func.sum(case((SessionResult.deal, 1), else_=0)),
                   func.coalesce(func.sum(SessionResult.price), 0.0), func.count(SessionResult.price),
                   func.max(SessionResult.floor))
            .select_from(SessionResult).join(Identity, period.by_person(SessionResult))
            .where(SessionResult.ended_at >= period.since, SessionResult.ended_at < period.edge_end)
            .group_by(SessionResult.persona_id)).all():
        _add(per, persona, n, deals, price_total, price_n)
        floors[persona] = floors.get(persona) or floor
    return [PersonaRow(p, int(n), _round(100.0 * deals / n), _round(price_total / price_n) if price_n else None,
                       floors.get(p)) for p, (n, deals, price_total, price_n) in sorted(per.items())]


def _add(sums: Dict, key, *values) -> None:  # type: ignore[no-untyped-def,type-arg]
    """Adds values (None counts as 0) into sums[key], a list of running totals."""
    current = sums.setdefault(key, [0.0] * len(values))
    for i, v in enumerate(values):
        current[i] += float(v or 0)


# -- a trainee's progress -----------------------------------------------------------------------------
@dataclass
class SessionRow:
    session_id: int
    ended_at: datetime
    persona_id: str
    difficulty: str
    mode: str
    overall: float | None  # None: not assessed
    deal: bool
    shared: bool
    readable: bool
    comments: int


@dataclass
class Progress:
    person_id: int
    name: str
    team: str | None
    series: Dict[str, List[tuple]]  # criterion -> [(monday of the week, average score)]
    first_best: List[dict]
    streak: int
    longest_streak: int
    days_practised: int
    sessions: List[SessionRow] = field(default_factory=list)


def person_in_view(db: Session, viewer: Viewer, person_id: int) -> Person:
    """The person, if the viewer may see them; raises Forbidden (or NotFound for staff) otherwise."""
    row = db.get(Person, person_id)
    if row is None:
        raise Forbidden() if viewer.role == Role.trainee else NotFound()
    if not can_see_person(viewer, row.id, row.team_id):
        raise Forbidden()
    return row


def progress(db: Session, viewer: Viewer, person_id: int, limit: int = 200, today: date | None = None) -> Progress:
    person = person_in_view(db, viewer, person_id)
    trainees = select(Identity.trainee_id).where(Identity.person_id == person.id).scalar_subquery()
    team = db.get(Team, person.team_id).name if person.team_id else None
    points = db.execute(  # "not shown" criteria are no point on their line
        select(CriterionScore.ended_at, CriterionScore.criterion, CriterionScore.score)
        .where(CriterionScore.trainee_id.in_(trainees), CriterionScore.score.is_not(None))
        .order_by(CriterionScore.ended_at.desc()).limit(limit * 7)
    ).all()
    series = weekly(points, [c.id for c in rubric.criteria()])
    # first: the first assessed attempt's score; best: the best assessed score (max() skips NULL); attempts:
    # every attempt, assessed or not
    ranked = (select(SessionResult.persona_id, SessionResult.difficulty, SessionResult.overall,
                     func.row_number().over(partition_by=(SessionResult.persona_id, SessionResult.difficulty,
                                                          SessionResult.overall.is_(None)),
                                            order_by=SessionResult.ended_at).label("n"))
              .where(SessionResult.trainee_id.in_(trainees)).subquery())
    first_best = [{"persona_id": r[0], "difficulty": r[1], "first": _round(r[2]), "best": _round(r[3]),
                   "attempts": int(r[4])} for r in db.execute(
        select(ranked.c.persona_id, ranked.c.difficulty,
               func.max(case((and_(ranked.c.n == 1, ranked.c.overall.is_not(None)), ranked.c.overall))),
               func.max(ranked.c.overall), func.count())
        .group_by(ranked.c.persona_id, ranked.c.difficulty).order_by(ranked.c.persona_id, ranked.c.difficulty)
    ).all()]
    days = sorted({d for (d,) in db.execute(select(func.date(SessionResult.ended_at)).distinct()
                                           .where(SessionResult.trainee_id.in_(trainees))).all()})
    streak, longest = _streaks([_as_date(d) for d in days], today or datetime.utcnow().date())
    comments = dict(db.execute(select(Comment.session_id, func.count()).join(
        SessionResult, SessionResult.session_id == Comment.session_id)
        .where(SessionResult.trainee_id.in_(trainees)).group_by(Comment.session_id)).all())
    sessions = [SessionRow(r.session_id, r.ended_at, r.persona_id, r.difficulty, r.mode, _round(r.overall), r.deal,
                           r.shared, can_read_transcript(viewer, person.id, person.team_id, r.mode, r.shared),
                           int(comments.get(r.session_id, 0)))
                for r in db.execute(select(SessionResult).where(SessionResult.trainee_id.in_(trainees))
                                    .order_by(SessionResult.ended_at.desc()).limit(limit)).scalars()]
    return Progress(person.id, person.name, team, series, first_best, streak, longest, len(days), sessions)


def weekly(points: List[tuple], criteria: List[str]) -> Dict[str, List[tuple]]:
    """(ended_at, criterion, score) rows -> per criterion, the average score of each week (by its Monday)."""
    sums: Dict[str, Dict[date, List[int]]] = {c: {} for c in criteria}
    for ended, criterion, score in points:
        if score is None:  # "not shown": nothing to average
            continue
        monday = _as_date(ended) - timedelta(days=_as_date(ended).weekday())
        sums.setdefault(criterion, {}).setdefault(monday, []).append(score)
    return {c: [(d.isoformat(), round(sum(v) / len(v), 1)) for d, v in sorted(weeks.items())]
            for c, weeks in sums.items()}


def _as_date(value) -> date:  # type: ignore[no-untyped-def]
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _streaks(days: List[date], today: date) -> tuple[int, int]:
    """(current streak ending today or yesterday, longest streak) in consecutive days practised."""
    longest = run = 0
    previous: date | None = None
    for d in days:
        run = run + 1 if previous and d - previous == timedelta(days=1) else 1
        longest, previous = max(longest, run), d
    current = run if previous and today - previous <= timedelta(days=1) else 0
    return current, longest


# -- transcript review --------------------------------------------------------------------------------
@dataclass
class TurnView:
    index: int
    segments: List[tuple]  # (text, move or None): the trainee's words, the triggers marked
    moves: List[str]
    points: int
    feedback: str
    reply: str
    trust: float | None
    patience: float | None


@dataclass
class Transcript:
    session_id: int
    person_id: int | None
    name: str
    persona_id: str
    difficulty: str
    mode: str
    status: str
    started_at: datetime
    overall: float | None
    shared: bool
    owner_viewing: bool
    turns: List[TurnView]
    comments: List[Comment]


def transcript_access(db: Session, viewer: Viewer, session_id: int) -> tuple:
    """(session row, person or None, shared) if the viewer may read the transcript; raises otherwise."""
    row = db.get(TrainingSession, session_id)
    if row is None:
        raise Forbidden() if viewer.role == Role.trainee else NotFound()
    person = db.execute(select(Person).join(Identity, Identity.person_id == Person.id)
                        .where(Identity.trainee_id == row.trainee_id)).scalar_one_or_none()
    result = db.get(SessionResult, session_id)
    shared = bool(result and result.shared)
    if not can_read_transcript(viewer, person.id if person else None, person.team_id if person else None,
                               row.mode, shared):
        raise Forbidden()
    return row, person, shared, result


def transcript(db: Session, viewer: Viewer, session_id: int) -> Transcript:
    row, person, shared, result = transcript_access(db, viewer, session_id)
    turns = []
    for t in db.execute(select(Turn).where(Turn.session_id == session_id).order_by(Turn.index, Turn.id)).scalars():
        detail = t.detail or {}
        customer = detail.get("customer") or {}
        turns.append(TurnView(t.index, highlight(t.text, detail.get("spans") or {}), list(t.moves or []), t.points,
                              t.feedback, t.customer_reply, customer.get("trust"), customer.get("patience")))
    comments = list(db.execute(select(Comment).where(Comment.session_id == session_id)
                               .order_by(Comment.created_at, Comment.id)).scalars())
    name = person.name if person else db.get(Trainee, row.trainee_id).external_id
    return Transcript(row.id, person.id if person else None, name, row.persona_id, row.difficulty, row.mode,
                      row.status, row.started_at, _round(result.overall) if result else None, shared,
                      viewer.role == Role.trainee, turns, comments)


def highlight(text: str, spans: Dict[str, List[str]]) -> List[tuple]:
    """Split `text` into (piece, move) segments; a piece that triggered a move carries the move's name."""
    marks: List[tuple] = []
    for move, triggers in spans.items():
        for trigger in triggers or []:
            if not trigger:
                continue
            for m in re.finditer(re.escape(trigger), text, flags=re.IGNORECASE):
                if not any(m.start() < e and s < m.end() for s, e, _ in marks):
                    marks.append((m.start(), m.end(), move))
                    break
    marks.sort()
    segments, at = [], 0
    for start, end, move in marks:
        if start > at:
            segments.append((text[at:start], None))
        segments.append((text[start:end], move))
        at = end
    if at < len(text):
        segments.append((text[at:], None))
    return segments


def _round(value) -> float | None:  # type: ignore[no-untyped-def]
    return None if value is None else round(float(value), 1)


def _dt(value) -> datetime | None:  # type: ignore[no-untyped-def]
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
