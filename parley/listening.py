"""What the customer hears in the rep's words beyond the move: is a summary right, is a question about
feelings, is an apology an apology, is the rep just thinking?

A summary is how a rep checks understanding; a customer who agrees with a wrong one teaches the trainee that
any summary works. `check_summary` compares a summary with what the customer has actually said (the money
figures said so far, the needs told) and with what they keep to themselves (a figure they never said, such
as their walk-away price or a rival's quote; the opposite of one of their needs, told or not). The phrase
tables are data (parley/data/listening.yml); this module reads the turn's analysis (the detector's quotes and
amounts), like parley/reading.py, and the engine decides on the typed result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Sequence, Tuple

import yaml

from parley.amounts import find_amounts
from parley.moves import Analysis
from parley.personas import Interest, Persona
from parley.wording import QUESTION_WORDS_FILE
from parley.taxonomy import Claim

LISTENING_FILE = Path(__file__).resolve().parent / "data" / "listening.yml"
_DATA = yaml.safe_load(LISTENING_FILE.read_text(encoding="utf-8")) or {}


def _phrases(items: Iterable[str]) -> re.Pattern:
    """Any of the phrases, as whole words (an emoji or "..." as itself)."""
    parts = sorted({str(p).lower() for p in items}, key=len, reverse=True)
    return re.compile("|".join(r"(?<!\w)" + re.escape(p) + (r"(?!\w)" if p[-1:].isalnum() else "") for p in parts))


CLAIMS: Dict[Claim, re.Pattern] = {Claim(k): _phrases(v) for k, v in (_DATA.get("claims") or {}).items()}
_NEGATION = re.compile(r"\b(?:" + "|".join(re.escape(str(n)) for n in _DATA.get("negations") or () if n != "n't")
                       + r")\b|n't\b|n’t\b")
# a hedged claim is a question about a possibility, not a claim: "so you're thinking of switching?" is fair
_HEDGE = re.compile(r"\b(?:think\w*|consider\w*|might|may|could|would|maybe|perhaps|tempted|wonder\w*|"
                    r"looking at|if|option|weigh\w*|explor\w*)\b|\w'd\b")
# ...and so is one with a condition after it: "so you'll switch unless we close the gap"
_CONDITION = re.compile(r"\b(?:unless|if|otherwise|except|until)\b")
_FEELINGS = _phrases(_DATA.get("feelings") or ())
# "how do you feel about a three-year lock?" asks for an opinion on the deal, not how the customer feels: the
# negotiation's own words (parley/data/question_words.yml `deal`, shared with parley/reading.py)
_DEAL = frozenset(str((yaml.safe_load(QUESTION_WORDS_FILE.read_text(encoding="utf-8")) or {}).get("deal") or "")
                  .lower().split())
_NON_APOLOGY = _phrases(_DATA.get("non_apology") or ())
_THINKING = _phrases(_DATA.get("thinking") or ())
_SUMMARY_LIKE = re.compile(r"^\W*(?:so|sounds like|it sounds like|you mean|in other words)\b", re.I)
_ABOUT_YOU = re.compile(r"\b(?:you|your|yours|you['’]\w+|u|ur)\b", re.I)
_OFFERS = frozenset({"concession", "conditional_trade", "value_add"})
_WINDOW = 5  # words before a claim that may turn it round ("you don't really want to leave")
_MONEY_SIGN = re.compile(r"[$£€]\s?(\d[\d,]*(?:\.\d+)?)")


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


def summary_quotes(analysis: Analysis) -> Tuple[str, ...]:
    """The words that sum the customer up: the summary spans, and a "so you...?" yes-or-no question."""
    return tuple(d.quote for d in analysis.detections if d.move == "summary" or
                 d.move == "closed_question" and _SUMMARY_LIKE.match(d.quote))


def claims(text: str) -> FrozenSet[Claim]:
    """What the words claim about the customer; a claim after a negation or a hedge in the few words before it
    claims nothing ("you don't want to leave", "rather stay than switch", "thinking of switching")."""
    lowered = text.lower().replace("’", "'")
    found = set()
    for claim, pattern in CLAIMS.items():
        for m in pattern.finditer(lowered):
            before = " ".join(re.findall(r"[\w']+", lowered[: m.start()])[-_WINDOW:])
            after = " ".join(re.findall(r"[\w']+", lowered[m.end():])[:_WINDOW + 3])
            if not _NEGATION.search(before) and not _HEDGE.search(before) and not _CONDITION.search(after):
                found.add(claim)
                break
    if {Claim.leaving, Claim.staying} <= found:  # "stay or go?": no claim either way
        found -= {Claim.leaving, Claim.staying}
    return frozenset(found)


def money_said(text: str) -> Tuple[float, ...]:
    """The money figures in a line the customer said ("$42", "$1,250.50")."""
    return tuple(float(m.group(1).replace(",", "").rstrip(".")) for m in _MONEY_SIGN.finditer(text)
                 if m.group(1).replace(",", "").rstrip("."))


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
    quotes = summary_quotes(analysis)
    if not quotes:
        return None
    claimed = claims(" ".join(quotes))
    # where the words that sum the customer up are in the message (a detection's own start and end count
    # tokens); only words about the customer ("you want", "quoted you") put a figure in their mouth: "would $28
    # be OK?" proposes one
    spans = [(i, i + len(q)) for q in quotes if _ABOUT_YOU.search(q) for i in [analysis.text.find(q)] if i >= 0]
    # a figure in an offer's own words is put forward, whatever else the sentence does ("so if I did $44, would
    # you sign?" is a proposal; the offer step answers it)
    offering = [(i, i + len(d.quote)) for d in analysis.detections if d.move in _OFFERS
                for i in [analysis.text.find(d.quote)] if i >= 0]
    known = known_figures(persona, said, offers)
    figure = next((a.value for a in analysis.amounts if a.kind == "money" and a.offered is not True and
                   any(s <= a.start < e for s, e in spans) and not any(s <= a.start < e for s, e in offering) and
                   not any(abs(a.value - k) <= 0.005 * max(1.0, k) for k in known)), None)
    need = _contradicted(persona, claimed, revealed)
    return SummaryCheck(claimed, figure, need.id if need is not None else None)


_ABOUT_FEELINGS = frozenset({"open_question", "closed_question", "summary", "close"})


def feelings_moves(analysis: Analysis) -> FrozenSet[str]:
    """The questions and summaries of the turn that speak only of how the customer feels ("how does that make
    you feel?", "it sounds like you feel undervalued", "what emotions come up?"): every quote of such a move
    uses a feelings word. They acknowledge; they ask nothing about the deal."""
    quotes: Dict[str, list] = {}
    for d in analysis.detections:
        if d.move in _ABOUT_FEELINGS:
            quotes.setdefault(d.move, []).append(d.quote.lower())
    return frozenset(m for m, qs in quotes.items() if all(_FEELINGS.search(q) and not _on_the_deal(q) for q in qs))


def _on_the_deal(quote: str) -> bool:
    words = re.findall(r"[a-z]+", quote)
    return any(w in _DEAL or w.rstrip("s") in _DEAL for w in words)


def feelings_question(analysis: Analysis) -> bool:
    """The turn's open questions all ask how the customer feels."""
    return "open_question" in feelings_moves(analysis)


def non_apology(analysis: Analysis) -> bool:
    """"I'm sorry you feel that way": sorry for the customer's reaction, not for anything done."""
    return bool(_NON_APOLOGY.search(analysis.text.lower().replace("’", "'")))


def thinking_noise(analysis: Analysis) -> bool:
    """"hmm 🤔", "let me think...": nothing but a thinking noise."""
    rest = _THINKING.sub(" ", analysis.text.lower())
    return bool(_THINKING.search(analysis.text.lower())) and not re.search(r"\w", rest)
