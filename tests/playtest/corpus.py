"""The play-test corpus: scripted trainee sessions under tests/playtest/sessions/, replayed as `parley score` does.

A session file is a transcript `parley score FILE` reads as it is (`persona`, `difficulty`, `turns`), plus what a
reasonable reader expects (`expect`), notes on single turns (`turns[n].is`, `turns[n].reply_*`) and the checks kept
out of the enabled set until a known defect is fixed (`known_defect`). See docs/playtest.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Tuple
from unittest import mock

import yaml

from parley import session as session_module
from parley.cli import load_transcript
from parley.events import Events, load
from parley.personas import Persona
from parley.session import replay
from parley.store import Store

SESSIONS = Path(__file__).parent / "sessions"
STYLES = ("skilled", "average", "defensive", "caving", "chatty", "off_topic", "rude", "testing")
OUTCOMES = ("deal", "walked_away", "ended")
EXPECT_KEYS = {"outcome", "price_between", "within_parameters", "overall_at_least", "overall_at_most",
               "customer_says", "customer_never_says", "revealed"}
TURN_KEYS = {"text", "is", "moves_include", "moves_exclude", "reply_has", "reply_not"}


@dataclass(frozen=True)
class ScriptTurn:
    """One trainee line, with what a reader judges it to be (`is`) and what its reply must (not) say."""

    text: str
    is_: Tuple[str, ...] = ()  # a reader's reading of the turn, e.g. pressure for a rhetorical jab
    moves_include: Tuple[str, ...] = ()
    moves_exclude: Tuple[str, ...] = ()
    reply_has: Tuple[str, ...] = ()  # any one of these (case-insensitive) appears in the reply
    reply_not: Tuple[str, ...] = ()  # none of these appears in the reply


@dataclass(frozen=True)
class Session:
    id: str
    path: Path
    persona: str
    difficulty: str | None
    style: str
    summary: str
    turns: Tuple[ScriptTurn, ...]
    expect: Dict[str, object]
    known_defect: Dict[str, str]  # check name -> FINDINGS.md anchor, e.g. {"outcome": "F3"}


@dataclass
class PlayedTurn:
    number: int
    text: str
    moves: Tuple[str, ...]
    events: Events  # what the engine reported (parley/events.py)
    reply: str
    trust: float
    patience: float


@dataclass
class Played:
    session: Session
    opening: str
    turns: List[PlayedTurn]
    report: dict
    end_text: str
    unplayed: List[str] = field(default_factory=list)  # script lines after the customer ended the session


def _tuple(value: object) -> Tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def load_session(path: Path) -> Session:
    """A session file; ValueError saying what is wrong with it."""
    raw = path.read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    load_transcript(path)  # what `parley score` itself accepts
    header = []  # the comment lines at the top of the file say what the session is
    for line in raw.splitlines():
        if not line.startswith("#"):
            break
        header.append(line[1:].strip())
    style = data.get("style")
    if style not in STYLES:
        raise ValueError(f"{path.name}: style must be one of {', '.join(STYLES)}, not {style!r}")
    expect = data.get("expect") or {}
    unknown = set(expect) - EXPECT_KEYS
    if unknown or "outcome" not in expect:
        raise ValueError(f"{path.name}: expect needs an outcome and knows {sorted(EXPECT_KEYS)} (unknown: {unknown})")
    outcomes = _tuple(expect["outcome"])
    if set(outcomes) - set(OUTCOMES):
        raise ValueError(f"{path.name}: expect.outcome is one or a list of {OUTCOMES}")
    if "overall_at_least" not in expect and "overall_at_most" not in expect:
        raise ValueError(f"{path.name}: expect needs a score band (overall_at_least and/or overall_at_most)")
    turns = []
    for n, t in enumerate(data["turns"], 1):
        if isinstance(t, dict):
            if set(t) - TURN_KEYS:
                raise ValueError(f"{path.name}: turn {n} has unknown keys {sorted(set(t) - TURN_KEYS)}")
            turns.append(ScriptTurn(str(t["text"]), _tuple(t.get("is")), _tuple(t.get("moves_include")),
                                    _tuple(t.get("moves_exclude")), _tuple(t.get("reply_has")),
                                    _tuple(t.get("reply_not"))))
        else:
            turns.append(ScriptTurn(str(t)))
    if not 6 <= len(turns) <= 16:
        raise ValueError(f"{path.name}: a play-test session has 6 to 16 turns, not {len(turns)}")
    known = {str(k): str(v) for k, v in (data.get("known_defect") or {}).items()}
    if any(not re.fullmatch(r"[FR]\d+", v) for v in known.values()):
        raise ValueError(f"{path.name}: known_defect values name a finding, e.g. F3 or R1 (FINDINGS.md#F3)")
    return Session(path.stem, path, data["persona"], data.get("difficulty"), style, " ".join(header), tuple(turns),
                   {**expect, "outcome": outcomes}, known)


def all_sessions(directory: Path = SESSIONS) -> List[Session]:
    return [load_session(p) for p in sorted(directory.glob("*/*.yml"))]


class _RecordingStore(Store):
    """The in-memory store `replay` uses, also keeping each turn's scored detail (moves, events) and reply."""

    recorded: List[Tuple[dict, str, dict]] = []

    def record_turn(self, session_id: int, score: dict, reply: str, state: dict) -> None:
        _RecordingStore.recorded.append((score, reply, state))
        super().record_turn(session_id, score, reply, state)


def play(session: Session, personas: Dict[str, Persona], detect: Callable) -> Played:
    """The session through `parley.session.replay`, exactly as `parley score FILE` runs it."""
    transcript = load_transcript(session.path)
    _RecordingStore.recorded = []
    with mock.patch.object(session_module, "Store", _RecordingStore):
        played = replay(personas, detect, transcript["persona"], transcript["turns"], transcript["difficulty"])
    recorded = list(_RecordingStore.recorded)
    turns = []
    for n, ((text, reply), (score, said, state)) in enumerate(zip(played.turns, recorded), 1):
        first = reply.texts[0] if reply.texts else ""
        assert said == first, "the recorded reply is the reply sent"
        turns.append(PlayedTurn(n, text, tuple(score["moves"]), load(score.get("events", ())), first,
                                round(state["trust"], 1), round(state["patience"], 1)))
    return Played(session, played.start.texts[-1], turns, played.report or {}, played.end.texts[-1],
                  transcript["turns"][len(turns):])


def format_played(p: Played) -> str:
    """A replay a reader can follow: each turn, what the detector read, the customer's answer, what happened."""
    s, report = p.session, p.report
    out = [f"=== {s.id} ({s.persona}, {s.difficulty or 'default'}, {s.style}) {s.summary}",
           f"    opening: {p.opening}"]
    for t in p.turns:
        events = ", ".join(map(str, t.events))
        out += [f"[{t.number}] rep: {t.text}", f"     moves: {', '.join(t.moves)}   events: {events}"
                f"   trust {t.trust} patience {t.patience}", f"     customer: {t.reply}"]
    for text in p.unplayed:
        out.append(f"     (not played, the session had ended: {text[:60]})")
    o = report.get("outcome", {})
    out.append(f"    => {o.get('ended_by')} price {o.get('price')} overall {report.get('overall')} "
               f"criteria {report.get('criteria')}")
    return "\n".join(out)


if __name__ == "__main__":  # python -m tests.playtest.corpus [ID...]: print the replays
    import sys

    from parley.moves import detect
    from parley.personas import load_personas

    wanted = set(sys.argv[1:])
    everyone = load_personas()
    for sess in all_sessions():
        if not wanted or sess.id in wanted or sess.persona in wanted:
            print(format_played(play(sess, everyone, detect)) + "\n")
