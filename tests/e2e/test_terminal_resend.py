"""The terminal chat sends each line with a message id (the contract's `metadata.message_id`): a line sent
again after the trainer did not answer in time is answered from the stored turn, not played twice."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import create_engine, func, select

from parley import chat
from parley.store import Trainee, TrainingSession, Turn
from tests.e2e.conftest import Stack


def _turns(db_url: str, sender: str) -> int:
    engine = create_engine(db_url)
    with engine.connect() as db:
        return db.execute(select(func.count()).select_from(Turn)
                          .join(TrainingSession, TrainingSession.id == Turn.session_id)
                          .join(Trainee, Trainee.id == TrainingSession.trainee_id)
                          .where(Trainee.external_id == sender)).scalar_one()


def _customer(replies: list) -> list:
    return [r["text"] for r in replies if "text" in r]


def test_a_resent_line_with_its_message_id_is_answered_once(stack: Stack) -> None:
    sender = f"terminal-{uuid.uuid4().hex[:10]}"
    chat.post(stack.rasa_url, sender, "/start_session" + json.dumps({"persona": "price_increase_charlie"}),
              message_id=uuid.uuid4().hex)
    line, key = "Hi Charlie, I hear the new price came as a shock. What worries you most?", uuid.uuid4().hex
    first = chat.post(stack.rasa_url, sender, line, message_id=key)
    again = chat.post(stack.rasa_url, sender, line, message_id=key)
    assert _customer(first) and _customer(again) == _customer(first)
    assert _turns(stack.db_url, sender) == 1
    chat.post(stack.rasa_url, sender, line, message_id=uuid.uuid4().hex)  # a new id: a new turn
    assert _turns(stack.db_url, sender) == 2
