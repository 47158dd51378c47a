"""What the customer hears in the rep's words (parley/listening.py): claims a summary makes, figures said,
feelings questions, non-apologies and thinking noises."""

from __future__ import annotations

from dataclasses import replace

from parley.listening import (
    check_summary,
    claims,
    feelings_moves,
    known_figures,
    money_said,
    non_apology,
    thinking_noise,
)
from parley.moves import Analysis, Detection
from parley.taxonomy import Claim
from tests.core.conftest import turn as bare


def turn(text: str, *moves: str) -> Analysis:
    """An analysed turn whose every move quotes the whole text, as a detector would."""
    t = bare(text, *moves)
    return Analysis(t.text, t.moves, tuple(Detection(m, 0, len(text), text, text, "pattern", 1.0) for m in moves),
                    t.amounts)


def test_claims_read_a_decision_to_leave_but_not_a_negated_or_hedged_one() -> None:
    assert claims("so you've pretty much decided to move to the other tool anyway") == {Claim.leaving}
    assert claims("so ur switching to relaydesk then") == {Claim.leaving}
    assert claims("So you're going to take your business elsewhere?") == {Claim.leaving}
    assert claims("you don't want to move to another tool") == frozenset()
    assert claims("you'd rather stay than switch") == frozenset()  # a preference, no decision
    assert claims("so you're staying with us whatever happens") == {Claim.staying}
    assert claims("so you're thinking of switching?") == frozenset()
    assert claims("so you'll go with RelayDesk unless we close the gap?") == frozenset()
    assert claims("so you'd go with RelayDesk?") == frozenset()
    assert claims("so you'd stay or switch depending on price") == frozenset()  # both: no claim either way
    assert claims("so it's really just about the price for you?") == {Claim.price_only}


def test_money_said_and_known_figures(personas) -> None:
    assert money_said("We paid $42 for three years; now it's $1,250.50 a year.") == (42.0, 1250.5)
    assert money_said("Six dollars more a seat.") == ()
    dana = personas["loyal_customer"]
    assert {48.0, 42.0, 6.0} <= known_figures(dana, ())  # list, previous, the rise between them
    assert 46.0 in known_figures(dana, (46.0,)) and 44.0 in known_figures(dana, (), offers=(44.0,))
    assert 41.0 not in known_figures(dana, (48.0, 42.0))  # her rival quote: never said


def test_check_summary_in_words_about_the_customer(personas) -> None:
    dana = personas["loyal_customer"]
    wrong = check_summary(dana, turn("So you want $41, like the other tool quoted you?", "summary"), (), (48.0,))
    assert wrong is not None and wrong.wrong and wrong.figure == 41.0 and wrong.need is None
    assert check_summary(dana, turn("What matters to you?", "open_question"), (), ()) is None
    proposal = check_summary(dana, turn("So if I did $44, would you sign?", "concession", "closed_question"), (), ())
    assert proposal is not None and not proposal.wrong  # a figure in an offer's words is put forward
    so_question = check_summary(dana, turn("So you're leaving us?", "closed_question"), (), ())
    assert so_question is not None and so_question.need == "wants_to_stay"  # a "so...?" question sums up too


def test_feelings_moves_only_when_every_quote_speaks_of_feelings() -> None:
    assert feelings_moves(turn("How does that make you feel?", "open_question")) == {"open_question"}
    assert feelings_moves(turn("It sounds like you feel undervalued.", "summary")) == {"summary"}
    assert feelings_moves(turn("What would make the renewal fair?", "open_question")) == frozenset()
    assert feelings_moves(turn("How do you feel about a longer contract?", "open_question")) == frozenset()


def test_non_apology_and_thinking_noise() -> None:
    assert non_apology(turn("I'm sorry you feel that way.", "hold_position"))
    assert non_apology(turn("Sorry if you were offended, but the price stands.", "hold_position"))
    assert not non_apology(turn("I'm sorry the quote came as a shock.", "empathy"))
    assert not non_apology(turn("I'm sorry you're upset.", "empathy"))  # the seed dialogue's plain empathy
    assert thinking_noise(turn("hmm 🤔", "other")) and thinking_noise(turn("Umm... let me think", "other"))
    assert not thinking_noise(turn("hmm, $24?", "other")) and not thinking_noise(turn("blue", "other"))


def test_the_checks_decide_on_the_records_and_signals_not_on_the_text(personas) -> None:
    """What a summary claims and where it stands come from its record, the apology and the thinking noise from
    the analysis's signals: a record that says otherwise than the words wins (the analysis read the words)."""
    dana = personas["loyal_customer"]
    said = turn("So you're staying with us?", "closed_question")
    record = said.questions()[0]
    assert record.sums_up and record.claims == {Claim.staying}
    told = replace(said, asked=(replace(record, claims=frozenset({Claim.leaving})),))
    check = check_summary(dana, told, (), ())
    assert check is not None and check.claims == {Claim.leaving} and check.need == "wants_to_stay"
    assert non_apology(replace(said, signal_names=("non_apology",))) and not non_apology(said)
    assert thinking_noise(replace(said, signal_names=("thinking",)))
