"""Readiness checks (parley_rasa/health.py) without servers: a store Rasa silently replaced is caught."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain

from parley_rasa.health import _run_checks, rasa_checks


def agent(tracker_store=None, lock_store=None) -> SimpleNamespace:
    return SimpleNamespace(is_ready=lambda: True,
                           tracker_store=tracker_store or FailSafeTrackerStore(InMemoryTrackerStore(Domain.empty())),
                           lock_store=lock_store or InMemoryLockStore())


def run(checks: dict) -> tuple[bool, dict]:
    return asyncio.run(_run_checks(checks))


def test_single_machine_in_memory_stores_are_ready(tmp_path, monkeypatch) -> None:
    for name in ("PARLEY_TRACKER_DB_URL", "PARLEY_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PARLEY_DB_URL", f"sqlite:///{tmp_path / 'p.db'}")
    ok, results = run(rasa_checks(agent()))
    assert ok and results == {"model": "ok", "tracker_store": "ok", "lock_store": "ok", "parley_db": "ok"}


def test_an_in_memory_fallback_is_not_ready_when_a_shared_store_is_configured(tmp_path, monkeypatch) -> None:
    """Rasa answers /status while it keeps conversations in memory after a wrong tracker-store setting."""
    monkeypatch.setenv("PARLEY_TRACKER_DB_URL", "postgresql://parley@127.0.0.1:1/rasa")
    monkeypatch.setenv("PARLEY_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("PARLEY_DB_URL", f"sqlite:///{tmp_path / 'p.db'}")
    ok, results = run(rasa_checks(agent()))
    assert not ok
    assert "InMemoryTrackerStore" in results["tracker_store"] and "InMemoryLockStore" in results["lock_store"]
    assert results["parley_db"] == "ok"


@pytest.mark.parametrize("url", ["postgresql+psycopg2://nobody:x@127.0.0.1:1/parley"])
def test_an_unreachable_parley_database_is_not_ready(url, monkeypatch) -> None:
    monkeypatch.setenv("PARLEY_DB_URL", url)
    ok, results = run({"parley_db": rasa_checks(None)["parley_db"]})
    assert not ok and results["parley_db"].startswith("OperationalError")
