"""Coherence invariants over every customer reply of a played session.

Each invariant is a function `(played, persona) -> [(turn, message)]` that returns what it found wrong (an empty
list when the session holds it). They read only what a trainee sees (the replies, the numbers in them) plus what
the replay recorded for each turn (the detector's moves, the engine's events) and the persona file. They know
nothing about how the engine decides: a reader can check each one by hand against a printed replay
(`python -m tests.playtest.corpus SESSION_ID`).

The word lists below are data: extend them when a new persona says the same thing in other words.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, Iterable, List, Set, Tuple

from parley.events import EventKind, details, has, kinds
from parley.personas import Persona
from parley.replies import text as line_text
from tests.playtest.corpus import Played

Violation = Tuple[int, str]

# the first words of a reply that agree with the rep or welcome the question
AGREEMENT = re.compile(r"^\W*(?:yes|yeah|yep|sure|ok|okay|right|mostly|exactly|more or less|pretty much|"
                       r"that's (?:right|fair|correct|it|about it)|fair enough|good question|happy to|"
                       r"of course|absolutely)\b", re.I)
# moves that show the rep listened: the only ground for thanking a rep for listening
LISTENING_MOVES = {"empathy", "appreciation", "open_question", "summary"}
# moves that are the opposite of listening
HARD_MOVES = {"pressure", "hold_position"}
# thanks that only a rep who listened has earned
PRAISE_FOR_LISTENING = re.compile(r"\b(?:listening|listened|heard|understood|making eight years count|"
                                  r"proper negotiation)\b", re.I)
THANKS = re.compile(r"\b(?:thank|thanks|glad)\b", re.I)
# the customer announces they are leaving now (not "I have other options", a warning)
LEAVING = re.compile(r"\b(?:I'll|I will|we'll|we will|we're|I'm) (?:sign(?:ing)? with|take my (?:orders|business) "
                     r"elsewhere|switching|be moving|moving to|start (?:the tender|looking)|put the contract out|"
                     r"go with the other|tell the partners we should take)", re.I)
MONEY = re.compile(r"[$£€]\s?(\d[\d,]*(?:\.\d+)?)")
SENTENCE = re.compile(r".+?(?:[.!?]+(?=\s|$)|$)")  # "$43.50" does not end a sentence
NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)")


def _sentences(text: str) -> List[str]:
    """A reply's sentences of three words or more, normalised (case, spaces): "OK." or "Hm." may come twice."""
    found = (" ".join(s.lower().split()) for s in SENTENCE.findall(text))
    return [s for s in found if len(re.findall(r"\w+", s)) >= 3]


def _figures(text: str) -> List[float]:
    return [float(m.replace(",", "")) for m in MONEY.findall(text)]


def _numbers(text: str) -> Set[float]:
    """Every number a rep typed, with or without a currency sign ("i can do 21", "23.50/cartridge")."""
    return {float(m.replace(",", "")) for m in NUMBER.findall(text) if m.replace(",", "").replace(".", "", 1).isdigit()}


def _persona_figures(persona: Persona) -> Set[float]:
    """Every amount the persona's own words name (briefing, opening, facts, needs, lines, its alternative)."""
    texts: List[str] = list(persona.opening) + [persona.hidden.batna or ""]
    texts += [persona.briefing.customer, persona.briefing.situation]
    texts += [a for f in persona.facts for a in f.answer] + [r for i in persona.interests for r in i.reveal]
    for name in persona.lines.__fields__:
        texts += [line_text(line) for line in getattr(persona.lines, name) or []]
    for move in persona.reactions.__fields__:
        for mood in ("hostile", "guarded", "open"):
            texts += [line_text(line) for line in persona.reactions[move][mood]]
    known = {float(persona.briefing.list_price)}
    if persona.briefing.previous_price:
        known.add(float(persona.briefing.previous_price))
    return known | {v for t in texts for v in _figures(t)}


def replies_not_empty(played: Played, persona: Persona) -> List[Violation]:
    """Every trainee turn gets a customer reply with words in it, up to the end of the session."""
    return [(t.number, "empty reply") for t in played.turns if not re.search(r"\w", t.reply)]


def no_line_twice_running(played: Played, persona: Persona) -> List[Violation]:
    """The customer never says the same reply two turns running (the opening counts as the turn before turn 1)."""
    found, before = [], played.opening
    for t in played.turns:
        if t.reply.strip() == before.strip():
            found.append((t.number, f"same reply as the turn before: {t.reply!r}"))
        before = t.reply
    return found


def no_sentence_repeated(played: Played, persona: Persona) -> List[Violation]:
    """The customer never says a sentence (three words or more) that it already said in this session."""
    found, said = [], set(_sentences(played.opening))
    for t in played.turns:
        for s in _sentences(t.reply):
            if s in said:
                found.append((t.number, f"says again: {s!r}"))
            said.add(s)
    return found


def prices_consistent(played: Played, persona: Persona) -> List[Violation]:
    """Every amount in a reply is one the persona's own words name (list price, old price, the rival's quote...),
    one the rep has said (or an offer the engine read from the rep's words, "$2 off"), one the customer proposed
    before, or a new proposal of the customer's; a new proposal is below the list price and below the best price
    the rep has offered so far (a customer never asks to pay more than offered)."""
    allowed, found = _persona_figures(persona), []
    offers: List[float] = []
    for t in played.turns:
        turn_offers = [float(d) for d in details(t.events, EventKind.offer)]
        allowed |= _numbers(t.text) | set(turn_offers)
        offers += turn_offers
        for value in _figures(t.reply):
            if value in allowed:
                continue
            if value >= persona.briefing.list_price or offers and value >= min(offers):
                found.append((t.number, f"names {persona.money(value)}, which is neither in the persona's words nor "
                                        f"said by the rep, and not below the list price and every offer so far"))
            allowed.add(value)
    return found


def counters_never_rise(played: Played, persona: Persona) -> List[Violation]:
    """The customer never bids against themselves: a counter-offer (a turn the engine records as `countered` or
    `pushed_for_more`) never asks more than their previous counter unless the rep moved since that counter (a
    price lower than their last offer in that turn, or a new extra on the table since the counter: training
    offered one turn, the price asked for the next, RW1). A buyer's counter rising in answer to the rep's
    concession is ordinary haggling (both sides move); rising with nothing moved is bidding against oneself
    (decision in docs/playtest.md)."""
    found, last, offered, extras_since = [], None, None, False
    for t in played.turns:
        turn_offers = [float(d) for d in details(t.events, EventKind.offer)]
        lower = bool(turn_offers) and (offered is None or turn_offers[-1] < offered)
        extras_since = extras_since or has(t.events, EventKind.extras)
        moved = lower or extras_since
        offered = turn_offers[-1] if turn_offers else offered
        if not {EventKind.countered, EventKind.pushed_for_more} & kinds(t.events):
            continue
        extras_since = False
        own = [v for v in _figures(t.reply) if v not in _numbers(t.text)][-1:]  # "$24 is... Could you do $22.50?"
        for value in own:
            if last is not None and value > last and not moved:
                found.append((t.number, f"asks {persona.money(value)} after asking {persona.money(last)}, and the "
                                        "rep moved nothing"))
            last = value
    return found


def no_agreement_to_pressure(played: Played, persona: Persona) -> List[Violation]:
    """A turn that is pressure (the detector reads pressure, or the script marks it `is: pressure`, e.g. a
    rhetorical jab) is never answered with a bare yes or a welcome ("Yes, roughly.", "Good question.")."""
    found = []
    for t, script in zip(played.turns, played.session.turns):
        if ("pressure" in t.moves or "pressure" in script.is_) and AGREEMENT.match(t.reply):
            found.append((t.number, f"agrees with pressure: {t.reply!r}"))
    return found


def gratitude_earned(played: Played, persona: Persona) -> List[Violation]:
    """Thanks for listening only to a rep who listened (empathy, thanks, an open question or a summary before the
    customer's yes); and no thanks at all to a rep who only held position or pressured and never listened."""
    found, moves_so_far = [], set()
    for t in played.turns:
        moves_so_far |= set(t.moves)
        if not {EventKind.accepted, EventKind.wrapped_up} & kinds(t.events):
            continue
        listened = bool(moves_so_far & LISTENING_MOVES)
        if not listened and PRAISE_FOR_LISTENING.search(t.reply):
            found.append((t.number, f"praises listening nobody did: {t.reply!r}"))
        elif not listened and moves_so_far & HARD_MOVES and THANKS.search(t.reply):
            found.append((t.number, f"thanks a rep who only held position or pressured: {t.reply!r}"))
    return found


def no_counter_after_deal(played: Played, persona: Persona) -> List[Violation]:
    """Once the customer has said yes, they never counter, push or reject again, and name no new price of their
    own (a misquoted confirmation is answered with the agreed price)."""
    found, agreed, rep_said = [], None, set()
    for t in played.turns:
        rep_said |= _numbers(t.text)
        if agreed is not None:
            if {EventKind.countered, EventKind.pushed_for_more, EventKind.rejected_low_trust,
                    EventKind.need_unmet} & kinds(t.events):
                found.append((t.number, f"counters after the deal: {t.reply!r}"))
            for value in _figures(t.reply):
                if value not in rep_said and value != agreed:
                    found.append((t.number, f"names {persona.money(value)} after agreeing {persona.money(agreed)}"))
        if has(t.events, EventKind.accepted):
            agreed = float(details(t.events, EventKind.offer)[0])
    return found


def not_a_concession_at_or_above_list(played: Played, persona: Persona) -> List[Violation]:
    """A turn whose only prices are at or above the list price ("the renewal is $48", "I can do $30") gives
    nothing: the detector does not read it as a concession and the customer does not answer it with a line
    from its `reactions.concession` pool ("That helps.", "Go on.")."""
    found = []
    pool = {line_text(line) for mood in ("hostile", "guarded", "open")
            for line in persona.reactions["concession"][mood]}
    for t in played.turns:
        # unit prices only: "$43,200 a year" is a total, not a price per unit
        listed = persona.briefing.list_price
        prices = [v for v in _figures(t.text) if 0.3 * listed <= v <= 2 * listed]
        # "$2 off", "a discount", "10% less" cut the price the turn also names (e.g. the list price in a total)
        if not prices or min(prices) < listed or re.search(r"\b(?:off|discount)\b|\d\s?%\s*(?:less|lower|cheaper)\b",
                                                           t.text, re.I):
            continue
        if "concession" in t.moves:
            found.append((t.number, f"{t.text!r} read as a concession"))
        if t.reply.strip() in pool:
            found.append((t.number, f"answered as a concession: {t.reply!r}"))
    return found


def leaving_means_leaving(played: Played, persona: Persona) -> List[Violation]:
    """A customer who announces they are leaving ("Then I'll sign with RelayDesk.") leaves on that turn: the
    session ends there, walked away."""
    found = []
    for t in played.turns:
        if LEAVING.search(t.reply) and not (has(t.events, EventKind.walked_away) and t is played.turns[-1]):
            found.append((t.number, f"announces leaving but stays: {t.reply!r}"))
    return found


INVARIANTS: Dict[str, Callable[[Played, Persona], List[Violation]]] = {
    f.__name__: f for f in (replies_not_empty, no_line_twice_running, no_sentence_repeated, prices_consistent,
                            counters_never_rise, no_agreement_to_pressure, gratitude_earned, no_counter_after_deal,
                            not_a_concession_at_or_above_list, leaving_means_leaving)}


def check_all(played: Played, persona: Persona) -> Iterable[Tuple[str, int, str]]:
    """(invariant, turn, what is wrong) for every violation in the session."""
    for name, invariant in INVARIANTS.items():
        for turn, message in invariant(played, persona):
            yield name, turn, message
