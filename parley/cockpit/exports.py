"""Exports of finished sessions with their criteria, as CSV or JSON, filtered by team, trainee, persona
and dates, scoped to what the viewer may see.  Scores only: transcripts are never exported (practice
sessions stay private; assessments are read in the cockpit)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Iterator, List

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.accounts_store import CriterionScore, Identity, Person, SessionResult, Team
from parley.cockpit import rubric
from parley.cockpit.auth import Role, Viewer

FIELDS = ["session_id", "trainee", "team", "persona", "difficulty", "mode", "ended_at", "overall", "deal", "price",
          "floor"]
MAX_ROWS = 200_000


@dataclass(frozen=True)
class Filters:
    team: str | None = None
    trainee: str | None = None
    persona: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def rows(db: Session, viewer: Viewer, filters: Filters) -> Iterator[Dict]:
    query = (select(SessionResult, Person.name, Team.name)
             .join(Identity, Identity.trainee_id == SessionResult.trainee_id)
             .join(Person, Person.id == Identity.person_id).outerjoin(Team, Team.id == Person.team_id))
    if viewer.role == Role.lead:
        query = query.where(Person.team_id == viewer.team_id)
    elif viewer.role == Role.trainee:
        query = query.where(Person.id == viewer.person_id)
    if filters.team:
        query = query.where(Team.name == filters.team)
    if filters.trainee:
        query = query.where(Person.name == filters.trainee)
    if filters.persona:
        query = query.where(SessionResult.persona_id == filters.persona)
    if filters.since:
        query = query.where(SessionResult.ended_at >= filters.since)
    if filters.until:
        query = query.where(SessionResult.ended_at < filters.until)
    query = query.order_by(SessionResult.ended_at, SessionResult.session_id).limit(MAX_ROWS)
    criteria = [c.id for c in rubric.criteria()]
    batch: List = []
    for row in db.execute(query).yield_per(1000):
        batch.append(row)
        if len(batch) == 1000:
            yield from _with_criteria(db, batch, criteria)
            batch = []
    if batch:
        yield from _with_criteria(db, batch, criteria)


def _with_criteria(db: Session, batch: List, criteria: List[str]) -> Iterator[Dict]:
    ids = [r[0].session_id for r in batch]
    scores: Dict[int, Dict[str, int]] = {}
    for sid, criterion, score in db.execute(select(CriterionScore.session_id, CriterionScore.criterion,
                                                   CriterionScore.score).where(CriterionScore.session_id.in_(ids))):
        scores.setdefault(sid, {})[criterion] = score
    for result, name, team in batch:
        yield {"session_id": result.session_id, "trainee": name, "team": team, "persona": result.persona_id,
               "difficulty": result.difficulty, "mode": result.mode,
               "ended_at": result.ended_at.isoformat(timespec="seconds"), "overall": result.overall,
               "deal": result.deal, "price": result.price, "floor": result.floor,
               "criteria": {c: scores.get(result.session_id, {}).get(c) for c in criteria}}


def to_csv(records: Iterator[Dict]) -> Iterator[str]:
    criteria = [c.id for c in rubric.criteria()]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS + criteria)
    for r in records:
        writer.writerow([_cell(r[f]) for f in FIELDS] + [_cell(r["criteria"].get(c)) for c in criteria])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cell(value: object) -> object:
    """Spreadsheet formula injection: a text cell starting with = + - @ is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def to_json(records: Iterator[Dict]) -> str:
    return json.dumps({"sessions": list(records), "criteria_names": rubric.names()}, ensure_ascii=False)
