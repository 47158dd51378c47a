"""Keeps a conversation's cost flat: Rasa's tracker is cut down to a fresh conversation session now and then.

Rasa loads, copies, serialises and sends to the action server a sender's whole tracker on every
message, so a turn's cost grew with the sender's history (a Slack user keeps one conversation for
ever).  Parley needs none of that history: a practice session lives in Parley's own store, the
policies look at the last few events, and the slots carry what the channels read.

So after a message is handled, a tracker of more than `MAX_EVENTS` events in its current Rasa session
gets what Rasa's own `action_session_start` writes -- `action_session_start`, `session_started`,
the slots carried over, `action_listen` -- under the conversation's lock.  Rasa's tracker stores
load only the latest session (`retrieve`): the in-memory and Redis stores drop the older events at the
next save, the SQL store keeps them on disk but no longer reads them.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet

logger = logging.getLogger(__name__)

# about ten turns; PARLEY_HISTORY_MAX_EVENTS=0 turns the cut off (bench/bench_soak.py measures "before" with it)
MAX_EVENTS = int(os.environ.get("PARLEY_HISTORY_MAX_EVENTS") or 60)


async def compact(agent: Any, sender_id: str, max_events: int = MAX_EVENTS) -> bool:
    """Starts a new Rasa conversation session for `sender_id` when its current one is long; True if it did."""
    store, locks = getattr(agent, "tracker_store", None), getattr(agent, "lock_store", None)
    if max_events <= 0 or store is None or locks is None or not sender_id:
        return False
    async with locks.lock(sender_id):
        tracker = await store.retrieve(sender_id)
        if tracker is None or len(tracker.events) <= max_events:
            return False
        carried = [SlotSet(name, slot.value) for name, slot in tracker.slots.items()
                   if slot.value != slot.initial_value]
        for event in (ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted(), *carried,
                      ActionExecuted(ACTION_LISTEN_NAME)):
            tracker.update(event)
        await store.save(tracker)
    logger.debug("started a new Rasa session for a long conversation (%d events)", len(tracker.events))
    return True
