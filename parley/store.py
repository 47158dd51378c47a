"""Parley's own tables (trainees, sessions, turns, reports) with SQLAlchemy.

SQLite under the project by default, any SQLAlchemy URL through PARLEY_DB_URL (PostgreSQL for a
team).  Each call is one transaction, so a trainee turn is on disk before the customer answers.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator, List

from sqlalchemy import JSON, Column, DateTime, Float, ForeignKey, Integer, String, Text, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, relationship, sessionmaker

DEFAULT_DB = Path(__file__).resolve().parent.parent / "var" / "parley.db"
Base = declarative_base()


class Trainee(Base):
    __tablename__ = "trainees"
    id = Column(Integer, primary_key=True)
    external_id = Column(String(255), unique=True, nullable=False)  # the channel's sender id
    created_at = Column(DateTime, default=datetime.utcnow, nullable=False)


class TrainingSession(Base):
    __tablename__ = "sessions"
    id = Column(Integer, primary_key=True)
    trainee_id = Column(Integer, ForeignKey("trainees.id"), nullable=False, index=True)
    persona_id = Column(String(100), nullable=False)
    difficulty = Column(String(10), nullable=False)
    mode = Column(String(12), nullable=False)
    status = Column(String(12), nullable=False, default="active")  # active, finished, abandoned
    state = Column(JSON, nullable=False)  # the customer's state after the last turn
    started_at = Column(DateTime, default=datetime.utcnow, nullable=False)
    ended_at = Column(DateTime)
    turns = relationship("Turn", order_by="Turn.index", cascade="all, delete-orphan")
    trainee = relationship(Trainee)


class Turn(Base):
    __tablename__ = "turns"
    id = Column(Integer, primary_key=True)
    session_id = Column(Integer, ForeignKey("sessions.id"), nullable=False, index=True)
    index = Column(Integer, nullable=False)
    text = Column(Text, nullable=False)
    moves = Column(JSON, nullable=False)
    points = Column(Integer, nullable=False)
    feedback = Column(Text, nullable=False)
    detail = Column(JSON, nullable=False)  # the full TurnScore: notes, spans, events, offer
    customer_reply = Column(Text, nullable=False)
    created_at = Column(DateTime, default=datetime.utcnow, nullable=False)


class Report(Base):
    __tablename__ = "reports"
    id = Column(Integer, primary_key=True)
    session_id = Column(Integer, ForeignKey("sessions.id"), unique=True, nullable=False)
    overall = Column(Float, nullable=False)
    payload = Column(JSON, nullable=False)
    created_at = Column(DateTime, default=datetime.utcnow, nullable=False)


@dataclass(frozen=True)
class SessionRecord:
    id: int
    sender: str
    persona_id: str
    difficulty: str
    mode: str
    status: str
    state: dict


def database_url() -> str:
    return os.environ.get("PARLEY_DB_URL") or f"sqlite:///{DEFAULT_DB}"


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record) -> None:  # type: ignore[no-untyped-def]
            # WAL lets the Rasa and action-server processes read while one writes
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
    migrate(engine)
    return engine


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (Alembic revisions in parley/migrations); a no-op when it is."""
    from parley import migrations  # Alembic is imported only by processes that open a database

    if migrations.current(engine) != migrations.head():
        migrations.upgrade(engine)


class Store:
    def __init__(self, url: str | None = None):
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions() as db, db.begin():
            yield db

    def _trainee(self, db: Session, sender: str) -> Trainee:
        trainee = db.execute(select(Trainee).where(Trainee.external_id == sender)).scalar_one_or_none()
        if trainee is None:
            trainee = Trainee(external_id=sender)
            db.add(trainee)
            db.flush()
        return trainee

    def _active(self, db: Session, sender: str) -> TrainingSession | None:
        return db.execute(
            select(TrainingSession).join(Trainee)
            .where(Trainee.external_id == sender, TrainingSession.status == "active")
            .order_by(TrainingSession.id.desc())
        ).scalars().first()

    def start_session(self, sender: str, persona_id: str, difficulty: str, mode: str, state: dict) -> int:
        """A new session for the sender; one still running is marked abandoned (its turns are kept)."""
        with self._tx() as db:
            trainee = self._trainee(db, sender)
            for old in db.execute(select(TrainingSession).where(
                    TrainingSession.trainee_id == trainee.id, TrainingSession.status == "active")).scalars():
                old.status, old.ended_at = "abandoned", datetime.utcnow()
            row = TrainingSession(trainee_id=trainee.id, persona_id=persona_id, difficulty=difficulty, mode=mode,
                                  state=state)
            db.add(row)
            db.flush()
            return int(row.id)

    def count_sessions(self, sender: str) -> int:
        with self._tx() as db:
            return len(db.execute(select(TrainingSession.id).join(Trainee)
                                  .where(Trainee.external_id == sender)).all())

    def active_session(self, sender: str) -> SessionRecord | None:
        with self._tx() as db:
            row = self._active(db, sender)
            return _record(row, sender) if row else None

    def record_turn(self, session_id: int, score: dict, reply: str, state: dict) -> None:
        with self._tx() as db:
            row = db.get(TrainingSession, session_id)
            db.add(Turn(session_id=session_id, index=score["index"], text=score["text"], moves=score["moves"],
                        points=score["points"], feedback=score["feedback"], customer_reply=reply,
                        detail={**score, "customer": {k: state.get(k) for k in ("trust", "patience")}}))
            row.state = state

    def finish(self, session_id: int, state: dict, report: dict) -> None:
        with self._tx() as db:
            row = db.get(TrainingSession, session_id)
            row.status, row.state, row.ended_at = "finished", state, datetime.utcnow()
            db.add(Report(session_id=session_id, overall=report["overall"], payload=report))

    def session(self, session_id: int) -> SessionRecord | None:
        with self._tx() as db:
            row = db.get(TrainingSession, session_id)
            return _record(row, row.trainee.external_id) if row else None

    def turns(self, session_id: int) -> List[dict]:
        """The session's scored turns (TurnScore dicts) in order; read only when a report is due."""
        with self._tx() as db:
            return [dict(d) for d in db.execute(
                select(Turn.detail).where(Turn.session_id == session_id).order_by(Turn.index, Turn.id)).scalars()]

    def latest_report(self, sender: str) -> dict | None:
        with self._tx() as db:
            report = db.execute(
                select(Report).join(TrainingSession).join(Trainee)
                .where(Trainee.external_id == sender).order_by(Report.id.desc())
            ).scalars().first()
            return dict(report.payload) if report else None


def _record(row: TrainingSession, sender: str) -> SessionRecord:
    return SessionRecord(int(row.id), sender, row.persona_id, row.difficulty, row.mode, row.status, dict(row.state))


from parley import accounts_store  # noqa: E402,F401  # the cockpit's tables share Base (migration 0005_cockpit)
