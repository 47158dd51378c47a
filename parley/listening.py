"""What the customer hears in the rep's words beyond the move: is a summary right, is a question about
feelings, is an apology an apology, is the rep just thinking?

A summary is how a rep checks understanding; a customer who agrees with a wrong one teaches the trainee that
any summary works. `check_summary` compares a summary with what the customer has actually said (the money
figures said so far, the needs told) and with what they keep to themselves (a figure they never said, such
as their walk-away price or a rival's quote; the opposite of one of their needs, told or not).

Like parley/reading.py, this module never reads the trainee's raw text: the analysis has read it into typed
values (parley/wording.py: each `Question` record's span, `claims`, `sums_up`, `about_you`, `feelings` and
`names_deal`; parley/signals.py: `Signal.non_apology`, `Signal.thinking`; the phrases are data in
parley/data/listening.yml and parley/data/moves/signals.yml), and this module compares those values with the
persona and the customer's state; the engine decides on the typed result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Sequence, Tuple

from parley.amounts import find_amounts
from parley.moves import Analysis
from parley.personas import Interest, Persona
from parley.signals import Signal
from parley.taxonomy import Claim
from parley.wording import OFFER_MOVES, Question, both_ways, claims  # noqa: F401  (claims: read a text's claims)

_SUMMING_UP = frozenset({"summary", "closed_question"})
_CURRENCY = "$£€"


@dataclass(frozen=True)
class SummaryCheck:
    """How a summary compares with what the customer said: right, or wrong in one way (the figure the
    customer never said, or the need it says the opposite of)."""

    claims: FrozenSet[Claim] = frozenset()
    figure: float | None = None  # a money figure the customer never said
    need: str | None = None  # the interest the summary contradicts

    @property
    def wrong(self) -> bool:
        return self.figure is not None or self.need is not None


def summing_up(analysis: Analysis) -> Tuple[Question, ...]:
    """The records of the words that sum the customer up: the summaries, and a "so you...?" yes-or-no question."""
    return tuple(q for q in analysis.questions(_SUMMING_UP) if q.move == "summary" or q.sums_up)


def summary_quotes(analysis: Analysis) -> Tuple[str, ...]:
    """The words that sum the customer up (`summing_up`), as said."""
    return tuple(q.text for q in summing_up(analysis))


def money_said(text: str) -> Tuple[float, ...]:
    """The money figures with a currency sign in a line the customer said ("$42", "$1,250.50")."""
    return tuple(a.value for a in find_amounts(text) if a.kind == "money" and text[a.start:a.start + 1] in _CURRENCY)


def known_figures(persona: Persona, said: Sequence[float], offers: Sequence[float] = ()) -> FrozenSet[float]:
    """The money figures a summary may name: the briefing's (the trainee read it: list price, previous price,
    the rise between them, any figure in its text), the rep's offers and whatever the customer has said."""
    b = persona.briefing
    figures = {b.list_price, *said, *offers}
    if b.previous_price:
        figures |= {b.previous_price, round(abs(b.list_price - b.previous_price), 2)}
    for part in (b.customer, b.situation, b.goal):
        figures |= {a.value for a in find_amounts(part) if a.kind == "money"}
    return frozenset(round(f, 2) for f in figures)


def _contradicted(persona: Persona, claimed: FrozenSet[Claim], revealed: Sequence[str]) -> Interest | None:
    """The need a summary's claims say the opposite of: one that names the claim (told or not), else for "only
    the price" a told need that money alone does not meet."""
    named = next((i for i in persona.interests if claimed & set(i.contradicted_by)), None)
    if named is not None or Claim.price_only not in claimed:
        return named
    return next((i for i in persona.interests if i.id in revealed and
                 set(i.satisfied_by) - {"concession", "conditional_trade"}), None)


def check_summary(persona: Persona, analysis: Analysis, revealed: Sequence[str], said: Sequence[float],
                  offers: Sequence[float] = ()) -> SummaryCheck | None:
    """None when the turn sums nothing up; else what the summary claims and whether it is wrong: a money figure
    the customer never said (and the rep did not offer), or the opposite of one of the customer's needs."""
    records = summing_up(analysis)
    if not records:
        return None
    claimed = both_ways(c for q in records for c in q.claims)
    # where the words that sum the customer up are in the message (each record carries its span); only words
    # about the customer ("you want", "quoted you") put a figure in their mouth: "would $28 be OK?" proposes one
    spans = [(q.start, q.end) for q in records if q.about_you]
    # a figure in an offer's own words is put forward, whatever else the sentence does ("so if I did $44, would
    # you sign?" is a proposal; the offer step answers it)
    offering = [(q.start, q.end) for q in analysis.questions(OFFER_MOVES)]
    known = known_figures(persona, said, offers)
    figure = next((a.value for a in analysis.amounts if a.kind == "money" and a.offered is not True and
                   any(s <= a.start < e for s, e in spans) and not any(s <= a.start < e for s, e in offering) and
                   not any(abs(a.value - k) <= 0.005 * max(1.0, k) for k in known)), None)
    need = _contradicted(persona, claimed, revealed)
    return SummaryCheck(claimed, figure, need.id if need is not None else None)


_ABOUT_FEELINGS = frozenset({"open_question", "closed_question", "summary", "close"})


def feelings_moves(analysis: Analysis) -> FrozenSet[str]:
    """The questions and summaries of the turn that speak only of how the customer feels ("how does that make
    you feel?", "it sounds like you feel undervalued", "what emotions come up?"): every record of such a move
    uses a feelings word and names nothing of the deal. They acknowledge; they ask nothing about the deal."""
    records = analysis.questions(_ABOUT_FEELINGS)
    moves = {q.move for q in records}
    return frozenset(m for m in moves if all(q.feelings and not q.names_deal for q in records if q.move == m))


def feelings_question(analysis: Analysis) -> bool:
    """The turn's open questions all ask how the customer feels."""
    return "open_question" in feelings_moves(analysis)


def non_apology(analysis: Analysis) -> bool:
    """"I'm sorry you feel that way": sorry for the customer's reaction, not for anything done."""
    return analysis.has(Signal.non_apology)


def thinking_noise(analysis: Analysis) -> bool:
    """"hmm 🤔", "let me think...": nothing but a thinking noise."""
    return analysis.has(Signal.thinking)
