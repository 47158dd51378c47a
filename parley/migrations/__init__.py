"""Alembic migrations for Parley's own tables (trainees, sessions, turns, reports and what follows).

Every schema change comes as a revision in `versions/`.  `upgrade()` brings any database to the
newest revision and is what `parley db upgrade`, the start-up scripts and `Store()` call:

- a database Alembic has never seen but that already holds Parley's tables (made by `create_all`
  before migrations existed) is stamped at the baseline first, then upgraded, so no row is lost;
- an empty database is built from the revisions, not from `create_all`, so every database follows
  the same path;
- several processes starting at once (Rasa, the action servers) take a lock first: PostgreSQL's
  advisory lock, a file lock next to a SQLite file.

Alembic's own command line works too: `alembic -c parley/migrations/alembic.ini upgrade head`.
"""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

HERE = Path(__file__).resolve().parent
BASELINE = "0001_baseline"
_ADVISORY_KEY = 0x5041524C  # "PARL": one advisory-lock key for Parley's migrations


def config(connection: Connection | None = None) -> Config:
    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head() or BASELINE


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (default: the newest), safely from several processes at once."""
    with migration_lock(engine), engine.begin() as conn:
        _advisory_lock(conn)
        cfg = config(conn)
        if MigrationContext.configure(conn).get_current_revision() is None and _has_parley_tables(conn):
            command.stamp(cfg, BASELINE)  # made by create_all before migrations: the baseline is already there
        command.upgrade(cfg, revision)


def _has_parley_tables(conn: Connection) -> bool:
    return "sessions" in inspect(conn).get_table_names()


def _advisory_lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":  # released when the transaction ends
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """SQLite has no advisory lock: a file lock beside the database file serialises migrating processes."""
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate.lock")
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
