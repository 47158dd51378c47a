"""Thin rasa-sdk adapters: tracker in, core call, events and messages out.

All the negotiation logic lives in the plain-Python `parley` package; these actions only translate.
"""

from __future__ import annotations

import logging
import threading
from abc import ABCMeta, abstractmethod
from functools import lru_cache
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from parley.moves import Analysis, detect
from parley.personas import PersonaWatcher
from parley.session import Reply, Trainer
from parley.store import Store
from parley.text import REFUSED_KEY, Refusal

logger = logging.getLogger(__name__)
ANALYSIS_KEY = "parley_analysis"  # set by parley_rasa.nlu.MoveClassifier


PERSONAS = PersonaWatcher()  # re-reads personas/*.yml when a file changes: edits are live without a restart


_TRAINER_LOCK = threading.Lock()  # the sweep thread and the first request may ask at the same moment


@lru_cache(maxsize=1)
def _cached_trainer() -> Trainer:
    return Trainer(PERSONAS.current(), Store(), detect)


def _trainer() -> Trainer:
    with _TRAINER_LOCK:
        return _cached_trainer()


_trainer.cache_clear = _cached_trainer.cache_clear  # type: ignore[attr-defined]


def trainer() -> Trainer:
    """One per action-server process (the database is opened once), with the current persona files."""
    current = _trainer()
    current.personas = PERSONAS.current()
    return current


trainer.cache_clear = _trainer.cache_clear  # type: ignore[attr-defined]  # tests start from a fresh store


def _entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


def _metadata(tracker: Tracker) -> Dict[str, Any]:
    """The channel's metadata of the message being answered (set by parley_rasa's channels)."""
    user = next((e for e in reversed(tracker.events) if e.get("event") == "user"), None)
    metadata = (user or {}).get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def _send(dispatcher: CollectingDispatcher, reply: Reply) -> List[EventType]:
    for message in reply.messages:
        if "text" in message:
            dispatcher.utter_message(text=message["text"])
        else:
            dispatcher.utter_message(json_message=message["custom"])
    return [SlotSet("session_active", reply.active)]


def _message_key(tracker: Tracker) -> str | None:
    """The channel's id for this message (REST `metadata.message_id`), to know a resend from a new turn."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    key = metadata.get("message_id") if isinstance(metadata, dict) else None
    return str(key) if isinstance(key, (str, int)) and str(key).strip() else None


def replayed(stored: dict) -> Reply:
    """The reply a stored turn got, for the same message sent again (a reply lost when a server died)."""
    detail = stored["detail"]
    reply = Reply(active=stored["status"] == "active").say(stored["customer_reply"])
    reply.attach({"turn_feedback": {"moves": detail.get("moves", []), "points": detail.get("points", 0),
                                    "tip": detail.get("tip"), "feedback": detail.get("feedback", ""),
                                    "spans": detail.get("spans", {})}, "resent": True})
    if stored["status"] != "active":
        reply.say("(This message was already answered; the session has ended since. Send /end_session "
                  "or start a new session.)")
    return reply


class ParleyAction(Action, metaclass=ABCMeta):
    """Runs `handle`; an unexpected error becomes a plain apology in the chat, never a traceback."""

    plays_turn = False  # a trainee turn said to the customer (a resend of it is answered from the store)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        try:
            # one request per trainee at a time, across every action server; the turn is committed here
            message_key = _message_key(tracker)
            with trainer().store.conversation(tracker.sender_id, message_key):
                stored = trainer().store.replied_turn(tracker.sender_id, message_key) if self.plays_turn else None
                if stored is not None:  # sent again after its reply was lost: answer it, do not play it twice
                    return _send(dispatcher, replayed(stored))
                return self.handle(dispatcher, tracker)
        except Exception:  # the trainee must get an answer whatever broke; the log keeps the details
            logger.exception("%s failed for sender %s", self.name(), tracker.sender_id)
            dispatcher.utter_message(text="Sorry, the trainer hit a problem on our side and could not process "
                                          "that message. Please send it again.")
            return []

    @abstractmethod
    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        """The action's work; abstract, so rasa-sdk does not register this base class as an action."""


class ActionStartSession(ParleyAction):
    def name(self) -> str:
        return "action_start_session"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        reply = trainer().start(tracker.sender_id, _entity(tracker, "persona"), _entity(tracker, "difficulty"),
                                _entity(tracker, "mode"), _entity(tracker, "rubric"))
        events = _send(dispatcher, reply)
        if reply.persona:
            events.append(SlotSet("persona", reply.persona))
        return events


class ActionCustomerTurn(ParleyAction):
    plays_turn = True

    def name(self) -> str:
        return "action_customer_turn"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        message = tracker.latest_message or {}
        refusal = Refusal.from_dict(_metadata(tracker).get(REFUSED_KEY))
        if refusal is not None:  # over the size limit: the channel handed over an empty text and this
            return _send(dispatcher, trainer().refuse(tracker.sender_id, refusal))
        analysis = Analysis.from_dict(message[ANALYSIS_KEY]) if message.get(ANALYSIS_KEY) else None
        return _send(dispatcher, trainer().turn(tracker.sender_id, message.get("text"), analysis))


class ActionEndSession(ParleyAction):
    def name(self) -> str:
        return "action_end_session"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        return _send(dispatcher, trainer().end(tracker.sender_id))


class ActionRetryFromTurn(ParleyAction):
    """`/retry_from_turn{"turn": 3}`: replay the latest session up to turn 3 and let the trainee say it again."""

    def name(self) -> str:
        return "action_retry_from_turn"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        reply = trainer().retry_from_turn(tracker.sender_id, _entity(tracker, "turn"))
        events = _send(dispatcher, reply)
        if reply.persona:
            events.append(SlotSet("persona", reply.persona))
        return events
