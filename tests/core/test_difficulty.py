"""Difficulty bites: easy / normal / hard change trust, patience, budget and what the customer needs.

The scripted trainee here is given as analysed moves (what the detector would find), so these tests
pin the persona engine and the difficulty parameters, not the wording of the move detector; the
same scripts in words are conversation tests in personas/tests/.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Dict, List, Tuple

import pytest

from parley import engine
from parley.events import EventKind, has
from parley.moves import Analysis, detect
from parley.personas import DIFFICULTIES, Persona
from parley.session import Trainer
from parley.store import Store
from tests.core.conftest import turn

RANK = {"walked_away": 0, "ended": 1, "deal": 2}


def middling_rep(persona: Persona) -> List[Analysis]:
    """Polite, gives a reason, offers a price without asking anything, then digs in."""
    easy, normal = persona.parameters("easy").reservation_price, persona.parameters("normal").reservation_price
    offer = math.ceil((easy + normal) / 2 * 2) / 2  # between what normal and easy customers will pay
    money = f"${offer:g}"
    return [
        turn(f"Hi {persona.name}, thanks for getting in touch.", "greeting"),
        turn("Our costs went up this year, so the price had to go up.", "rationale"),
        turn(f"I can do {money} per unit.", "concession"),
        turn("That is our standard price now, I can't change it.", "hold_position"),
        turn(f"Is {money} OK for you?", "closed_question", "concession"),
        turn("Sorry, I really can't go any lower than that.", "hold_position"),
        turn("It's the same price everyone pays.", "hold_position"),
    ]


def play(persona: Persona, difficulty: str, script: List[Analysis]) -> dict:
    trainer = Trainer({persona.id: persona}, Store("sqlite:///:memory:"), detect)
    reply = trainer.start("rep", persona.id, difficulty)
    for analysis in script:
        if reply.ended:
            break
        reply = trainer.turn("rep", analysis.text, analysis)
    if not reply.ended:
        reply = trainer.end("rep")
    return reply.payload("report")["outcome"]


def test_the_same_middling_rep_closes_on_easy_haggles_on_normal_and_loses_charlie_on_hard(charlie: Persona) -> None:
    outcomes = {level: play(charlie, level, middling_rep(charlie)) for level in DIFFICULTIES}
    assert outcomes["easy"]["ended_by"] == "deal" and outcomes["easy"]["price"] == 24
    assert outcomes["normal"]["ended_by"] == "ended" and not outcomes["normal"]["deal"]
    assert outcomes["normal"]["trust"] > 0  # still talking, just not agreeing
    assert outcomes["hard"]["ended_by"] == "walked_away"
    sat = [outcomes[level]["satisfaction"] for level in DIFFICULTIES]
    assert sat[0] > sat[1] > sat[2]


@pytest.mark.parametrize("persona_id", ["price_increase_charlie", "loyal_customer", "competitor_switcher",
                                        "procurement_manager"])
def test_every_persona_is_harder_to_win_level_by_level(personas: Dict[str, Persona], persona_id: str) -> None:
    persona = personas[persona_id]
    outcomes = {level: play(persona, level, middling_rep(persona)) for level in DIFFICULTIES}
    ranks = [RANK[outcomes[level]["ended_by"]] for level in DIFFICULTIES]
    assert ranks[0] >= ranks[1] >= ranks[2] and ranks[0] > ranks[2], outcomes
    trust = [outcomes[level]["trust"] for level in DIFFICULTIES]
    assert trust[0] >= trust[1] >= trust[2], outcomes


def test_parameters_move_the_right_way_for_every_persona(personas: Dict[str, Persona]) -> None:
    for persona in personas.values():
        e, n, h = (persona.parameters(level) for level in DIFFICULTIES)
        assert e.trust > n.trust > h.trust, persona.id
        assert e.patience > n.patience > h.patience, persona.id
        assert e.reservation_price >= n.reservation_price >= h.reservation_price, persona.id
        assert e.reservation_price > h.reservation_price, persona.id
        needs = lambda p: (p.accept_trust, p.empathy_needed, p.explore_needed)  # noqa: E731
        assert all(a <= b <= c for a, b, c in zip(needs(e), needs(n), needs(h))), persona.id
        assert needs(h) != needs(n) and needs(e) != needs(n), persona.id
        # the budget never leaves the company's range
        assert persona.company.floor_price <= h.reservation_price and e.reservation_price <= persona.briefing.list_price


def _seed_000(charlie: Persona, params, state=None) -> Tuple[engine.CustomerState, engine.Reaction]:
    state = state or engine.start(charlie, params, "normal", 3)[0]
    warm = engine.react(charlie, params, state, turn("Thank you for five years, and I'm sorry you're upset.",
                                                     "appreciation", "empathy"))
    offer = engine.react(charlie, params, warm.state, turn("We can offer $23/unit; that saves you $3,600 a year.",
                                                           "concession", "rationale"))
    return warm.state, offer


def test_exploration_needed_is_what_stops_an_unexplored_deal(charlie: Persona) -> None:
    params = charlie.parameters("normal")
    warm, offer = _seed_000(charlie, params)
    assert offer.state.outcome == "deal" and len(warm.revealed) == 1  # seed 000: one need came out
    _, offer = _seed_000(charlie, replace(params, explore_needed=2))
    assert offer.state.outcome is None and has(offer.events, EventKind.rejected_low_trust)


def test_empathy_needed_is_what_stops_a_deal_without_rapport(charlie: Persona) -> None:
    _, offer = _seed_000(charlie, replace(charlie.parameters("normal"), empathy_needed=3))
    assert offer.state.outcome is None and has(offer.events, EventKind.rejected_low_trust)


def test_hard_starts_colder_and_reveals_less_for_the_same_warm_opening(charlie: Persona) -> None:
    revealed = {}
    for level in DIFFICULTIES:
        params = charlie.parameters(level)
        state = engine.start(charlie, params, level, 3)[0]
        warm = engine.react(charlie, params, state, turn("Thank you for five years, and I'm sorry you're upset.",
                                                         "appreciation", "empathy"))
        revealed[level] = warm.state.revealed
    # easy and normal Charlie open up to thanks and empathy; hard Charlie needs more than that first
    assert "stay_with_compromise" in revealed["easy"] and "stay_with_compromise" in revealed["normal"]
    assert "stay_with_compromise" not in revealed["hard"]


# -- issue 19: difficulty as a slope ------------------------------------------------------------------
def test_every_limit_stays_at_or_above_the_customers_own_alternative(personas: Dict[str, Persona]) -> None:
    for persona in personas.values():
        assert persona.hidden.batna_price is not None, persona.id
        for level in DIFFICULTIES:
            params = persona.parameters(level)
            assert params.reservation_price >= persona.hidden.batna_price, (persona.id, level)
            assert persona.company.floor_price <= params.reservation_price <= persona.briefing.list_price
    charlie = personas["price_increase_charlie"]
    assert charlie.parameters("hard").reservation_price == 22.5  # his local quote, not the $22 floor


def test_a_limit_below_the_alternative_is_refused_by_the_schema(charlie: Persona) -> None:
    data = charlie.dict()
    data["difficulty"]["hard"] = {**(data["difficulty"].get("hard") or {}), "reservation_price": 22.0}
    with pytest.raises(ValueError, match="below hidden.batna_price"):
        Persona.parse_obj(data)


@pytest.mark.parametrize("persona_id", ["price_increase_charlie", "loyal_customer", "competitor_switcher",
                                        "procurement_manager"])
@pytest.mark.parametrize("level", DIFFICULTIES)
def test_one_rude_line_is_recoverable_at_every_level(personas: Dict[str, Persona], persona_id: str,
                                                     level: str) -> None:
    persona = personas[persona_id]
    params = persona.parameters(level)
    state, _ = engine.start(persona, params, level, seed=4)
    rude = engine.react(persona, params, state, turn("Take it or leave it.", "pressure"))
    assert rude.state.outcome is None, (persona_id, level, rude.state.trust, rude.state.patience)
    sorry = engine.react(persona, params, rude.state, turn(
        "I'm sorry, that came out wrong. What would make this work for you?", "empathy", "open_question"))
    assert sorry.state.outcome is None and sorry.state.trust > rude.state.trust


def test_hard_is_tougher_on_every_parameter_than_normal(personas: Dict[str, Persona]) -> None:
    for persona in personas.values():
        n, h = persona.parameters("normal"), persona.parameters("hard")
        assert h.trust < n.trust and h.patience < n.patience and h.reservation_price < n.reservation_price
        assert (h.accept_trust, h.empathy_needed, h.explore_needed) >= (n.accept_trust, n.empathy_needed,
                                                                         n.explore_needed), persona.id
