"""Alembic migrations: a database made before migrations keeps every row; the revisions build exactly
the tables the models describe; several processes may upgrade at once."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from parley import migrations
from parley.cli import main as cli
from parley.store import Base, Store

BEFORE = Path(__file__).parent / "fixtures" / "schema_before_migrations.sqlite.sql"


def _fill_old_database(path: Path, sessions: int = 30, turns_per_session: int = 7) -> dict:
    db = sqlite3.connect(path)
    db.executescript(BEFORE.read_text())
    counts = {"trainees": 0, "sessions": 0, "turns": 0, "reports": 0}
    for t in range(10):
        db.execute("INSERT INTO trainees (id, external_id, created_at) VALUES (?, ?, '2026-11-01 10:00:00')",
                   (t + 1, f"web-{t}"))
        counts["trainees"] += 1
    for s in range(sessions):
        state = json.dumps({"persona_id": "price_increase_charlie", "trust": 40 + s})
        db.execute("INSERT INTO sessions (id, trainee_id, persona_id, difficulty, mode, status, state, started_at,"
                   " ended_at) VALUES (?, ?, 'price_increase_charlie', 'normal', 'practice', 'finished', ?,"
                   " '2026-11-02 10:00:00', '2026-11-02 10:10:00')", (s + 1, s % 10 + 1, state))
        counts["sessions"] += 1
        for i in range(turns_per_session):
            detail = json.dumps({"index": i, "text": f"turn {i} of {s}", "moves": ["empathy"], "points": 2})
            db.execute("INSERT INTO turns (session_id, \"index\", text, moves, points, feedback, detail,"
                       " customer_reply, created_at) VALUES (?, ?, ?, '[\"empathy\"]', 2, 'Good', ?, 'OK.',"
                       " '2026-11-02 10:01:00')", (s + 1, i, f"turn {i} of {s}", detail))
            counts["turns"] += 1
        db.execute("INSERT INTO reports (session_id, overall, payload, created_at) VALUES (?, ?, ?,"
                   " '2026-11-02 10:10:00')", (s + 1, 50 + s, json.dumps({"overall": 50 + s})))
        counts["reports"] += 1
    db.commit()
    db.close()
    return counts


def _counts(path: Path) -> dict:
    db = sqlite3.connect(path)
    try:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("trainees", "sessions", "turns", "reports")}
    finally:
        db.close()


def test_a_database_made_before_migrations_is_upgraded_without_losing_a_row(tmp_path):
    path = tmp_path / "parley.db"
    before = _fill_old_database(path)
    turns_before = sqlite3.connect(path).execute("SELECT session_id, \"index\", text FROM turns ORDER BY id").fetchall()

    assert cli(["db", "upgrade", "--url", f"sqlite:///{path}"]) == 0

    assert _counts(path) == before
    turns_after = sqlite3.connect(path).execute("SELECT session_id, \"index\", text FROM turns ORDER BY id").fetchall()
    assert turns_after == turns_before
    assert migrations.current(create_engine(f"sqlite:///{path}")) == migrations.head()
    # and Parley reads the old rows through its store
    store = Store(f"sqlite:///{path}")
    assert len(store.turns(1)) == 7 and store.latest_report("web-0")["overall"] == 70


def test_upgrading_twice_changes_nothing(tmp_path):
    path = tmp_path / "parley.db"
    before = _fill_old_database(path, sessions=3)
    url = f"sqlite:///{path}"
    assert cli(["db", "upgrade", "--url", url]) == 0
    assert cli(["db", "upgrade", "--url", url]) == 0
    assert cli(["db", "current", "--url", url]) == 0
    assert _counts(path) == before


def test_the_revisions_build_exactly_the_tables_the_models_describe(tmp_path):
    """A model changed without a migration fails here (Alembic's autogenerate finds the difference)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}", future=True)
    migrations.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_current_says_when_a_database_is_behind(tmp_path, capsys):
    path = tmp_path / "parley.db"
    _fill_old_database(path, sessions=1)
    assert cli(["db", "current", "--url", f"sqlite:///{path}"]) == 1
    assert "no revision" in capsys.readouterr().out


def test_processes_starting_together_upgrade_once(tmp_path):
    """Rasa and the action servers open the database at the same moment: the lock lets one migrate."""
    url = f"sqlite:///{tmp_path / 'parley.db'}"
    errors: list = []

    def open_store() -> None:
        try:
            Store(url)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert migrations.current(create_engine(url)) == migrations.head()


def test_0006_keeps_cockpit_rows_and_lets_results_be_null(tmp_path):
    """A cockpit database at 0005 keeps its rows; its weekly rollups count every old session as assessed;
    afterwards a not-assessed session (overall NULL) and a "not shown" criterion (score NULL) fit; down again
    works."""
    url = f"sqlite:///{tmp_path / 'c.db'}"
    engine = create_engine(url)
    migrations.upgrade(engine, "0005_cockpit")
    with engine.begin() as c:
        c.exec_driver_sql("INSERT INTO trainees (id, external_id, created_at) VALUES (1, 'web-a', '2026-12-01')")
        for sid in (1, 2):
            c.exec_driver_sql("INSERT INTO sessions (id, trainee_id, persona_id, difficulty, mode, status, state, "
                              f"started_at) VALUES ({sid}, 1, 'p', 'normal', 'practice', 'finished', '{{}}', "
                              "'2026-12-01')")
        c.exec_driver_sql("INSERT INTO session_results VALUES (1, 1, 'p', 'normal', 'practice', '2026-12-01', "
                          "'2026-11-30', 70, 0, NULL, NULL, 0)")
        c.exec_driver_sql("INSERT INTO result_weeks (week, trainee_id, persona_id, n, overall_total, deals, "
                          "price_total, price_n) VALUES ('2026-11-30', 1, 'p', 1, 70, 0, 0, 0)")
    migrations.upgrade(engine)
    assert migrations.current(engine) == migrations.head() == "0006_cockpit_nullable"
    with engine.begin() as c:
        assert c.exec_driver_sql("SELECT overall FROM session_results").scalar() == 70
        assert c.exec_driver_sql("SELECT n, overall_n FROM result_weeks").one() == (1, 1)
        c.exec_driver_sql("INSERT INTO session_results VALUES (2, 1, 'p', 'normal', 'practice', '2026-12-01', "
                          "'2026-11-30', NULL, 0, NULL, NULL, 0)")
        c.exec_driver_sql("INSERT INTO criterion_scores VALUES (2, 'closing', 1, '2026-12-01', '2026-11-30', NULL)")
    with engine.begin() as conn:
        command.downgrade(migrations.config(conn), "0005_cockpit")
    assert migrations.current(engine) == "0005_cockpit"
    with engine.begin() as c:  # not-shown rows dropped, a not-assessed overall back to 0 (NOT NULL again)
        rows = c.exec_driver_sql("SELECT session_id, overall FROM session_results ORDER BY 1").all()
        assert rows == [(1, 70), (2, 0)]
        assert c.exec_driver_sql("SELECT count(*) FROM criterion_scores").scalar() == 0
