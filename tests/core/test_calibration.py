"""Calibration across trainee styles: for every seed persona, five scripted trainees (YAML fixtures in
tests/core/calibration/) are played through the plain-Python session core, and the overall scores
must come out interest-based > mixed > each of caving, positional and interrogation."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest
import yaml

from parley.moves import Analysis, get_detector
from parley.session import replay

FIXTURES = Path(__file__).resolve().parent / "calibration"
PERSONAS = ("price_increase_charlie", "loyal_customer", "competitor_switcher")
STYLES = ("interest_based", "mixed", "caving", "positional", "interrogation")


@pytest.fixture(scope="session")
def detect():
    detector = get_detector()

    def run(text: str) -> Analysis:
        return detector.detect(text)

    return run


def play(personas, detect, persona_id: str, turns) -> dict:
    played = replay(personas, detect, persona_id, list(turns), sender="calibration")
    assert played.start.persona == persona_id and played.report is not None
    return played.report


@pytest.fixture(scope="session")
def reports(personas, detect) -> Dict[str, Dict[str, dict]]:
    results: Dict[str, Dict[str, dict]] = {}
    for persona_id in PERSONAS:
        script = yaml.safe_load((FIXTURES / f"{persona_id}.yml").read_text(encoding="utf-8"))
        assert script["persona"] == persona_id
        assert set(script["trainees"]) == set(STYLES), "every persona scripts the same five styles"
        results[persona_id] = {style: play(personas, detect, persona_id, script["trainees"][style])
                               for style in STYLES}
    return results


@pytest.mark.parametrize("persona_id", PERSONAS)
def test_interest_based_beats_mixed_beats_the_rest(reports, persona_id):
    overall = {style: r["overall"] for style, r in reports[persona_id].items()}
    assert overall["interest_based"] > overall["mixed"], overall
    for style in ("caving", "positional", "interrogation"):
        assert overall["mixed"] > overall[style], (style, overall)


@pytest.mark.parametrize("persona_id", PERSONAS)
def test_interest_based_trainee_reaches_a_deal_inside_the_limits(reports, persona_id):
    outcome = reports[persona_id]["interest_based"]["outcome"]
    assert outcome["deal"] and outcome["within_parameters"] and outcome["customer_retained"]


@pytest.mark.parametrize("persona_id", PERSONAS)
def test_each_weak_style_is_caught_where_it_went_wrong(reports, persona_id):
    by_style = reports[persona_id]
    caving = by_style["caving"]
    assert not caving["outcome"]["within_parameters"]
    assert caving["criteria"]["concession_discipline"] <= 20
    assert any("below the floor" in t["feedback"] for t in caving["turns"])
    positional = by_style["positional"]
    assert positional["criteria"]["collaborative_tone"] <= 40
    assert not positional["outcome"]["deal"]
    interrogation = by_style["interrogation"]
    assert interrogation["criteria"]["exploration"] < by_style["interest_based"]["criteria"]["exploration"]
    assert all("closed_question" in t["moves"] for t in interrogation["turns"][:5])
