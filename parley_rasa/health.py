"""Health and readiness for a load balancer, for both kinds of server, and the team-mode action server.

Action server (rasa_sdk's Sanic app): `action_blueprint()` adds
  GET /ready   200 {"ready": true, ...} when Parley's database answers, else 503 with the reason.
rasa_sdk's own `GET /health` stays the liveness check (the process answers). The blueprint also runs
the abandoned-session sweep (parley.sweep) every `PARLEY_SWEEP_INTERVAL_SECONDS` (default 60).

Rasa server: `ReadinessInput`, an input channel listed in credentials.yml, serves
  GET /webhooks/parley/ready   200 when the model is loaded and every configured store answers:
    - the tracker store really is the shared SQL one when `PARLEY_TRACKER_DB_URL` is set (a wrong
      tracker-store setting otherwise leaves Rasa on its in-memory fallback while /status says up),
      and `SELECT 1` on it works;
    - the lock store is Redis when `PARLEY_REDIS_URL` is set, and answers PING;
    - Parley's database (PARLEY_DB_URL) answers `SELECT 1`;
  else 503 with {"ready": false, "checks": {...}} saying which failed.
  GET /webhooks/parley/health is liveness (200 while the process serves requests).

`python -m parley_rasa.health --port 5055` starts an action server: rasa_sdk's app for the `actions`
package plus this blueprint. Team mode (scripts/run-team.sh) starts its action servers this way.
"""

from __future__ import annotations

import asyncio
import logging
import os
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

SWEEP_INTERVAL_ENV = "PARLEY_SWEEP_INTERVAL_SECONDS"


class NotReady(RuntimeError):
    """A readiness finding of Parley's own (a wrong store configured, no model): its words are safe to show."""


@lru_cache(maxsize=4)
def _parley_engine(url: str) -> Engine:
    """A small pool only for readiness pings (no migration run, no store opened)."""
    kwargs: Dict[str, Any] = {"pool_pre_ping": True, "pool_size": 1, "max_overflow": 1}
    if url.startswith("sqlite"):
        kwargs = {"connect_args": {"timeout": 5}}
    return create_engine(url, future=True, **kwargs)


def check_parley_db() -> None:
    """Raises when Parley's database cannot be reached."""
    from parley.store import database_url

    with _parley_engine(database_url()).connect() as conn:
        conn.execute(text("SELECT 1"))


async def _run_checks(checks: Dict[str, Callable[[], None]]) -> tuple[bool, Dict[str, str]]:
    results: Dict[str, str] = {}
    loop = asyncio.get_running_loop()
    for name, check in checks.items():
        try:
            await asyncio.wait_for(loop.run_in_executor(None, check), timeout=5)
            results[name] = "ok"
        except Exception as error:  # noqa: BLE001 - every failure is a reason to take this server out
            # Parley's own findings are said in full; a driver's error only by its kind (its message can
            # name hosts and users, and /ready answers without the secret): the log has the rest
            logger.warning("readiness check %s failed: %s", name, error)
            results[name] = str(error)[:300] if isinstance(error, NotReady) else type(error).__name__
    return all(v == "ok" for v in results.values()), results


def _answer(ok: bool, results: Dict[str, str]) -> HTTPResponse:
    return response.json({"ready": ok, "checks": results}, status=200 if ok else 503)


# -- action server -------------------------------------------------------------------------------

def action_blueprint(sweep: bool = True) -> Blueprint:
    """`/ready` for an action server, and the abandoned-session sweep as a background task."""
    bp = Blueprint("parley_action_health")

    @bp.get("/ready")
    async def ready(_request: Request) -> HTTPResponse:
        return _answer(*await _run_checks({"parley_db": check_parley_db}))

    if sweep:
        @bp.listener("after_server_start")
        async def start_sweeper(app: Sanic, _loop: Any) -> None:
            app.ctx.parley_sweeper = asyncio.get_running_loop().create_task(_sweep_forever())

        @bp.listener("before_server_stop")
        async def stop_sweeper(app: Sanic, _loop: Any) -> None:
            task = getattr(app.ctx, "parley_sweeper", None)
            if task is not None:
                task.cancel()

    return bp


def sweep_once() -> list:
    """One pass of the abandoned-session sweep with the action server's store and personas."""
    from actions.actions import trainer
    from parley.sweep import sweep

    current = trainer()
    closed = sweep(current.store, current.personas)
    for item in closed:
        logger.info("session %s of %s abandoned after %s turn(s)%s", item.session_id, item.sender, item.turns,
                    " with its report" if item.report else "")
    return closed


async def _sweep_forever() -> None:
    interval = float(os.environ.get(SWEEP_INTERVAL_ENV) or 60)
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(interval)
        try:
            await loop.run_in_executor(None, sweep_once)
        except Exception:  # noqa: BLE001 - the database may be down for a moment: try again next round
            logger.exception("abandoned-session sweep failed; retrying in %ss", interval)


# The action-server app itself is parley_rasa.action_server (rasa_sdk behind the shared secret), which
# registers `action_blueprint()`; `python -m parley_rasa.health` is kept as an alias of it.
def main(argv: list[str] | None = None) -> int:
    from parley_rasa.action_server import main as action_server_main

    return action_server_main(argv)


# -- Rasa server ---------------------------------------------------------------------------------

def _unwrap(store: Any) -> Any:
    """The real store inside Rasa's FailSafeTrackerStore / AwaitableTrackerStore wrappers."""
    for _ in range(4):
        inner = getattr(store, "_tracker_store", None)
        if inner is None:
            return store
        store = inner
    return store


def rasa_checks(agent: Any) -> Dict[str, Callable[[], None]]:
    from rasa.core.lock_store import RedisLockStore
    from rasa.core.tracker_store import SQLTrackerStore

    def model() -> None:
        if agent is None or not agent.is_ready():
            raise NotReady("no model loaded")

    def tracker_store() -> None:
        store = _unwrap(agent.tracker_store)
        if os.environ.get("PARLEY_TRACKER_DB_URL") and not isinstance(store, SQLTrackerStore):
            raise NotReady(f"PARLEY_TRACKER_DB_URL is set but Rasa uses {type(store).__name__}: check "
                               f"tracker_store in the endpoints file")
        if isinstance(store, SQLTrackerStore):
            with store.engine.connect() as conn:
                conn.execute(text("SELECT 1"))

    def lock_store() -> None:
        store = agent.lock_store
        if os.environ.get("PARLEY_REDIS_URL") and not isinstance(store, RedisLockStore):
            raise NotReady(f"PARLEY_REDIS_URL is set but Rasa uses {type(store).__name__}: check lock_store "
                               f"in the endpoints file")
        if isinstance(store, RedisLockStore):
            store.red.ping()

    checks: Dict[str, Callable[[], None]] = {"model": model}
    if agent is not None:
        checks.update(tracker_store=tracker_store, lock_store=lock_store)
    checks["parley_db"] = check_parley_db
    return checks


class ReadinessInput(InputChannel):
    """Not a chat channel: `/webhooks/parley/ready` and `/webhooks/parley/health` for a load balancer."""

    @classmethod
    def name(cls) -> str:
        return "parley"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("parley_rasa_health", __name__)

        @bp.get("/health")
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.get("/ready")
        async def ready(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            return _answer(*await _run_checks(rasa_checks(agent)))

        return bp


if __name__ == "__main__":
    raise SystemExit(main())
