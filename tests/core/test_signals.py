"""Typed signals of a turn (parley/signals.py, phrases in parley/data/moves/signals.yml): the persona
engine asks the analysis for them instead of reading the trainee's text."""

from __future__ import annotations

import pytest

from parley import signals
from parley.moves import Analysis
from parley.signals import Signal

CASES = [
    (Signal.split_difference, "Let's meet in the middle on this one.", "Let's meet on Tuesday."),
    (Signal.agrees, "yes, we can do that", "we can talk about it"),
    (Signal.agrees, "ok, you've got a deal", "I'll think about a deal"),
    (Signal.agrees, "👍👍", "hmm 🤔"),  # a thumbs-up on its own is a yes (R6)
    (Signal.hedged, "I'll check whether we can do that", "we can do that"),
    (Signal.steps_back, "Thinking again, I need to go back to $25.", "I can go to $24."),
    (Signal.best_claim, "$24 is the best I can do", "I can do $24"),
    (Signal.retracts, "Actually no, we can't do that after all.", "Yes, we can do that."),
    (Signal.pleads, "Please don't leave, I'll match whatever they offer.", "I'd hate to see you go over $1."),
    (Signal.next_step, "Great, I'll email the contract today.", "Great, that works."),
    (Signal.names_terms, "I'll send over the new terms.", "I'll send it over."),
    # an apology for the customer's reaction, not for anything done; a curly apostrophe reads the same
    (Signal.non_apology, "I’m sorry if you’re upset, but that's the price.", "I'm sorry you're upset."),
    (Signal.non_apology, "Sorry you see it like that.", "I'm sorry the quote came as a shock."),
    # a thinking noise only when the turn holds nothing else
    (Signal.thinking, "Hmm... bear with me 🤔", "hmm, $24?"),
    (Signal.thinking, "let me see…", "let me see what I can do on price"),
]


@pytest.mark.parametrize("signal, present, absent", CASES)
def test_each_signal_is_read_from_the_words(signal, present, absent):
    assert signal.value in signals.read(present)
    assert signal.value not in signals.read(absent)


def test_every_signal_has_patterns_in_the_data_file():
    assert set(signals.patterns()) == {s.value for s in Signal}


def test_analysis_answers_from_its_own_signals_or_reads_them_on_demand(detector):
    analysis = detector.detect("ok, you've got a deal")
    assert analysis.signal_names is not None and analysis.has(Signal.agrees)
    bare = Analysis("ok, you've got a deal", ("close",), ())  # built by hand, as tests and transcripts do
    assert bare.signal_names is None and bare.has(Signal.agrees) and not bare.has(Signal.hedged)


def test_signals_travel_with_the_analysis(detector):
    analysis = detector.detect("$24 is the best I can do, I'm afraid")
    again = Analysis.from_dict(analysis.to_dict())
    assert again.signal_names == analysis.signal_names and again.has(Signal.best_claim)
    old = analysis.to_dict()
    del old["signals"]  # parse data written before signals existed
    assert Analysis.from_dict(old).has(Signal.best_claim)


def test_numbers_said_whatever_their_role():
    assert Analysis("done. 27, 3 yrs", ("close",), ()).numbers == (27.0, 3.0)
