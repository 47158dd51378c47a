"""The end report: contract keys, outcome facts, an improvement plan that names the trainee's words."""

from __future__ import annotations

from dataclasses import replace

from parley.engine import start
from parley.report import build_report, render_text
from parley.scoring import Note, TurnScore


def test_report_for_a_walk_away_flags_the_costly_turn(charlie) -> None:
    state, _ = start(charlie, charlie.parameters(), "normal", 1)
    state = replace(state, outcome="walked_away", trust=5)
    turns = [TurnScore(1, "Take it or leave it.", ("pressure",), -4,
                       (Note("collaborative_tone", -4, "Take it or leave it.", "pressure cost trust.",
                             "set out the options instead."),), ("pressured", "walked_away"))]
    report = build_report(charlie, state, turns)
    assert report["outcome"] == {**report["outcome"], "deal": False, "price": None, "customer_retained": False,
                                 "ended_by": "walked_away", "within_parameters": True}
    assert report["criteria"]["collaborative_tone"] < 100 and report["overall"] < 40
    assert report["improvement_plan"][0].startswith("Instead of \u201cTake it or leave it.\u201d")
    assert report["turns"] == [{"text": "Take it or leave it.", "moves": ["pressure"], "points": -4,
                                "feedback": "\u201cTake it or leave it.\u201d: pressure cost trust. "
                                            "Better: set out the options instead."}]


def test_deal_outcome_lists_agreed_extras_and_checks_the_floor(charlie) -> None:
    state, _ = start(charlie, charlie.parameters(), "normal", 1)
    state = replace(state, outcome="deal", deal_price=21.0, trust=70, extras=("free_shipping",))
    turns = [TurnScore(1, "I can do $21 with free shipping.", ("concession", "value_add"), -3, (), (), 21.0)]
    outcome = build_report(charlie, state, turns)["outcome"]
    assert outcome["deal"] and outcome["price"] == 21.0
    assert outcome["terms"] == ["free shipping on monthly orders"]
    assert outcome["within_parameters"] is False  # $21 is below the $22 floor
    assert 0 <= outcome["satisfaction"] <= 100


def test_text_report_shows_bars_turns_missed_needs_and_plan(charlie) -> None:
    state, _ = start(charlie, charlie.parameters(), "normal", 1)
    report = build_report(charlie, replace(state, outcome="ended"), [])
    text = render_text(report)
    assert text.startswith("SESSION REPORT - overall")
    assert "Rapport & empathy" in text and "Improvement plan:" in text
    assert "Needs you did not uncover:" in text and charlie.interests[0].description in text


def test_a_strong_session_on_hard_is_not_told_to_try_hard(charlie) -> None:
    for difficulty, advice in (("normal", "on 'hard' difficulty"), ("hard", "try another persona")):
        state, _ = start(charlie, charlie.parameters(difficulty), difficulty, 1)
        state = replace(state, outcome="deal", deal_price=23.0, trust=95)
        plan = build_report(charlie, state, [])["improvement_plan"]
        assert len(plan) == 1 or advice not in " ".join(plan)
        if len(plan) == 1:
            assert advice in plan[0]
