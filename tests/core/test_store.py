"""Parley's tables over SQLAlchemy: sessions, turns and reports survive a new Store on the same file."""

from __future__ import annotations

import sqlalchemy as sa

from parley.store import Store


def score(index: int, text: str) -> dict:
    return {"index": index, "text": text, "moves": ["other"], "points": 0, "feedback": "f", "notes": []}


def test_a_session_round_trips_across_store_instances(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'parley.db'}"  # folders are created on first run
    store = Store(url)
    sid = store.start_session("ann", "loyal_customer", "easy", "practice", {"trust": 40})
    store.record_turn(sid, score(1, "hello"), "hi there", {"trust": 42})
    again = Store(url).active_session("ann")
    assert again.id == sid and again.difficulty == "easy" and again.state == {"trust": 42}
    assert [t["text"] for t in store.turns(again.id)] == ["hello"]


def test_starting_again_abandons_the_running_session_but_keeps_its_turns(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    old = store.start_session("ann", "loyal_customer", "normal", "practice", {})
    store.record_turn(old, score(1, "first"), "reply", {})
    new = store.start_session("ann", "price_increase_charlie", "normal", "practice", {})
    assert store.active_session("ann").id == new and store.count_sessions("ann") == 2
    assert store.session(old).status == "abandoned" and len(store.turns(old)) == 1


def test_finish_stores_the_report_and_closes_the_session(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    sid = store.start_session("bob", "loyal_customer", "normal", "practice", {})
    store.finish(sid, {"outcome": "ended"}, {"overall": 61, "criteria": {}})
    assert store.active_session("bob") is None and store.latest_report("bob")["overall"] == 61
    with store.engine.connect() as db:
        assert db.execute(sa.text("SELECT status FROM sessions")).scalar_one() == "finished"


def test_senders_are_isolated(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    store.start_session("a", "loyal_customer", "normal", "practice", {})
    assert store.active_session("b") is None and store.latest_report("b") is None


def test_database_url_comes_from_the_environment(monkeypatch, tmp_path) -> None:
    from parley.store import database_url

    monkeypatch.setenv("PARLEY_DB_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert database_url().endswith("x.db")
    monkeypatch.delenv("PARLEY_DB_URL")
    assert database_url().endswith("var/parley.db")
