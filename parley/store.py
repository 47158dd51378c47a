"""Parley's own tables (trainees, sessions, turns, reports) with SQLAlchemy.

SQLite under the project by default, any SQLAlchemy URL through PARLEY_DB_URL (PostgreSQL for a
team).  Each call is one transaction, so a trainee turn is on disk before the customer answers.

Several servers (team mode, docs/deploy.md) may handle the same trainee at the same moment.
`Store.conversation(sender)` serialises them: it takes a row lock on the trainee (SELECT ... FOR
UPDATE on PostgreSQL, the database's write lock on SQLite) and every store call inside it runs in
that one transaction, so a turn reads the customer's state, scores and writes it with no other
request for the same trainee in between, and the turn is committed as one piece or not at all.
Inside it a turn can carry the channel's message id (`message_key`): a message sent again after a
lost reply is found (`replied_turn`) instead of being played a second time.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator, List

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, declarative_base, relationship, sessionmaker

DEFAULT_DB = Path(__file__).resolve().parent.parent / "var" / "parley.db"
# the transaction (database URL, session) of the `Store.conversation()` this task or thread is in, and its
# message key: context variables, so every asyncio task and thread has its own
_BOUND: ContextVar[tuple[str, Session] | None] = ContextVar("parley_store_transaction", default=None)
_MESSAGE_KEY: ContextVar[str | None] = ContextVar("parley_store_message_key", default=None)
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
    status = Column(String(12), nullable=False, default="active", index=True)  # active, finished, abandoned
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
    # the channel's id for the message (REST metadata.message_id): a message resent after a lost
    # reply is answered from here instead of being played twice
    message_key = Column(String(64))
    __table_args__ = (
        UniqueConstraint("session_id", "index", name="uq_turns_session_index"),  # one row per turn number
        Index("ix_turns_session_message_key", "session_id", "message_key", unique=True),
    )


class RefusedMessage(Base):
    """A message refused at the door (over the size limit): kept as evidence, never a scored turn."""

    __tablename__ = "refused_messages"
    id = Column(Integer, primary_key=True)
    trainee_id = Column(Integer, ForeignKey("trainees.id"), nullable=False, index=True)
    session_id = Column(Integer, ForeignKey("sessions.id"), index=True)  # None: no session was running
    reason = Column(String(20), nullable=False)  # too_long
    chars = Column(Integer, nullable=False)
    excerpt = Column(Text, nullable=False)  # the first characters, to recognise it
    created_at = Column(DateTime, default=datetime.utcnow, nullable=False)


class Report(Base):
    __tablename__ = "reports"
    id = Column(Integer, primary_key=True)
    session_id = Column(Integer, ForeignKey("sessions.id"), unique=True, nullable=False)
    overall = Column(Float, nullable=True)  # NULL: a session too short or off topic to assess
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
        private_file(Path(url[len("sqlite:///"):]))
    if url.startswith("sqlite"):
        engine = create_engine(url, future=True, connect_args={"timeout": 30})
    else:  # a server database: a connection it dropped (restart, idle timeout) is noticed and replaced
        engine = create_engine(url, future=True, pool_pre_ping=True, pool_recycle=1800,
                               pool_size=int(os.environ.get("PARLEY_DB_POOL_SIZE", "5")))
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record) -> None:  # type: ignore[no-untyped-def]
            # WAL lets the Rasa and action-server processes read while one writes
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
    migrate(engine)
    return engine


def private_file(path: Path) -> None:
    """Trainees' words and reports are nobody else's business: the file 0600 (SQLite gives its -wal and
    -shm files the same mode), a folder made for it 0700. An existing file is tightened too."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (Alembic revisions in parley/migrations); a no-op when it is."""
    from parley import migrations  # Alembic is imported only by processes that open a database

    # the first connection switches a new SQLite file to WAL, which needs the file to itself: processes (or
    # threads) opening the database at the same moment take the migration lock for it, then migrate one by one
    with migrations.migration_lock(engine):
        outdated = migrations.current(engine) != migrations.head()
    if outdated:
        migrations.upgrade(engine)


class Store:
    def __init__(self, url: str | None = None):
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self._url = self.engine.url.render_as_string(hide_password=False)

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        bound = self._bound()
        if bound is not None:  # inside conversation(): part of its transaction, committed at its end
            yield bound
            return
        with self._sessions() as db, db.begin():
            yield db

    def _bound(self) -> Session | None:
        """The transaction of the `conversation()` this task or thread is in, for this database (any Store
        object on it: a second one must not open a connection that would wait for the first one's lock)."""
        bound = _BOUND.get()
        return bound[1] if bound is not None and bound[0] == self._url else None

    @contextmanager
    def conversation(self, sender: str, message_key: str | None = None) -> Iterator[None]:
        """Everything one request does for `sender`, serialised against every other server and committed once.

        Takes a row lock on the trainee until the block ends; a second request for the same trainee
        (on any server) waits here, then sees the first one's turn.  Re-entrant in the same task.
        """
        if self._bound() is not None:
            yield
            return
        self._ensure_trainee(sender)
        with self._sessions() as db, db.begin():
            lock = select(Trainee.id).where(Trainee.external_id == sender)
            if self.engine.dialect.name == "sqlite":  # no row locks: a write takes the database's write lock
                db.execute(update(Trainee).where(Trainee.external_id == sender)
                           .values(external_id=Trainee.external_id))
            else:  # FOR NO KEY UPDATE: serialises requests for this trainee, lets inserts that refer to it through
                db.execute(lock.with_for_update(key_share=True))
            bound, key = _BOUND.set((self._url, db)), _MESSAGE_KEY.set((message_key or "")[:64] or None)
            try:
                yield
            finally:
                _BOUND.reset(bound)
                _MESSAGE_KEY.reset(key)

    def _ensure_trainee(self, sender: str) -> None:
        with self._sessions() as db:
            if db.execute(select(Trainee.id).where(Trainee.external_id == sender)).first() is not None:
                return
        try:
            with self._sessions() as db, db.begin():
                db.add(Trainee(external_id=sender))
        except IntegrityError:  # another server added the same trainee a moment ago
            pass

    def ping(self) -> None:
        """Raises when the database cannot be reached (readiness checks)."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

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
                        detail={**score, "customer": {k: state.get(k) for k in ("trust", "patience")}},
                        message_key=_MESSAGE_KEY.get()))
            row.state = state

    def record_refused(self, sender: str, session_id: int | None, reason: str, chars: int, excerpt: str) -> None:
        with self._tx() as db:
            db.add(RefusedMessage(trainee_id=self._trainee(db, sender).id, session_id=session_id, reason=reason,
                                  chars=chars, excerpt=excerpt))

    def refused(self, sender: str) -> List[dict]:
        """The sender's refused messages, oldest first."""
        with self._tx() as db:
            rows = db.execute(select(RefusedMessage).join(Trainee).where(Trainee.external_id == sender)
                              .order_by(RefusedMessage.id)).scalars()
            return [{"session_id": r.session_id, "reason": r.reason, "chars": r.chars, "excerpt": r.excerpt}
                    for r in rows]

    def replied_turn(self, sender: str, message_key: str | None) -> dict | None:
        """The turn already stored for this message id in the sender's latest session (a resend), else None:
        {"session_id", "status", "customer_reply", "detail"}."""
        if not message_key:
            return None
        with self._tx() as db:
            found = db.execute(
                select(Turn, TrainingSession.status).join(TrainingSession, Turn.session_id == TrainingSession.id)
                .join(Trainee).where(Trainee.external_id == sender, Turn.message_key == message_key[:64])
                .order_by(Turn.id.desc())
            ).first()
            if found is None:
                return None
            turn, status = found
            return {"session_id": int(turn.session_id), "status": status, "customer_reply": turn.customer_reply,
                    "detail": dict(turn.detail)}

    def finish(self, session_id: int, state: dict, report: dict | None, status: str = "finished") -> None:
        """Close a session with its report (`abandoned` for one the sweep closes; no report when it had no turns)."""
        with self._tx() as db:
            row = db.get(TrainingSession, session_id)
            row.status, row.state, row.ended_at = status, state, datetime.utcnow()
            if report is not None:
                db.add(Report(session_id=session_id, overall=report["overall"], payload=report))

    def idle_sessions(self, idle_since: datetime, limit: int = 200) -> List[SessionRecord]:
        """Active sessions with nothing since `idle_since` (no turn, and started before it); oldest first."""
        last_turn = (select(Turn.session_id, func.max(Turn.created_at).label("at"))
                     .group_by(Turn.session_id).subquery())
        last = func.coalesce(last_turn.c.at, TrainingSession.started_at)
        with self._tx() as db:
            rows = db.execute(
                select(TrainingSession, Trainee.external_id).join(Trainee)
                .outerjoin(last_turn, last_turn.c.session_id == TrainingSession.id)
                .where(TrainingSession.status == "active", TrainingSession.started_at < idle_since, last < idle_since)
                .order_by(last).limit(limit)
            ).all()
            return [_record(row, sender) for row, sender in rows]

    def last_activity(self, session_id: int) -> datetime | None:
        with self._tx() as db:
            row = db.get(TrainingSession, session_id)
            if row is None:
                return None
            last_turn = db.execute(select(func.max(Turn.created_at)).where(Turn.session_id == session_id)).scalar()
            return max(t for t in (row.started_at, last_turn) if t is not None)

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
