"""Slack words for retry-from-turn and the report's not-shown criteria (issue 19)."""

from __future__ import annotations

from parley_rasa.slack import report_message, translate


def test_retry_words_become_the_session_contract_command() -> None:
    for said in ("retry 3", "Retry from turn 3", "retry turn 3", "/retry 3"):
        assert translate(said, []).text == '/retry_from_turn{"turn": 3}', said
    assert translate("retry the offer please", []).text == "retry the offer please"  # a turn, not a command


def test_the_report_shows_not_shown_criteria_not_assessed_and_the_retry_commands() -> None:
    report = {"overall": None, "not_assessed": "too short to assess: 1 message", "criteria": {
        "rapport": 40, "concession_discipline": None}, "not_shown": {"concession_discipline": "no offer made"},
        "criteria_names": {"rapport": "Rapport & empathy", "concession_discipline": "Concession discipline"},
        "outcome": {"deal": False, "ended_by": "ended"}, "turns": [], "improvement_plan": ["Ask first."],
        "moments": [{"turn": 2, "retry": '/retry_from_turn{"turn": 2}'}]}
    text, blocks = report_message(report)
    rendered = str(blocks)
    assert text.startswith("Session report: not assessed")
    assert "not shown" in rendered and "no offer made" in rendered and "Too short to assess" in rendered
    assert "`retry 2`" in rendered
