"""Slack trainees are people in the cockpit: a Slack user's sessions are stored under their display
name from users.info (the local fake of Slack's Web API answers it), over the real Rasa server."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from parley.accounts_store import Identity, Person
from parley.store import Trainee, TrainingSession, make_engine
from tests.e2e.conftest import Stack
from tests.e2e.test_slack import say


@pytest.mark.e2e
def test_a_slack_user_practises_under_their_display_name(stack: Stack) -> None:
    say(stack, "UCOCKPIT1", "DCOCKPIT1", "practice charlie", expect=2)
    assert any(c["method"] == "users.info" and c["body"].get("user") == "UCOCKPIT1" for c in stack.slack.calls)
    db = sessionmaker(make_engine(stack.db_url), future=True)
    deadline = time.monotonic() + 30
    while True:
        with db() as s:
            rows = s.execute(select(Person.name, Person.slack_user_id, Trainee.external_id, TrainingSession.persona_id)
                             .join(Identity, Identity.person_id == Person.id)
                             .join(Trainee, Trainee.id == Identity.trainee_id)
                             .join(TrainingSession, TrainingSession.trainee_id == Trainee.id)
                             .where(Person.slack_user_id == "UCOCKPIT1")).all()
        if rows or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert [(r.name, r.persona_id) for r in rows] == [("Slack UCOCKPIT1", "price_increase_charlie")]
    assert rows[0].external_id.endswith("UCOCKPIT1")
    # users.info is asked once per user, not on every message
    say(stack, "UCOCKPIT1", "DCOCKPIT1", "Sorry about the surprise, Charlie.", expect=1)
    assert sum(c["method"] == "users.info" and c["body"].get("user") == "UCOCKPIT1" for c in stack.slack.calls) == 1
