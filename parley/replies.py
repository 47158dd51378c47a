"""Choosing the customer's reply line: the most specific line whose conditions fit the turn.

A persona's reply pools (`reactions`, `lines`, `opening`) hold plain lines and conditioned ones
(`{say: ..., when: {...}}`, schema `ReplyLine` / `When` in parley/personas.py).  `choose` picks one:

1. every line whose conditions all hold in the `Situation` (a plain line always fits);
2. of those, the most specific tier: a line naming more conditions beats one naming fewer, and any
   conditioned line that fits beats the plain ones (the fallback);
3. in a tier, a line the customer has not just said ("fresh"); when a tier has none fresh, the next
   tier down; when no tier has, the most specific tier anyway (never an empty pick);
4. one of the tier's lines with the RNG the engine seeds per session and turn, so replays are exact.

Plain Python, no Rasa and no pydantic: the lines are read through the small `LineLike` protocol.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Dict, FrozenSet, List, Protocol, Sequence, Tuple, Union

LEAP = 0.12  # a single drop of 12 % of the list price or more (the engine's BIG_STEP): the rep gave a lot at once


class SessionFact(str, Enum):
    """Named facts about what the rep has done so far, for `when.rep_did` / `when.rep_did_not`."""

    acknowledged = "acknowledged"
    listened = "listened"
    earned = "earned"
    explained = "explained"
    pushed = "pushed"
    caved = "caved"
    offered = "offered"


FACT_DESCRIPTIONS: Dict[str, str] = {
    "acknowledged": "the rep has shown empathy or appreciation at least once",
    "listened": "the rep has brought out at least one hidden interest",
    "earned": "acknowledged and listened: the customer has reason to thank the rep",
    "explained": "the rep has given a reason (a `rationale` move)",
    "pushed": "the rep has held their position or pressured at least once (a defensive or hard line)",
    "caved": "the rep gave a lot at once (the customer pushed for more) or lowered their price three times or more",
    "offered": "the rep has named a price",
}


class WhenLike(Protocol):
    mood: Sequence[str] | None
    this_turn: Sequence[str] | None
    rep_did: Sequence[str] | None
    rep_did_not: Sequence[str] | None
    revealed: Sequence[str] | None
    satisfied: Sequence[str] | None


class LineLike(Protocol):
    say: str
    when: WhenLike | None


Line = Union[str, LineLike]


@dataclass(frozen=True)
class Situation:
    """What a line's conditions are checked against: the customer's view of the session after this turn."""

    mood: str
    this_turn: FrozenSet[str] = frozenset()
    done: FrozenSet[str] = frozenset()  # moves and named facts so far, this turn included
    revealed: FrozenSet[str] = frozenset()
    satisfied: FrozenSet[str] = frozenset()

    @classmethod
    def of(cls, mood: str, this_turn: Sequence[str] = (), move_counts: Sequence[Tuple[str, int]] = (),
           revealed: Sequence[str] = (), satisfied: Sequence[str] = (), offers: Sequence[float] = (),
           pushed_for_more: bool = False, list_price: float | None = None) -> Situation:
        """The situation from the customer state's values (`CustomerState` in parley/engine.py)."""
        moves = {m for m, n in move_counts if n > 0} | set(this_turn)
        facts = set()
        if moves & {"empathy", "appreciation"}:
            facts.add(SessionFact.acknowledged.value)
        if revealed:
            facts.add(SessionFact.listened.value)
        if SessionFact.acknowledged.value in facts and revealed:
            facts.add(SessionFact.earned.value)
        if "rationale" in moves:
            facts.add(SessionFact.explained.value)
        if moves & {"hold_position", "pressure"}:
            facts.add(SessionFact.pushed.value)
        if offers:
            facts.add(SessionFact.offered.value)
        if pushed_for_more or _caved(offers, list_price):
            facts.add(SessionFact.caved.value)
        return cls(str(getattr(mood, "value", mood)), frozenset(this_turn), frozenset(moves | facts),
                   frozenset(revealed), frozenset(satisfied))


def _caved(offers: Sequence[float], list_price: float | None) -> bool:
    """Three cuts or more, or one drop of LEAP of the list price at once."""
    drops = [a - b for a, b in zip(((list_price,) if list_price else ()) + tuple(offers), offers) if b < a]
    return len(drops) >= 3 or bool(list_price and any(d / list_price >= LEAP - 1e-9 for d in drops))


def text(line: Line) -> str:
    """The words of a line, plain or conditioned."""
    return line if isinstance(line, str) else line.say


def condition(line: Line) -> WhenLike | None:
    return None if isinstance(line, str) else line.when


def specificity(when: WhenLike | None) -> int:
    """How much a line's conditions say: one per mood list and one per move, fact or interest named."""
    if when is None:
        return 0
    named = sum(len(getattr(when, key) or ()) for key in ("this_turn", "rep_did", "rep_did_not", "revealed",
                                                          "satisfied"))
    return named + (1 if when.mood else 0)


def fits(when: WhenLike | None, situation: Situation) -> bool:
    """Every condition named holds (an unconditioned line always fits)."""
    if when is None:
        return True
    return ((not when.mood or situation.mood in {str(getattr(m, "value", m)) for m in when.mood})
            and _all(when.this_turn, situation.this_turn)
            and _all(when.rep_did, situation.done)
            and not _values(when.rep_did_not) & situation.done
            and _all(when.revealed, situation.revealed)
            and _all(when.satisfied, situation.satisfied))


def _values(items: Sequence[str] | None) -> set:
    return {str(getattr(i, "value", i)) for i in items or ()}


def _all(wanted: Sequence[str] | None, present: FrozenSet[str]) -> bool:
    return _values(wanted) <= present


def tiers(options: Sequence[Line], situation: Situation) -> List[List[Line]]:
    """The lines that fit, grouped from the most specific down to the plain fallback lines."""
    by_rank: Dict[int, List[Line]] = {}
    for line in options:
        when = condition(line)
        if fits(when, situation):
            by_rank.setdefault(specificity(when), []).append(line)
    return [by_rank[rank] for rank in sorted(by_rank, reverse=True)]


def choose(options: Sequence[Line], situation: Situation, rng: random.Random,
           fresh: Callable[[str], bool] = lambda _text: True) -> Tuple[str, bool]:
    """The words of the line to say, and whether it is fresh (not just said).

    Never empty while `options` is not: when no line fits (a pool of conditioned lines only, none of
    which holds) every line is a candidate."""
    if not options:
        raise ValueError("no lines to choose from")
    ranked = tiers(options, situation) or [list(options)]
    for tier in ranked:
        unsaid = [line for line in tier if fresh(text(line))]
        if unsaid:
            return text(rng.choice(unsaid)), True
    return text(rng.choice(ranked[0])), False


_SENTENCE = re.compile(r"[^.!?]+[.!?]*")


def sentences(words: str) -> List[str]:
    """A line's sentences, as a listener hears them ("Closer. Could you do $23?" is two)."""
    return [s.strip() for s in _SENTENCE.findall(words) if re.search(r"\w", s)]


def fingerprint(sentence: str) -> int:
    """A sentence's words, any case and punctuation, as a small number to remember it by."""
    return zlib.crc32(" ".join(re.findall(r"\w+", sentence.lower())).encode("utf-8"))


def remember(heard: Sequence[int], lines: Sequence[str]) -> Tuple[int, ...]:
    """`heard` with the sentences of `lines` added (each once, in order)."""
    return tuple(dict.fromkeys(tuple(heard) + tuple(fingerprint(s) for line in lines for s in sentences(line))))


def unheard(words: str, heard: Sequence[int]) -> bool:
    """None of the line's sentences has been said yet this session (short ones such as "Right." aside,
    which a person may well say twice)."""
    said = set(heard)
    return not any(fingerprint(s) in said for s in sentences(words) if len(re.findall(r"\w+", s)) > 2)
