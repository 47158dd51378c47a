"""The cockpit's database handle: Parley's store engine (migrated on open) and short transactions."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import Dict, Iterator

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from parley.cockpit import results
from parley.store import make_engine

logger = logging.getLogger("parley.cockpit")


class CockpitDB:
    def __init__(self, url: str | None = None, refresh_every: float = 2.0) -> None:
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self._floors: Dict[str, float] | None = None
        self.persona_names: Dict[str, str] = {}
        self._refreshed = 0.0
        self._last_report = 0  # the first refresh looks at every report, later ones at the newest
        self.refresh_every = refresh_every

    @contextmanager
    def tx(self) -> Iterator[Session]:
        with self._sessions() as db, db.begin():
            yield db

    def floors(self) -> Dict[str, float]:
        if self._floors is None:
            from parley.personas import load_personas
            try:
                personas = load_personas()
                self._floors = results.floors(personas)
                self.persona_names = {pid: f"{p.name} ({pid.replace('_', ' ')})" for pid, p in personas.items()}
            except Exception:  # noqa: BLE001  # a broken persona file must not take the cockpit down
                self._floors = {}
        return self._floors

    def personas(self) -> Dict[str, str]:
        """persona id -> "Name (id)" for the assignment form."""
        self.floors()
        return dict(sorted(self.persona_names.items(), key=lambda kv: kv[1]))

    def refresh(self, force: bool = False) -> None:
        """Copy newly finished sessions into the result tables (at most every few seconds)."""
        if force or time.monotonic() - self._refreshed > self.refresh_every:
            try:
                with self.tx() as db:
                    results.refresh(db, self.floors(), max(0, self._last_report - 500))  # recent reports only
                    self._last_report = results.last_report_id(db)
            except IntegrityError:  # another cockpit process copied the same reports first: nothing lost
                logger.info("results were refreshed by another process")
            self._refreshed = time.monotonic()
