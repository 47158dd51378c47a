"""The abandoned-session sweep: a session nobody has typed in for a while is closed, with its report.

A trainee who closes the browser tab, loses the socket.io connection when a Rasa server restarts
(each page load is its own conversation, so the old session is unreachable), or walks away from
Slack leaves a session `active` for ever. The sweep finds active sessions with no turn for
`PARLEY_ABANDON_AFTER_MINUTES` (default 30) and closes each one as `abandoned`: with the report its
turns give (as /end_session would, ended_by "abandoned"), or without one when it had no turns.

Safe with several servers running it at once: each session is closed under the trainee's row lock
(`Store.conversation`) and only if it is still active and still idle, so a turn arriving at the same
moment either lands first (and the session stays open) or finds the session closed.
Runs inside every action server (parley_rasa.health) and by hand: `parley sessions sweep`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Dict, List

from parley.engine import CustomerState
from parley.personas import Persona
from parley.report import build_report
from parley.scoring import TurnScore
from parley.store import Store

ABANDON_AFTER_ENV = "PARLEY_ABANDON_AFTER_MINUTES"
DEFAULT_ABANDON_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Abandoned:
    session_id: int
    sender: str
    turns: int
    report: dict | None  # None: the session had no turns (or its persona is gone), closed without one


def abandon_after() -> timedelta:
    """How long a session may sit idle before the sweep closes it (PARLEY_ABANDON_AFTER_MINUTES, minutes)."""
    raw = os.environ.get(ABANDON_AFTER_ENV, "").strip()
    try:
        minutes = float(raw) if raw else None
    except ValueError:
        raise ValueError(f"{ABANDON_AFTER_ENV} must be a number of minutes, got {raw!r}") from None
    if minutes is None:
        return DEFAULT_ABANDON_AFTER
    if minutes < 0:
        raise ValueError(f"{ABANDON_AFTER_ENV} must be zero or more minutes, got {raw!r}")
    return timedelta(minutes=minutes)


def sweep(store: Store, personas: Dict[str, Persona], idle: timedelta | None = None,
          now: datetime | None = None) -> List[Abandoned]:
    """Closes every session idle for longer than `idle`; returns what it closed."""
    cutoff = (now or datetime.utcnow()) - (abandon_after() if idle is None else idle)
    closed: List[Abandoned] = []
    for candidate in store.idle_sessions(cutoff):
        with store.conversation(candidate.sender):
            record = store.session(candidate.id)
            last = store.last_activity(candidate.id)
            if record is None or record.status != "active" or last is None or last >= cutoff:
                continue  # a turn came in meanwhile, or another server closed it
            closed.append(_close(store, personas.get(record.persona_id), record.id, record.sender, record.mode,
                                 record.state))
    return closed


def _close(store: Store, persona: Persona | None, session_id: int, sender: str, mode: str,
           state_data: dict) -> Abandoned:
    turns = store.turns(session_id)
    report = None
    if persona is not None and turns:
        state = CustomerState.from_dict(state_data)
        state = replace(state, outcome=state.outcome or "abandoned")
        report = build_report(persona, state, [TurnScore.from_dict(t) for t in turns], mode)
        state_data = state.to_dict()
    store.finish(session_id, state_data, report, status="abandoned")
    return Abandoned(session_id, sender, len(turns), report)
