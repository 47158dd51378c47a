"""A persona's domain words (`phrases:`): the issue's gym-membership cases, read as the trainer meant them.

The persona is tests/fixtures/personas/gym_member.yml: £52 a month, a pause and a fee waiver to trade.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict

import pytest

from parley import persona_phrases
from parley.moves import Analysis, detect
from parley.persona_tests import load_cases, run_case
from parley.personas import Persona, PersonaError, load_personas, parse_persona
from parley.scaffold import render
from parley.session import Trainer
from parley.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "personas"


@pytest.fixture(scope="module")
def gym() -> Persona:
    return load_personas(FIXTURES)["gym_member"]


@pytest.fixture(scope="module")
def play(gym: Persona) -> Callable[[str], dict]:
    """One trainee turn in a fresh session with the gym member: the coach's feedback payload."""
    def run(text: str) -> dict:
        trainer = Trainer({gym.id: gym}, Store("sqlite:///:memory:"), detect)
        trainer.start("trainee", gym.id, "normal", "practice")
        reply = trainer.turn("trainee", text)
        return {**reply.payload("turn_feedback"), "reply": reply.texts[0]}
    return run


def test_pause_the_tradable_is_an_extra_not_other(gym: Persona, play: Callable[[str], dict]) -> None:
    text = "We can pause your membership when you travel, at £52 a month"
    # the general detector read this as `other` when the issue was filed; since it learned from more
    # examples it may read it as value_add on its own: the persona's phrase makes sure either way
    feedback = play(text)
    assert feedback["moves"] == ["value_add"] and feedback["points"] > 0
    assert text in feedback["spans"]["value_add"]  # the persona's phrase quotes the whole offer


def test_everyone_pays_holds_the_price(play: Callable[[str], dict]) -> None:
    feedback = play("Everyone pays £52 now.")
    assert feedback["moves"] == ["hold_position"] and feedback["points"] < 0


def test_you_have_to_pay_is_pressure_not_a_fair_trade(play: Callable[[str], dict]) -> None:
    text = "You signed a 12-month contract. You have to pay the invoice, legally."
    assert "conditional_trade" in detect(text).moves  # the general reading: a fair trade, +3
    feedback = play(text)
    assert feedback["moves"] == ["pressure"] and feedback["points"] < 0


def test_waiving_the_fee_is_an_extra_not_a_concession_with_no_figure(play: Callable[[str], dict]) -> None:
    text = "I can waive the reduction fee."
    feedback = play(text)
    assert feedback["moves"] == ["value_add"]
    assert "no figure" not in " ".join(feedback["feedback"]) and feedback["points"] > 0


def test_phrases_match_any_form_and_case_of_the_words(gym: Persona) -> None:
    analysis = persona_phrases.apply(gym, detect("PAUSING the membership is fine by us."))
    assert "value_add" in analysis.moves
    [detection] = [d for d in analysis.detections if d.source == "persona"]
    assert detection.trigger == "PAUSING the membership"


def test_phrases_are_whole_words_in_order(gym: Persona) -> None:
    for text in ("Everyone who pays on time gets a discount?", "the legality of it"):
        analysis = detect(text)
        assert persona_phrases.apply(gym, analysis) is analysis  # no phrase there: the reading is untouched


def test_other_personas_are_untouched(personas: Dict[str, Persona]) -> None:
    text = "You have to pay the invoice. Everyone pays."
    analysis = detect(text)
    for persona in personas.values():
        if not persona.phrases.items():
            assert persona_phrases.apply(persona, analysis) is analysis


def test_a_phrase_under_other_cancels_the_move_read_on_its_words() -> None:
    text = render("cafe_owner").replace("phrases:\n", "phrases:\n  other: [\"how are you\"]\n", 1)
    persona = parse_persona(text, "cafe_owner.yml")
    analysis = Analysis("How are you today?", ("greeting", "closed_question"), ())
    assert persona_phrases.apply(persona, analysis).moves == ("greeting", "closed_question")  # no spans: kept
    read = detect("How are you doing?")
    assert persona_phrases.apply(persona, read).moves == ("other",) or \
        set(persona_phrases.apply(persona, read).moves) < set(read.moves)


def test_a_phrase_for_a_move_that_does_not_exist_is_a_file_line_error() -> None:
    text = render("cafe_owner").replace("  pressure: [", "  presure: [", 1)
    with pytest.raises(PersonaError) as caught:
        parse_persona(text, "cafe_owner.yml")
    [problem] = caught.value.problems
    assert problem.field == "phrases.presure" and "did you mean 'pressure'" in problem.message
    assert text.splitlines()[problem.line - 1].startswith("  presure:")


def test_the_conflict_table_names_only_moves() -> None:
    table = persona_phrases.conflicts()
    assert "conditional_trade" in table.turn["pressure"] and all("other" in m for m in table.sentence.values())


def test_the_shipped_personas_and_the_scaffold_declare_phrases(personas: Dict[str, Persona]) -> None:
    assert all(p.phrases.items() for p in personas.values())
    scaffolded = parse_persona(render("cafe_owner"), "cafe_owner.yml")
    assert dict(scaffolded.phrases.items())["hold_position"][0] == "everyone pays"


def test_the_gym_members_conversation_tests_pass(gym: Persona) -> None:
    cases = load_cases(FIXTURES / "tests" / "gym_member.yml", {gym.id: gym})
    assert cases
    for case in cases:
        result = run_case(case, {gym.id: gym}, detect)
        assert result.passed, "\n".join(result.failures + result.transcript)


def test_a_longer_phrase_takes_its_words_before_a_shorter_one_inside_it() -> None:
    text = render("cafe_owner").replace("phrases:\n", "phrases:\n  other: [\"pay\"]\n", 1)
    persona = parse_persona(text, "cafe_owner.yml")
    phrases = persona_phrases.compile_phrases(persona_phrases.persona_table(persona))
    matches = persona_phrases.find(phrases, "Well, you have to pay. Pay now.")
    assert [(m.phrase.move, m.phrase.text) for m in matches] == [("pressure", "you have to pay"), ("other", "pay")]
