"""Typed events: what the customer's reaction reports, stored readably, and rows written before they were typed."""

from __future__ import annotations

import json

from parley.engine import start
from parley.events import Event, EventKind, detail, details, has, load
from parley.report import build_report
from parley.scoring import TurnScore, criteria
from parley.store import Store

# a turn as the code before typed events stored it in the `detail` JSON column (issue 16)
OLD_ROW = {"index": 2, "text": "I can keep $25 but add free shipping, and $24 if you sign for a year.",
           "moves": ["conditional_trade", "value_add"], "points": 3, "feedback": "", "tip": "",
           "events": ["extras:free_shipping,price_lock", "satisfied:cash_flow", "revealed:loyalty_recognised",
                      "offer:24", "went_back:23.5", "below_best:24.5", "need_unmet", "need_unmet:budget_cut",
                      "rejected_low_trust", "not_ready:rapport", "not_ready:heard", "accepted"],
           "offer": 24.0, "spans": {}, "notes": []}


def test_an_event_has_a_kind_and_a_typed_detail() -> None:
    went_back = Event.of("went_back", "24")
    assert went_back == Event(EventKind.went_back, 24.0) and str(went_back) == "went_back:24"
    assert Event.of(EventKind.extras, ["a", "b"]).detail == ("a", "b")
    assert Event.of("revealed", "cash_flow").detail == "cash_flow" and Event.of("accepted").detail is None


def test_the_json_form_is_readable_and_round_trips() -> None:
    events = (Event(EventKind.accepted), Event(EventKind.went_back, 24.0), Event(EventKind.extras, ("a", "b")))
    stored = json.loads(json.dumps([e.to_json() for e in events]))
    assert stored == [{"kind": "accepted"}, {"kind": "went_back", "detail": 24.0},
                      {"kind": "extras", "detail": ["a", "b"]}]
    assert load(stored) == events


def test_rows_written_before_events_were_typed_still_read() -> None:
    score = TurnScore.from_dict(OLD_ROW)
    assert detail(score.events, EventKind.extras) == ("free_shipping", "price_lock")
    assert details(score.events, EventKind.satisfied) == ["cash_flow"]
    assert detail(score.events, EventKind.went_back) == 23.5 and detail(score.events, EventKind.offer) == 24.0
    assert details(score.events, EventKind.not_ready) == ["rapport", "heard"]
    assert details(score.events, EventKind.need_unmet) == [None, "budget_cut"]
    assert has(score.events, EventKind.accepted) and score.put_options
    # written again, the turn is in the new form, and reads back the same
    again = TurnScore.from_dict(json.loads(json.dumps(score.to_dict())))
    assert again.events == score.events and again.to_dict()["events"][0] == {
        "kind": "extras", "detail": ["free_shipping", "price_lock"]}


def test_an_old_row_in_the_database_still_makes_a_report(personas) -> None:
    charlie = personas["price_increase_charlie"]
    store = Store("sqlite:///:memory:")
    state, _ = start(charlie, charlie.parameters(), "normal", 1)
    session = store.start_session("old-trainee", charlie.id, "normal", "practice", state.to_dict())
    store.record_turn(session, OLD_ROW, "OK, $24 it is.", state.to_dict())
    turns = [TurnScore.from_dict(t) for t in store.turns(session)]
    assert turns[0].events == load(OLD_ROW["events"])
    report = build_report(charlie, state, turns)
    assert report["criteria"] == criteria(charlie, turns, state) and report["criteria"]["value_creation"] is not None
