"""The play-test corpus (tests/playtest/, docs/playtest.md): scripted trainee sessions across the four personas,
replayed the way `parley score FILE` replays a transcript, each checked against what a reasonable reader expects
and against the coherence invariants of tests/playtest/invariants.py.

A check that today's code fails because of a real defect is listed in its session's `known_defect:` with the
finding that explains it (tests/playtest/FINDINGS.md). Such a check still runs: it must still fail (a marker
that no longer fails is reported, so it gets enabled once the fix is in), and the count of them is reported as
a warning at the end of the run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Dict

import pytest

from parley.events import load
from parley.moves import detect
from parley.personas import Persona
from tests.playtest.checks import all_failures
from tests.playtest.corpus import (
    SESSIONS,
    STYLES,
    Played,
    PlayedTurn,
    ScriptTurn,
    Session,
    all_sessions,
    format_played,
    play,
)
from tests.playtest.invariants import INVARIANTS

CORPUS = all_sessions()
FINDINGS = SESSIONS.parent / "FINDINGS.md"
_PLAYED: Dict[str, Played] = {}


def _played(session: Session, personas: Dict[str, Persona]) -> Played:
    if session.id not in _PLAYED:
        _PLAYED[session.id] = play(session, personas, detect)
    return _PLAYED[session.id]


def test_corpus_has_ten_sessions_per_persona_in_every_style(personas: Dict[str, Persona]) -> None:
    per_persona = Counter(s.persona for s in CORPUS)
    assert set(per_persona) == set(personas), f"sessions per persona: {dict(per_persona)}"
    assert all(n >= 10 for n in per_persona.values()), f"at least 10 sessions each: {dict(per_persona)}"
    assert len(CORPUS) >= 40
    assert {s.style for s in CORPUS} == set(STYLES), "every trainee style is played"
    assert len({s.id for s in CORPUS}) == len(CORPUS), "session ids (file names) are unique"
    assert all(s.summary for s in CORPUS), "every session says what it is in its header comment"


@pytest.mark.parametrize("session", CORPUS, ids=[s.id for s in CORPUS])
def test_session(session: Session, personas: Dict[str, Persona]) -> None:
    played = _played(session, personas)
    again = play(session, personas, detect)
    assert again.report == played.report, "the same session replays to the same report"
    assert [t.reply for t in again.turns] == [t.reply for t in played.turns], "and the same customer replies"

    failures = all_failures(played, personas[session.persona])
    failed = {name for name, _ in failures}
    unexpected = [f"{name}: {message}" for name, message in failures if name not in session.known_defect]
    fixed = [f"{name} (FINDINGS.md#{finding}) no longer fails: remove it from known_defect to enable it"
             for name, finding in session.known_defect.items() if name not in failed]
    assert not unexpected and not fixed, "\n".join(unexpected + fixed + ["", format_played(played)])


def test_known_defects_name_real_checks_and_findings(personas: Dict[str, Persona]) -> None:
    anchors = set(re.findall(r"^## ([FR]\d+)\b", FINDINGS.read_text(encoding="utf-8"), re.M))
    expect_keys = {"outcome", "price_between", "within_parameters", "overall_at_least", "overall_at_most",
                   "customer_says", "customer_never_says", "revealed"}
    markers = [(s, name, finding) for s in CORPUS for name, finding in s.known_defect.items()]
    for session, name, finding in markers:
        turn = re.fullmatch(r"turn(\d+)\.(moves_include|moves_exclude|reply_has|reply_not)", name)
        assert name in expect_keys | set(INVARIANTS) or turn and int(turn.group(1)) <= len(session.turns), \
            f"{session.id}: known_defect {name!r} is not a check of this session"
        assert finding in anchors, f"{session.id}: known_defect {name} names {finding}, which FINDINGS.md lacks"
    by_finding = Counter(finding for _, _, finding in markers)
    ordered = sorted(by_finding.items(), key=lambda x: (x[0][0], int(x[0][1:])))  # F1..F27, then R1..
    if markers:  # every check enabled: nothing to say
        warnings.warn(f"play-test corpus: {len(markers)} check(s) in {len({s.id for s, _, _ in markers})} of "
                      f"{len(CORPUS)} sessions kept out of the enabled set as known defects "
                      f"({', '.join(f'{f}: {n}' for f, n in ordered)}); "
                      "see tests/playtest/FINDINGS.md", stacklevel=1)


def test_parley_score_command_prints_the_same_report(personas: Dict[str, Persona]) -> None:
    """The real command on one corpus file: the report it prints is the one the corpus checks."""
    session = next(s for s in CORPUS if s.id == "charlie_wrong_price_confirm")
    parley = Path(sys.executable).with_name("parley")
    done = subprocess.run([str(parley), "score", "--json", str(session.path)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == _played(session, personas).report
    text = subprocess.run([str(parley), "score", str(session.path)], capture_output=True, text=True, timeout=600)
    assert text.returncode == 0, text.stderr
    overall = _played(session, personas).report["overall"]
    assert text.stdout.startswith(f"SESSION REPORT - overall {overall}/100"), text.stdout[:200]


def _made_up(turns: list, opening: str = "I used to pay $20 a cartridge and now it's $25.") -> Played:
    """A replay written by hand: (trainee text, moves, events, customer reply[, reader's reading]) per turn."""
    script = tuple(ScriptTurn(t[0], tuple(t[4]) if len(t) > 4 else ()) for t in turns)
    session = Session("made_up", SESSIONS / "made_up.yml", "price_increase_charlie", "normal", "testing", "",
                      script, {"outcome": ("ended",), "overall_at_most": 100}, {})
    played = [PlayedTurn(n, t[0], tuple(t[1]), load(t[2]), t[3], 50.0, 5.0) for n, t in enumerate(turns, 1)]
    return Played(session, opening, played, {}, "")


# each invariant against a replay that breaks it, and the same replay put right
BROKEN_AND_RIGHT = {
    "replies_not_empty": ([("Hi", ["greeting"], [], "")], [("Hi", ["greeting"], [], "Hi.")]),
    "no_line_twice_running": (
        [("a b c", ["other"], [], "Sorry, I'm not sure I follow."), ("d e f", ["other"], [], "Sorry, I'm not sure I "
                                                                                             "follow.")],
        [("a b c", ["other"], [], "Sorry, I'm not sure I follow."), ("d e f", ["other"], [], "Right.")]),
    "no_sentence_repeated": (
        [("x", ["concession"], [], "A number on its own doesn't fix this."), ("y", ["other"], [], "Right."),
         ("z", ["concession"], [], "Hm. A number on its own doesn't fix this.")],
        [("x", ["concession"], [], "A number on its own doesn't fix this."), ("y", ["other"], [], "Right."),
         ("z", ["concession"], [], "Right.")]),
    "prices_consistent": (
        [("I can do $24.", ["concession"], ["offer:24", "countered"], "$24 is too much. Could you do $24.50?")],
        [("I can do $24.", ["concession"], ["offer:24", "countered"], "$24 is too much. Could you do $22.50?")]),
    "counters_never_rise": (  # a rise with nothing moved is bidding against oneself; in answer to a cut it is
        # ordinary haggling (docs/playtest.md, "Decisions from the findings")
        [("$24", ["concession"], ["offer:24", "countered"], "Could you do $22.50?"),
         ("Shall we go ahead?", ["close"], ["standing_offer", "countered"], "Could you do $23?")],
        [("$24", ["concession"], ["offer:24", "countered"], "Could you do $22.50?"),
         ("$23.50", ["concession"], ["offer:23.5", "countered"], "Could you do $23?")]),
    "no_agreement_to_pressure": (
        [("do you want to leave then?", ["closed_question"], [], "Yes, roughly.", ["pressure"])],
        [("do you want to leave then?", ["closed_question"], [], "Is that how you talk to customers?",
          ["pressure"])]),
    "gratitude_earned": (
        [("It's policy.", ["hold_position"], [], "Then we have a problem."),
         ("fine, 21", ["concession"], ["offer:21", "accepted"], "OK, $21 a cartridge. Deal. Thanks for actually "
                                                                "listening.")],
        [("It's policy.", ["hold_position"], [], "Then we have a problem."),
         ("fine, 21", ["concession"], ["offer:21", "accepted"], "Fine. $21, and that's only for the price.")]),
    "no_counter_after_deal": (
        [("$23", ["concession"], ["offer:23", "accepted"], "OK, $23. Deal."),
         ("so $23 then", ["close"], ["countered"], "Actually, could you do $22.50?")],
        [("$23", ["concession"], ["offer:23", "accepted"], "OK, $23. Deal."),
         ("so $23 then", ["close"], ["wrapped_up"], "Great, $23 it is. Talk soon.")]),
    "not_a_concession_at_or_above_list": (
        [("I can do $30 a cartridge.", ["concession"], [], "Go on.")],
        [("I can do $30 a cartridge.", ["other"], [], "That's more than the list price.")]),
    "leaving_means_leaving": (
        [("No.", ["hold_position"], [], "Then I'll sign with RelayDesk."), ("ok", ["other"], [], "Right.")],
        [("No.", ["hold_position"], [], "Then we have a problem."), ("ok", ["other"], [], "Right.")]),
}


@pytest.mark.parametrize("name", sorted(INVARIANTS))
def test_each_invariant_catches_what_it_says(name: str, personas: Dict[str, Persona]) -> None:
    broken, right = BROKEN_AND_RIGHT[name]
    charlie = personas["price_increase_charlie"]
    assert INVARIANTS[name](_made_up(broken), charlie), f"{name} misses: {broken}"
    assert not INVARIANTS[name](_made_up(right), charlie), f"{name} flags a coherent replay: {right}"
