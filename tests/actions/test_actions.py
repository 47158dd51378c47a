"""The rasa-sdk adapters: tracker in, core call, messages and events out."""

from __future__ import annotations

import json

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from parley.moves import detect


@pytest.fixture(autouse=True)
def isolated_store(tmp_path, monkeypatch):
    monkeypatch.setenv("PARLEY_DB_URL", f"sqlite:///{tmp_path / 'actions.db'}")
    actions.trainer.cache_clear()
    yield
    actions.trainer.cache_clear()


def tracker(text: str, intent: str, entities=(), analysis: bool = False, sender: str = "t1") -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": list(entities)}
    if analysis:
        message["parley_analysis"] = detect(text).to_dict()
    return Tracker.from_dict({"sender_id": sender, "slots": {}, "latest_message": message, "events": [],
                              "paused": False, "followup_action": None, "active_loop": {},
                              "latest_action_name": "action_listen"})


async def run(action, tr: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tr, {})
    return dispatcher.messages, events


async def test_start_session_sends_briefing_payload_and_sets_slots() -> None:
    entities = [{"entity": "persona", "value": "price_increase_charlie"}, {"entity": "mode", "value": "assessment"}]
    messages, events = await run(actions.ActionStartSession(), tracker('/start_session{"persona": "..."}',
                                                                        "start_session", entities))
    assert messages[0]["text"].startswith("BRIEFING") and messages[1]["custom"]["briefing"]["mode"] == "assessment"
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots == {"session_active": True, "persona": "price_increase_charlie"}


async def test_customer_turn_uses_the_analysis_from_nlu() -> None:
    start = [{"entity": "persona", "value": "loyal_customer"}]
    await run(actions.ActionStartSession(), tracker("/start_session", "start_session", start))
    messages, events = await run(actions.ActionCustomerTurn(),
                                 tracker("Thank you for eight years with us.", "appreciation", analysis=True))
    assert messages[0]["text"] and "appreciation" in messages[1]["custom"]["turn_feedback"]["moves"]
    assert {"event": "slot", "name": "session_active", "value": True, "timestamp": None} in events


async def test_a_question_s_record_travels_in_the_nlu_analysis_to_the_customer_s_answer() -> None:
    """The NLU analysis carries a typed record per question (parley/wording.py); the action server's persona
    reads the figure put to it from that record: "$24" is corrected to Charlie's $25 list price."""
    text = "Are you paying $24 now?"
    payload = tracker(text, "closed_question", analysis=True).latest_message["parley_analysis"]
    assert [(q["move"], q["figures"]) for q in payload["questions"]] == [("closed_question", [[24.0, True]])]
    await run(actions.ActionStartSession(), tracker("/start_session", "start_session",
                                                     [{"entity": "persona", "value": "price_increase_charlie"}]))
    messages, _ = await run(actions.ActionCustomerTurn(), tracker(text, "closed_question", analysis=True))
    assert "No, it's $25 a cartridge now." in messages[0]["text"]


async def test_end_session_sends_report_text_and_payload() -> None:
    await run(actions.ActionStartSession(), tracker("/start_session", "start_session",
                                                     [{"entity": "persona", "value": "competitor_switcher"}]))
    messages, _ = await run(actions.ActionEndSession(), tracker("/end_session", "end_session"))
    assert messages[0]["text"].startswith("SESSION REPORT")
    report = messages[1]["custom"]["report"]
    assert json.loads(json.dumps(report)) == report and {"overall", "criteria", "outcome"} <= set(report)


async def test_an_internal_error_becomes_an_apology_not_a_traceback(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(actions.Trainer, "turn", broken)
    messages, events = await run(actions.ActionCustomerTurn(), tracker("hello", "greeting"))
    assert "problem on our side" in messages[0]["text"] and events == []
