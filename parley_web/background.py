"""The cockpit's background rounds, started after the server starts: xAPI statements for finished
sessions to the learning record store (when PARLEY_LRS_URL is set), and the retention prune of old
transcripts, scores kept (when PARLEY_RETENTION_DAYS is set)."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from sanic import Sanic

from parley.cockpit import retention, xapi
from parley_web.db import CockpitDB

logger = logging.getLogger("parley.cockpit")


def register_xapi(app: Sanic) -> None:
    lrs = xapi.Settings.from_env()
    if not lrs.url:
        return
    db: CockpitDB = app.ctx.db

    async def deliver_statements(app_: Sanic, loop: Any) -> None:
        from parley.personas import load_personas
        trusts = xapi.start_trusts(load_personas())
        every = float(os.environ.get("PARLEY_LRS_SECONDS", "30"))

        async def forever() -> None:
            while True:
                try:
                    await loop.run_in_executor(None, xapi.deliver_pending, db._sessions, lrs, trusts)
                except Exception:  # noqa: BLE001  # a bad round never stops the next one
                    logger.exception("xAPI delivery round failed")
                await asyncio.sleep(every)
        app_.ctx.xapi_task = loop.create_task(forever())

    app.register_listener(deliver_statements, "after_server_start")


def register_retention(app: Sanic) -> None:
    if not retention.retention_days():
        return
    db: CockpitDB = app.ctx.db

    def prune() -> int:
        with db.tx() as tx:
            return retention.prune(tx, retention.retention_days() or 0, db.floors())

    async def prune_old_transcripts(app_: Sanic, loop: Any) -> None:
        async def forever() -> None:
            while True:
                try:
                    pruned = await loop.run_in_executor(None, prune)
                    if pruned:
                        logger.info("retention: deleted the transcripts of %d old sessions", pruned)
                except Exception:  # noqa: BLE001
                    logger.exception("retention round failed")
                await asyncio.sleep(float(os.environ.get("PARLEY_RETENTION_CHECK_SECONDS", 6 * 3600)))
        app_.ctx.retention_task = loop.create_task(forever())

    app.register_listener(prune_old_transcripts, "after_server_start")


def register(app: Sanic) -> None:
    register_xapi(app)
    register_retention(app)
