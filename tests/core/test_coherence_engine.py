"""Issue 16, engine side: the customer answers the turn in front of it (tests/core/fixtures/coherence_engine.yml).

Each case is played through the plain-Python session core with the real detector, and its last turn is
checked against what a trainee would expect: a jab gets a reaction to pressure, a fact the briefing gives is
answered from it, a price at or above the list price concedes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from parley.engine import CustomerState
from parley.events import load
from parley.personas import Persona
from parley.replies import text as line_text
from parley.scoring import TurnScore
from parley.session import Trainer
from parley.store import Store

CASES: List[dict] = yaml.safe_load((Path(__file__).parent / "fixtures" / "coherence_engine.yml").read_text())


def pool(persona: Persona, name: str) -> List[str]:
    kind, key = name.split(".", 1)
    if kind == "reactions":
        moods = persona.reactions[key]
        return [line_text(line) for mood in ("hostile", "guarded", "open") for line in moods[mood]]
    return [line_text(line) for line in getattr(persona.lines, key)]


def test_the_cases_are_the_ones_the_issue_lists() -> None:
    assert [c["case"] for c in CASES] == [1, 3, 4, 5, 6]


@pytest.mark.parametrize("case", CASES, ids=[f"case{c['case']}" for c in CASES])
def test_the_customer_answers_the_turn_in_front_of_it(case: dict, personas: Dict[str, Persona], detector) -> None:
    persona, then = personas[case["persona"]], case["then"]
    store = Store("sqlite:///:memory:")
    trainer = Trainer(personas, store, detector.detect)
    trainer.start("coherence", persona.id, None, "practice")
    record = store.active_session("coherence")
    for text in case["turns"]:
        before = CustomerState.from_dict(store.active_session("coherence").state)
        reply = trainer.turn("coherence", text)
    said = reply.texts[0]
    after = CustomerState.from_dict(store.active_session("coherence").state)
    last = TurnScore.from_dict(store.turns(record.id)[-1])
    if "read_as" in then:
        assert list(last.moves) == then["read_as"], (last.moves, said)
    if "reply_from" in then:
        assert said in pool(persona, then["reply_from"]), said
    for words in then.get("reply_mentions", []):
        assert words.lower() in said.lower(), said
    for words in then.get("reply_not", []):
        assert words.lower() not in said.lower(), said
    kinds = {e.kind.value for e in load(last.events)}
    assert not kinds & set(then.get("no_event", [])), (kinds, said)
    if then.get("trust_drops"):
        assert after.trust < before.trust, (before.trust, after.trust)
    assert not set(then.get("not_satisfied", [])) & set(after.satisfied)
    noted = {n.criterion for n in last.notes}
    assert not noted & set(then.get("no_note_on", [])), [str(n) for n in last.notes]
    credited = {n.criterion for n in last.notes if n.points > 0}
    assert not credited & set(then.get("no_credit_on", [])), [str(n) for n in last.notes]
