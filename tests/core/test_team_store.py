"""The store under several servers: one request per trainee at a time, resends found by message id, turn
numbers unique, and the abandoned-session sweep (on SQLite here; on PostgreSQL in tests/e2e/test_team.py)."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import IntegrityError

from parley import migrations
from parley.cli import main as cli
from parley.moves import detect
from parley.session import Trainer
from parley.store import Store
from parley.sweep import abandon_after, sweep


def score(index: int, text: str) -> dict:
    return {"index": index, "text": text, "moves": ["other"], "points": 0, "feedback": "f", "notes": []}


def test_two_requests_for_one_trainee_are_serialised(tmp_path) -> None:
    """Both read the state, score and write the next turn: without the lock both would write turn 0."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    Store(url).start_session("ann", "loyal_customer", "normal", "practice", {"turn": 0})
    order: list = []

    def request(name: str) -> None:
        store = Store(url)  # as on another server
        with store.conversation("ann", message_key=name):
            record = store.active_session("ann")
            order.append(f"{name} reads {record.state['turn']}")
            time.sleep(0.3)  # the other request arrives meanwhile
            store.record_turn(record.id, score(record.state["turn"], name), "ok", {"turn": record.state["turn"] + 1})

    threads = [threading.Thread(target=request, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store = Store(url)
    assert sorted(order) in (["a reads 0", "b reads 1"], ["a reads 1", "b reads 0"])
    assert [t["index"] for t in store.turns(store.active_session("ann").id)] == [0, 1]


def test_a_failed_request_stores_nothing(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    sid = store.start_session("ann", "loyal_customer", "normal", "practice", {"turn": 0})
    with pytest.raises(RuntimeError), store.conversation("ann"):
        store.record_turn(sid, score(0, "lost"), "ok", {"turn": 1})
        raise RuntimeError("the server died before replying")
    assert store.turns(sid) == [] and store.session(sid).state == {"turn": 0}


def test_a_resent_message_is_found_by_its_id(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    sid = store.start_session("ann", "loyal_customer", "normal", "practice", {})
    with store.conversation("ann", message_key="m-1"):
        store.record_turn(sid, score(0, "hello"), "Hi.", {})
    with store.conversation("ann", message_key="m-1"):
        found = store.replied_turn("ann", "m-1")
    assert found["customer_reply"] == "Hi." and found["status"] == "active"
    assert store.replied_turn("ann", "m-2") is None and store.replied_turn("bob", "m-1") is None


def test_one_turn_number_per_session(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    sid = store.start_session("ann", "loyal_customer", "normal", "practice", {})
    store.record_turn(sid, score(0, "one"), "ok", {})
    with pytest.raises(IntegrityError):
        store.record_turn(sid, score(0, "two"), "ok", {})


def test_duplicate_turn_numbers_from_before_are_renumbered_by_the_migration(tmp_path) -> None:
    """Two action servers used to store two turns with one number: 0003_team keeps both, renumbered in order."""
    path = tmp_path / "p.db"
    url = f"sqlite:///{path}"
    migrations.upgrade(create_engine(url), "0001_baseline")
    db = sqlite3.connect(path)
    db.execute("INSERT INTO trainees VALUES (1, 'ann', '2026-11-01 10:00:00')")
    db.execute("INSERT INTO sessions VALUES (1, 1, 'loyal_customer', 'normal', 'practice', 'active', '{}', "
               "'2026-11-01 10:00:00', NULL)")
    for i, n in enumerate([0, 1, 1, 2]):
        db.execute("INSERT INTO turns (session_id, \"index\", text, moves, points, feedback, detail, customer_reply,"
                   " created_at) VALUES (1, ?, ?, '[]', 0, 'f', '{}', 'ok', '2026-11-01 10:01:00')", (n, f"t{i}"))
    db.commit()
    db.close()
    assert cli(["db", "upgrade", "--url", url]) == 0
    rows = sqlite3.connect(path).execute('SELECT "index", text FROM turns ORDER BY "index"').fetchall()
    assert rows == [(0, "t0"), (1, "t1"), (2, "t2"), (3, "t3")]


def test_the_sweep_closes_idle_sessions_with_their_report(tmp_path, personas) -> None:
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    trainer = Trainer(personas, store, detect)
    trainer.start("tab-closed", "price_increase_charlie")
    trainer.turn("tab-closed", "Sorry about the price change. What matters most to you?")
    trainer.start("never-typed", "loyal_customer")
    trainer.start("still-here", "loyal_customer")
    later = datetime.utcnow() + timedelta(minutes=31)
    trainer.turn("still-here", "Thanks for staying with us.")  # active a moment ago

    closed = {c.sender: c for c in sweep(store, personas, timedelta(minutes=30), now=later)}
    assert set(closed) == {"tab-closed", "never-typed", "still-here"}  # 31 minutes later, all idle
    assert closed["tab-closed"].report["outcome"]["ended_by"] == "abandoned"
    assert len(closed["tab-closed"].report["turns"]) == 1 and closed["never-typed"].report is None
    assert store.active_session("tab-closed") is None
    assert store.latest_report("tab-closed")["overall"] == closed["tab-closed"].report["overall"]
    assert store.session(closed["tab-closed"].session_id).status == "abandoned"
    assert sweep(store, personas, timedelta(minutes=30), now=later) == []  # once only


def test_the_sweep_leaves_sessions_with_recent_turns(tmp_path, personas) -> None:
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    trainer = Trainer(personas, store, detect)
    trainer.start("busy", "loyal_customer")
    trainer.turn("busy", "Thanks for staying with us.")
    assert sweep(store, personas, timedelta(minutes=30)) == []
    assert sweep(store, personas, timedelta(0), now=datetime.utcnow() + timedelta(seconds=1))[0].sender == "busy"


def test_abandon_after_reads_minutes_from_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("PARLEY_ABANDON_AFTER_MINUTES", raising=False)
    assert abandon_after() == timedelta(minutes=30)
    monkeypatch.setenv("PARLEY_ABANDON_AFTER_MINUTES", "2.5")
    assert abandon_after() == timedelta(minutes=2.5)
    monkeypatch.setenv("PARLEY_ABANDON_AFTER_MINUTES", "soon")
    with pytest.raises(ValueError, match="number of minutes"):
        abandon_after()


def test_parley_db_sweep(tmp_path, personas, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    trainer = Trainer(personas, Store(url), detect)
    trainer.start("gone", "price_increase_charlie")
    trainer.turn("gone", "I'm sorry about the price rise.")
    assert cli(["db", "sweep", "--url", url, "--idle-minutes", "0"]) == 0
    assert "abandoned after 1 turn(s), report" in capsys.readouterr().out
