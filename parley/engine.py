"""The persona engine: how the customer reacts to a trainee turn.

Pure functions from (persona, parameters, state, analysed turn) to a new state and the customer's
lines.  Wording varies with an RNG seeded by the session and turn, so a session replays exactly.
"""

from __future__ import annotations

import math
import random
import re
import zlib
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Sequence, Tuple

from spacy.lang.en.stop_words import STOP_WORDS

from parley.moves import Analysis
from parley.personas import MISSTEP_PATIENCE, MISSTEP_TRUST, Interest, Line, Parameters, Persona
from parley.replies import Situation, choose, remember, unheard
from parley.signals import Signal
from parley.taxonomy import Mood

HOSTILE_BELOW, OPEN_FROM = 35, 65
RAPPORT_GAIN = {"empathy": 12.0, "appreciation": 10.0}
SUBSTANCE = {"open_question", "summary", "rationale", "concession", "value_add", "conditional_trade", "close"}
BIG_STEP = 0.12  # a single drop of 12 % of the list price or more is a leap, not a step
WARM = 90  # trust at which the customer needs no further acknowledgement before saying yes


@dataclass(frozen=True)
class CustomerState:
    """Everything the customer remembers; stored as JSON between turns."""

    persona_id: str
    difficulty: str
    seed: int
    trust: float
    patience: float
    turn: int = 0
    revealed: Tuple[str, ...] = ()
    satisfied: Tuple[str, ...] = ()
    move_counts: Tuple[Tuple[str, int], ...] = ()
    rapport_streak: int = 0  # turns in a row of sympathy with nothing else
    offers: Tuple[float, ...] = ()
    extras: Tuple[str, ...] = ()  # tradable ids the rep has offered
    counter: float | None = None
    pushed: bool = False
    outcome: str | None = None  # "deal", "walked_away" or "ended"
    deal_price: float | None = None
    wrapped_up: bool = False  # after a deal the rep has one turn to confirm terms and next steps
    last_moves: Tuple[str, ...] = ()  # the rep's previous turn: a reason given there carries the next offer
    said: Tuple[int, ...] = ()  # fingerprints of the rep's messages, to notice one sent again word for word
    best_claim: float | None = None  # a price the rep called their best ("the best I can do is $24")
    last_lines: Tuple[str, ...] = ()  # what the customer said last turn: not said again word for word
    rubric: str | None = None  # the rubric an assignment chose for this session (None: the persona's own)
    heard: Tuple[int, ...] = ()  # fingerprints of every sentence the customer has said (replies.remember)

    @property
    def mood(self) -> Mood:
        if self.trust < HOSTILE_BELOW:
            return Mood.hostile
        return Mood.open if self.trust >= OPEN_FROM else Mood.guarded

    @property
    def finished(self) -> bool:
        return self.outcome is not None and not self.agreed

    @property
    def agreed(self) -> bool:
        """The customer has said yes and the rep has not wrapped up yet (RADPAC: agree, then close)."""
        return self.outcome == "deal" and not self.wrapped_up

    def count(self, move: str) -> int:
        return dict(self.move_counts).get(move, 0)

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict) -> CustomerState:
        fields = {k: tuple(tuple(x) if isinstance(x, list) else x for x in v) if isinstance(v, list) else v
                  for k, v in data.items()}
        return cls(**fields)


@dataclass(frozen=True)
class Reaction:
    state: CustomerState
    lines: Tuple[str, ...]
    events: Tuple[str, ...]  # what happened, for scoring: "revealed:cash_flow", "accepted", ...
    offer: float | None = None  # unit price the trainee offered in this turn, if any


def session_seed(session_key: str) -> int:
    return zlib.crc32(session_key.encode("utf-8"))


def start(persona: Persona, params: Parameters, difficulty: str, seed: int) -> Tuple[CustomerState, str]:
    state = CustomerState(persona.id, difficulty, seed, float(params.trust), float(params.patience))
    return state, _fill(_pick(persona.opening, state, "opening"), persona, state)


def willingness(persona: Persona, params: Parameters, state: CustomerState) -> float:
    """The most the customer would pay now: the reservation price plus what met needs are worth."""
    worth = sum(i.worth for i in persona.interests if i.id in state.satisfied)
    return round(params.reservation_price + worth, 2)


def offered_price(analysis: Analysis, list_price: float, current: float | None = None) -> float | None:
    """The unit price a turn offers, read from its amounts: '$23/unit', '$2 off', '10% discount'."""
    if not {"concession", "conditional_trade"} & set(analysis.moves):
        return None
    base = current if current is not None else list_price
    # the amounts the rep put forward ("I can't do $40, but I can offer $45" offers $45), else those the
    # words leave open; never one refused, reported or the customer's own
    amounts = [a for a in analysis.amounts if a.offered] or [a for a in analysis.amounts if a.offered is None]
    for role in ("price", "reduction", "period"):
        prices = [a.value for a in amounts if a.role == role and a.kind == "money" and role in {"price", "period"}
                  and (role == "price" or a.offered) and a.value < list_price
                  # a small number is usually something else ("3 years"), but "$0" put forward is an offer
                  and (0.3 * list_price <= a.value or a.value == 0 and a.offered)]
        if prices:  # "either $33 month to month or $31 on a 2-year term": the customer takes the better one
            return round(min(prices), 2)
        for a in amounts:
            if a.role != role:
                continue
            if a.kind == "money" and role == "reduction" and 0 < a.value <= 0.7 * base:
                return round(base - a.value, 2)  # "$24 off a $25 price" is a misreading, not an offer
            if a.kind == "percent" and role == "reduction" and 0 < a.value <= 100:  # "100% off" gives it away
                return round(base * (1 - a.value / 100), 2)
    for a in amounts:  # "I can do 10%" says no "off" but means it
        if a.kind == "percent" and a.role != "period" and 0 < a.value < 100:
            return round(base * (1 - a.value / 100), 2)
    return None


def mentioned_extras(persona: Persona, text: str) -> Tuple[str, ...]:
    """The tradables a turn names. Keywords match as word beginnings ("deliver" in "delivery"); a short one
    ("AV", "IT") only as a whole word, so "availability" is not the AV package."""
    # chat shorthand and determiners don't hide a keyword: "3 yrs" is "3 years", "lock that price" "lock the price"
    lowered = re.sub(r"(?<=\d)\s*-?\s*yr(s?)\b", r" year\1", text.lower())
    lowered = re.sub(r"\b(?:that|this|your|our)\b", "the", lowered)
    return tuple(t.id for t in persona.company.tradables
                 if any(re.search(r"\b" + re.escape(k.lower()) + (r"s?\b" if len(k) <= 3 else ""), lowered)
                        for k in t.keywords))


_OFFER_MOVES = {"value_add", "conditional_trade", "concession", "close"}
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


def offer_sentences(analysis: Analysis) -> str:
    """The sentences of a turn that carry an offer or a close: an extra named only in a reason ("prices rose
    because shipping went up. I can do $23") is not put on the table."""
    spans = [(d.start, d.end) for d in analysis.detections if d.move in _OFFER_MOVES]
    if not spans:
        return analysis.text  # moves without spans (a transcript scored from its labels): the whole turn
    return " ".join(m.group() for m in _SENTENCE.finditer(analysis.text)
                    if any(start < m.end() and end > m.start() for start, end in spans))


# a close names an extra as part of the deal only with a word that gives it: "shall I send it over with free
# shipping included?"; "are you happy with delivery times?" gives nothing
_GIVES = re.compile(r"\b(?:free|includ\w*|add\w*|throw(?:ing)? in|plus|bundl\w*|on us|at no (?:extra )?cost|"
                    r"complimentary|waive\w*)\b|\+", re.I)


def react(persona: Persona, params: Parameters, state: CustomerState, analysis: Analysis) -> Reaction:
    """The customer's response to one trainee turn."""
    reaction = _react(persona, params, state, analysis)
    return replace(reaction, state=replace(reaction.state, last_lines=reaction.lines,
                                           heard=remember(reaction.state.heard, reaction.lines)))


def _react(persona: Persona, params: Parameters, state: CustomerState, analysis: Analysis) -> Reaction:
    if state.finished:
        return Reaction(state, (), ("already_finished",))
    if state.agreed:
        return _wrap_up(persona, state, analysis)
    moves = set(analysis.moves)
    s = replace(state, turn=state.turn + 1, move_counts=_bump(state.move_counts, analysis.moves),
                last_moves=tuple(analysis.moves))
    said = _said_key(analysis.text)
    if said is not None and said in state.said and not moves & {"pressure", "hold_position"}:
        # the same message again, word for word: nothing new to react to, and it tries the customer's patience
        s = replace(s, patience=s.patience - 1)
        if s.patience <= 0:
            s = replace(s, outcome="walked_away")
            return Reaction(s, (_line(persona, s, persona.lines.walk_away, "walk"),), ("repeated", "walked_away"))
        return Reaction(s, (_line(persona, s, persona.lines.repeated, "repeated"),), ("repeated",))
    if said is not None:
        s = replace(s, said=s.said + (said,))
    events: List[str] = []
    lines: List[str] = []

    # rapport: real but wearing thin when nothing else comes with it
    rapport_only = bool(moves & set(RAPPORT_GAIN)) and not moves & SUBSTANCE
    streak = s.rapport_streak + 1 if rapport_only else 0
    s = replace(s, rapport_streak=streak)
    if rapport_only and streak >= 3:
        s = replace(s, patience=s.patience - 1)
        events.append("sympathy_fatigue")
        lines.append(_line(persona, s, persona.lines.sympathy_fatigue, "fatigue"))
    else:
        for move, gain in RAPPORT_GAIN.items():
            if move in moves:
                s = replace(s, trust=s.trust + gain / s.count(move))  # 1st full, 2nd half, 3rd a third
    if "greeting" in moves and s.count("greeting") == 1:
        s = replace(s, trust=s.trust + 2)
    if "rationale" in moves:
        s = replace(s, trust=s.trust + 6 / s.count("rationale"))
    if "open_question" in moves:
        s = replace(s, trust=s.trust + 3)
    if "summary" in moves and s.revealed:
        s = replace(s, trust=s.trust + 4)
    if "conditional_trade" in moves:
        s = replace(s, trust=s.trust + 3)
    if "closed_question" in moves and not moves & {"open_question", "summary"}:
        s = replace(s, patience=s.patience - 0.5)
    if "hold_position" in moves:
        s = replace(s, trust=s.trust - 8, patience=s.patience - 1)
        events.append("held_position")
    if "pressure" in moves:
        s = replace(s, trust=s.trust - MISSTEP_TRUST, patience=s.patience - MISSTEP_PATIENCE)
        events.append("pressured")
    if moves == {"other"}:
        s = replace(s, patience=s.patience - 0.5)

    # needs met by what the rep offers or does
    # an extra named in an offer is part of it: "how does $33 sound, with the WhatsApp add-on free?"
    offering = offer_sentences(analysis)
    extras = mentioned_extras(persona, offering) \
        if moves & {"value_add", "conditional_trade", "concession"} or "close" in moves and \
        _GIVES.search(offering) else ()
    added = tuple(e for e in dict.fromkeys(extras) if e not in s.extras)
    if added:  # put on the table this turn, however it was phrased ("fuel module thrown in")
        events.append("extras:" + ",".join(added))
    s = replace(s, extras=tuple(dict.fromkeys(s.extras + extras)))
    for interest in persona.interests:
        if interest.id in s.satisfied:
            continue
        hit = set(extras) & set(interest.satisfied_by) or (
            interest.id in s.revealed and moves & set(interest.satisfied_by) - {"concession"})
        if hit:
            s = replace(s, satisfied=s.satisfied + (interest.id,),
                        trust=s.trust + (8 if interest.id in s.revealed else 3))
            events.append(f"satisfied:{interest.id}")

    # interests come out when asked (or when rapport lets the customer say them)
    reveal_line = None
    candidates = [i for i in persona.interests
                  if i.id not in s.revealed and moves & {m.value for m in i.revealed_by}]
    aim, target = _aimed_at(persona, analysis, candidates)
    taught = _teaching_fact(persona, s, analysis)
    if taught is not None:
        events.append("fact_told")
    if taught is not None and aim != "this":
        # "what does RelayDesk charge after the first year?": a fact the briefing expects the rep to learn is
        # told when asked, open question or not, instead of a need the question did not ask about
        candidates = []
    ready = [i for i in candidates if s.trust >= i.min_trust]
    if aim == "off" or "closed_question" in moves and not moves & SUBSTANCE and small_talk_question(persona, analysis):
        events.append("off_topic")  # "how was your weekend?": friendly, but it asks about nothing in the deal
    elif target is not None and target not in ready:
        pass  # asked about a need the customer isn't ready to talk about yet: they don't offer another one
    elif ready:
        interest = target or ready[0]
        s = replace(s, revealed=s.revealed + (interest.id,))
        events.append(f"revealed:{interest.id}")
        reveal_line = _line(persona, s, interest.reveal, f"reveal:{interest.id}")

    s = replace(s, trust=max(0.0, min(100.0, s.trust)))
    offer = offered_price(analysis, persona.briefing.list_price)
    if offer is None and "concession" in moves and s.counter is not None and analysis.has(Signal.split_difference):
        # "let's meet in the middle": halfway between the rep's last price and the customer's counter
        list_price = persona.briefing.list_price
        middle = ((s.offers[-1] if s.offers else list_price) + s.counter) / 2
        offer = round(middle, 2) if list_price < 100 else _nice(middle, _step(list_price) / 2)
    if offer is None and s.counter is not None and analysis.has(Signal.agrees) and \
            not analysis.has(Signal.hedged) and not _restates_own(analysis, s) and \
            not moves & {"hold_position", "pressure", "open_question"} and not any(a.offered for a in analysis.amounts):
        # "yes, we can do that" to the customer's "meet me at $22.50": the customer's own number is the offer
        offer = s.counter
        events.append("took_counter")
    offer_line = None
    if offer is None and s.offers and not moves & {"open_question", "closed_question", "summary"}:
        # "thinking again, I need to go back to $25": the list price is no offer, but it is a step back
        back = analysis.has(Signal.steps_back)
        higher = [a.value for a in analysis.amounts if a.kind == "money" and a.role == "price" and
                  (a.offered or back) and min(s.offers) < a.value <= persona.briefing.list_price]
        offer = max(higher) if higher else None
    if offer is not None and s.offers and offer > min(s.offers):
        # asking more than already offered: the customer holds the rep to the better number
        best = min(s.offers)
        s = replace(s, trust=max(0.0, s.trust - 10))
        events.append(f"went_back:{best:g}")
        offer_line = _line(persona, s, persona.lines.went_back, "went_back", price=persona.money(offer),
                           previous=persona.money(best))
    elif offer is not None:
        if s.offers and offer == s.offers[-1]:
            events.append("same_offer")
        if s.best_claim is not None and offer < s.best_claim:
            events.append(f"below_best:{s.best_claim:g}")  # "my best is $24", and then $23
        if analysis.has(Signal.best_claim):
            s = replace(s, best_claim=offer)
        s, offer_line, offer_events = _judge_offer(persona, params, s, offer, moves)
        events.extend(offer_events)
    elif "concession" in moves and not (extras and _names_price(analysis, s, persona)):
        s = replace(s, satisfied=_satisfy_concession(persona, s))
    elif not moves & {"hold_position", "pressure"} and (
            "close" in moves and (s.offers or s.extras) or
            moves & {"value_add", "conditional_trade", "concession"} and extras and _names_price(analysis, s, persona)):
        # "shall I send the contract?" with a price or extras on the table asks for a yes, and so does
        # "I can keep $25 but add free shipping": the customer answers at the price standing now (the
        # last offer, else the list price); no new concession
        standing = s.offers[-1] if s.offers else persona.briefing.list_price
        s, offer_line, offer_events = _judge_offer(persona, params, s, standing, moves)
        events.extend(["standing_offer"] + [e for e in offer_events if not e.startswith("offer:")])

    if s.outcome is None and (s.patience <= 0 or s.trust <= 0):
        s = replace(s, outcome="walked_away")
        events.append("walked_away")
        return Reaction(s, tuple(lines + [_line(persona, s, persona.lines.walk_away, "walk")]), tuple(events), offer)

    if reveal_line and "accepted" not in events:
        lines.append(reveal_line)
    elif reveal_line:  # a grievance is moot once the customer says yes: unsaid, the need was not heard
        unsaid = next(e for e in events if e.startswith("revealed:"))
        events.remove(unsaid)
        s = replace(s, revealed=tuple(r for r in s.revealed if r != unsaid.split(":", 1)[1]))
    if offer_line:
        lines.append(offer_line)
    if taught is not None:
        lines.append(taught)  # after a need the same question brought out ("the terms of their contract?")
    if not lines:
        fact = _answer_fact(persona, s, analysis)
        if fact is not None:
            lines.append(fact)
        elif analysis.primary in {"open_question", "closed_question"} and "off_topic" in events or \
                set(analysis.moves) == {"greeting"} and ("?" in analysis.text or s.count("greeting") > 1):
            # "how's your week going?", or a second hello: a short answer, not the opening greeting again
            lines.append(_line(persona, s, persona.lines.small_talk, "small_talk"))
        elif analysis.primary == "open_question" and len(s.revealed) == len(persona.interests):
            # every need is out: "happy to explain" would promise more than there is
            lines.append(_line(persona, s, persona.lines.all_said, "all_said"))
            events.append("all_said")
        else:
            move = analysis.primary
            lines.append(_line(persona, s, persona.reactions[move][s.mood.value],  # type: ignore[index]
                               f"react:{move}"))
    return Reaction(s, tuple(lines), tuple(events), offer)


# Facts every persona can answer from its briefing, unless its own `facts` say otherwise.
_BRIEFING_FACTS = (
    # {counted}: the briefing's unit ("cartridges", "seats"); a count of anything else is not the volume
    ("volume", ("how many {counted}", "how many {counted_one}", "how many do you", "how much do you order",
                "how much do you buy", "how much do you use", "your volume", "monthly volume", "order volume",
                "quantity", "order size", "how many are you on", "how many have you got"),
     "{volume_answer}"),
    ("previous_price", ("used to pay", "did you pay", "were you paying", "pay before", "paid before",
                        "paying before", "price before", "previous price", "old price", "was the price",
                        "rate before", "previous rate", "old rate", "was the rate", "fee before", "previous fee",
                        "old fee", "used to be", "before the increase", "before the change", "before the rise"),
     "{previous_price} a {unit}, until this change."),
    # asked for their number, a customer anchors on what they used to pay; they never name their real limit
    ("previous_price", ("what number", "what figure", "what price would", "what price do you", "feel fair",
                        "seem fair", "would be fair", "number in mind", "price in mind", "figure in mind"),
     "Honestly? Something a lot nearer the {previous_price} I was paying."),
)
# "is it the price or the delivery?": a short answer that fits either half, not a bare yes or no
_EITHER_OR_ANSWERS = ("A bit of both, honestly.", "Both, if I'm honest.", "Honestly, a bit of each.")


def _restates_own(analysis: Analysis, s: CustomerState) -> bool:
    """'done. 27, 3 yrs' after the customer countered 25.50: the rep's own number again, not theirs."""
    said = set(analysis.numbers)
    return bool(said & set(s.offers)) and s.counter not in said


_SMALL_MOVES = {"greeting", "empathy", "appreciation", "closed_question", "other"}
# "how long a contract would you consider?" asks what they want, not a fact to look up
_PREFERENCE = re.compile(r"\b(?:would|will) (?:you|suit)\b|\b(?:prefer|want|like|consider|rather|better|best|"
                         r"works? (?:better |best )?for you)\b", re.I)
# "how many trucks are you adding next year?" asks about a change, which today's volume doesn't answer
_CHANGE_WORDS = re.compile(r"\b(?:add|adding|added|new|next|more|extra|grow|growing|growth|expand\w*|will|going to|"
                           r"plan|planning|future|coming)\b")
_WH_START = re.compile(r"^\W*(?:(?:so|and|ok|okay|well|right|just|also|quick question|about|roughly)\W+)*"
                       r"(?:how|what|which|when|where|who|whose)\b", re.I)


def _mentions(question: str, phrases: Sequence[str]) -> bool:
    return any(re.search(r"\b" + re.escape(p.lower()) + r"\b", question) for p in phrases)


def _teaching_fact(persona: Persona, s: CustomerState, analysis: Analysis) -> str | None:
    """The answer to a question about a fact the persona `teaches` (one a criterion depends on), asked as an
    open or a closed question; None when the turn asks for none or also offers something."""
    asked = [d.quote.lower() for d in analysis.detections if d.move in {"open_question", "closed_question"}]
    if not asked or set(analysis.moves) - _SMALL_MOVES - {"open_question", "summary"}:
        return None
    for n, fact in enumerate(persona.facts):
        if fact.teaches and any(_mentions(q, fact.about) for q in asked):
            return _line(persona, s, fact.answer, f"fact:{n}")
    return None


def _answer_fact(persona: Persona, s: CustomerState, analysis: Analysis) -> str | None:
    """A factual question gets a factual answer ("About 150 cartridges a month."), not a yes or a no."""
    asked = [d.quote for d in analysis.detections if d.move == "closed_question"]
    if not asked or set(analysis.moves) - _SMALL_MOVES:
        return None  # "would free delivery help?" offers something: the offer gets the reaction
    b = persona.briefing
    counted, plural, subscription = b.counted
    volume = f"{b.monthly_volume:,} {plural}" if b.monthly_volume else ""
    values = {"unit": b.unit, "product": b.product, "list_price": persona.money(b.list_price),
              "previous_price": persona.money(b.previous_price) if b.previous_price else "", "volume": volume,
              "volume_answer": (f"{b.volume}, at the moment." if subscription else f"About {b.volume}.")
              if volume else ""}
    for question in (q.lower() for q in asked):
        checked = _check_figure(question, persona, values)
        if checked is not None:
            return checked
        for n, fact in enumerate(persona.facts):
            if _mentions(question, fact.about):
                return _line(persona, s, fact.answer, f"fact:{n}", **values)
        for key, phrases, answer in _BRIEFING_FACTS:
            phrases = tuple(p.format(counted=plural, counted_one=counted) for p in phrases)
            if key == "volume" and _CHANGE_WORDS.search(question):
                continue
            if values[key] and _mentions(question, phrases):  # key: the briefing value it needs
                return _fill(answer, persona, s, **values)
    if analysis.primary == "closed_question" and \
            any(_WH_START.match(q) and not _PREFERENCE.search(q) for q in asked):
        return _line(persona, s, persona.lines.unknown_fact, "unknown_fact", **values)
    if analysis.primary == "closed_question" and any(_EITHER_OR.search(q) for q in asked):
        return _line(persona, s, _EITHER_OR_ANSWERS, "either_or")
    return None


# "do you still order 150 a month?", "were you paying $20 before?": a figure put to the customer to confirm
_FIGURE = re.compile(r"(?<![\w.])(?P<cur>[$£€])?\s?(?P<num>\d[\d,]*(?:\.\d+)?)(?!\s?%)(?![\w.])")
_ORDERING = ("order", "orders", "ordering", "buy", "buying", "use", "using", "get through", "go through", "need",
             "are you on", "you on", "still on")
_PER_MONTH = r"(?:a|per|each|every) month|monthly|a mo"
_PREVIOUS_PRICE_WORDS = next(phrases for key, phrases, _answer in _BRIEFING_FACTS if key == "previous_price")


def _check_figure(question: str, persona: Persona, values: dict) -> str | None:
    """A yes or a no that agrees with the briefing, then the real figure: a customer does not let a wrong
    number about their own account pass, nor say "No." to the right one."""
    if _WH_START.match(question):
        return None  # "how many do you order?" asks for the figure; the fact phrases answer it
    b = persona.briefing
    figures = [(bool(m.group("cur")), float(m.group("num").replace(",", ""))) for m in _FIGURE.finditer(question)]
    if not figures:
        return None
    if b.previous_price and _mentions(question, _PREVIOUS_PRICE_WORDS):
        said = figures[0][1]
        yes = abs(said - b.previous_price) < 0.005
        was = f"{values['previous_price']} a {b.unit}, until this change."
        return f"Yes, {was}" if yes else f"No, it was {was}"
    counted, plural, _subscription = b.counted
    # the count of their own unit: "150 a month", "150 cartridges", "30 agents"; not "3 offices"
    count = re.compile(r"(?<![\w.$£€])(\d[\d,]*)\s*(?:" + re.escape(plural.lower()) + "|" + re.escape(counted.lower())
                       + r"\b|" + _PER_MONTH + r"|(?=\s*(?:[?.,!]|$|now\b|still\b|right\b|at the moment\b)))")
    said_count = count.search(question)
    if b.monthly_volume and said_count and _mentions(question, (*_ORDERING, counted, plural)) and \
            not _CHANGE_WORDS.search(question):
        said = float(said_count.group(1).replace(",", ""))
        yes = abs(said - b.monthly_volume) <= 0.1 * b.monthly_volume  # "about 150" covers 140
        return f"Yes, about {b.volume}." if yes else f"No, it's about {b.volume}."
    return None


_EITHER_OR = re.compile(r"\w \bor\b (?!not\b|so\b|anything\b|something\b|what\b|is it\b|no\b)\w", re.I)


def _wrap_up(persona: Persona, state: CustomerState, analysis: Analysis) -> Reaction:
    """The rep's turn after the customer agreed: the customer says goodbye and the session ends.
    The deal stands at the agreed price; anything given now is given away (the evaluator says so)."""
    moves = set(analysis.moves)
    s = replace(state, turn=state.turn + 1, move_counts=_bump(state.move_counts, analysis.moves), wrapped_up=True)
    events = ["wrapped_up"]
    price = persona.money(state.deal_price) if state.deal_price is not None else ""
    # restating the agreed price confirms it; a lower price or a new extra gives more away
    price_now = offered_price(analysis, persona.briefing.list_price)
    agreed = state.deal_price
    named = analysis.prices
    if agreed is not None and ("hold_position" in moves and any(v > agreed for v in named) or
                               analysis.has(Signal.retracts) and ("hold_position" in moves or agreed not in named)):
        # "actually, my manager says it stays at $25": going back on a yes loses the deal
        s = replace(s, outcome="walked_away", deal_price=None, trust=max(0.0, s.trust - 30))
        return Reaction(s, (_line(persona, s, persona.lines.reneged, "reneged", price=price),),
                        tuple(events + ["reneged", "walked_away"]), offer=price_now)
    if price_now is None and agreed is not None and named and agreed not in named and \
            agreed < max(named) <= persona.briefing.list_price:
        price_now = max(named)  # "great, so that's $24 from next order" after a yes at $23 restates it wrongly
    if agreed is not None and price_now is not None and price_now > agreed:
        # a higher figure in the confirmation: the customer holds the rep to the yes and waits for a correction
        s = replace(s, wrapped_up=False, trust=max(0.0, s.trust - 5))
        return Reaction(s, (_line(persona, s, persona.lines.misquoted, "misquoted", price=price,
                                  said=persona.money(price_now)),), ("misquoted",), offer=price_now)
    new_extras = tuple(e for e in mentioned_extras(persona, offer_sentences(analysis)) if e not in state.extras) \
        if moves & {"value_add", "conditional_trade", "concession"} else ()
    lower = price_now is not None and agreed is not None and price_now < agreed
    if lower or new_extras:
        events.append("gave_after_deal")
        s = replace(s, extras=s.extras + new_extras)  # given in writing: part of the deal now
    if lower:  # a lower price in writing is the price now: the customer will hold the company to it
        s = replace(s, deal_price=price_now, offers=s.offers + (price_now,))
    price = persona.money(s.deal_price) if s.deal_price is not None else ""
    if "pressure" in moves:  # the deal stands, but the relationship takes the hit
        s = replace(s, trust=max(0.0, s.trust - 15))
        return Reaction(s, (_line(persona, s, persona.lines.sour_goodbye, "sour_goodbye", price=price),),
                        tuple(events + ["soured"]), offer=price_now)
    return Reaction(s, (_line(persona, s, persona.lines.goodbye, "goodbye", price=price),), tuple(events),
                    offer=price_now)


def _judge_offer(persona: Persona, params: Parameters, s: CustomerState, offer: float,
                 moves: set) -> Tuple[CustomerState, str, List[str]]:
    list_price = persona.briefing.list_price
    previous = s.offers[-1] if s.offers else list_price
    leap = (previous - offer) / list_price >= BIG_STEP - 1e-9
    # a need for money off is met by money off: a yes asked for at the list price meets nothing
    s = replace(s, offers=s.offers + (offer,),
                satisfied=_satisfy_concession(persona, s) if offer < list_price else s.satisfied)
    ceiling = willingness(persona, params, s)
    step = _step(list_price)
    floor = persona.company.floor_price
    values = {"price": persona.money(offer)}
    events = [f"offer:{offer:g}"] + (["leap"] if leap else [])
    unmet = next((i for i in persona.interests if i.required and i.id not in s.satisfied), None)
    if unmet is not None:
        # a required need is not a price: no number gets a yes and none gets a counter (a counter would be a
        # promise the customer could not keep); the customer says what is missing, in words
        s = replace(s, trust=min(100.0, s.trust + 1))
        return s, _line(persona, s, persona.lines.need_unmet or persona.lines.reject, "need_unmet", need=_need(unmet),
                        **values), events + ["need_unmet", f"need_unmet:{unmet.id}"]
    if offer <= ceiling and leap and not s.pushed and offer > floor:
        # giving a lot at once tells the customer there is more room
        counter = _fair_counter(offer - (previous - offer) / 2, step, floor, s.counter)
        if counter < offer:
            s = replace(s, pushed=True, counter=counter)
            return s, _line(persona, s, persona.lines.push_for_more, "push", counter=persona.money(counter),
                            **values), events + ["pushed_for_more"]
    # acknowledgement is counted in turns; a customer who plainly trusts the rep (WARM) needs no more of it
    acknowledged = s.count("empathy") + s.count("appreciation") >= params.empathy_needed or s.trust >= WARM
    ready = s.trust >= params.accept_trust and acknowledged
    # difficulty (issue 4): the customer also needs to have been heard, i.e. to have told the rep at least
    # `explore_needed` hidden interests (0 at 'normal' for the seed personas, +1 on 'hard', see personas.py)
    ready = ready and len(s.revealed) >= params.explore_needed
    generous = offer <= floor  # nobody turns down the company's own loss
    promised = s.counter is not None and offer <= s.counter  # "meet me at $22.50 and we have a deal": kept
    if promised or offer <= ceiling and (ready or generous):
        s = replace(s, outcome="deal", deal_price=offer, trust=min(100.0, s.trust + 5))
        return s, _line(persona, s, persona.lines.accept, "accept", **values), events + ["accepted"]
    if offer <= ceiling:
        s = replace(s, trust=min(100.0, s.trust + 2))
        # what is missing, for the coach (never the price: the customer would take it once ready)
        missing = [f"not_ready:{need}" for need, short in (  # in the order the coach names them
            ("rapport", not acknowledged),
            ("heard", len(s.revealed) < params.explore_needed),
            ("trust", s.trust < params.accept_trust)) if short]
        # the customer's words say the same as the coach: the first thing missing, if the persona has a line
        lines = {"not_ready:rapport": persona.lines.reject_unacknowledged,
                 "not_ready:heard": persona.lines.reject_unheard}.get(missing[0] if missing else "")
        return s, _line(persona, s, lines or persona.lines.reject, "reject", **values), \
            events + ["rejected_low_trust"] + missing
    counter = _fair_counter(min(offer - step, ceiling - step), step, floor, s.counter)
    s = replace(s, counter=counter)
    return s, _line(persona, s, persona.lines.counter, "counter", counter=persona.money(counter),
                    **values), events + ["countered"]


def _fair_counter(wanted: float, step: float, floor: float, earlier: float | None) -> float:
    """A counter the customer can keep: never below the company's floor (a price the rep may not give)
    nor below their own earlier counter (they said that number would do)."""
    counter = max(_nice(wanted, step), floor)
    return max(counter, earlier) if earlier is not None else counter


def _need(interest: Interest) -> str:
    """A need in the customer's words for {need}: its description, without the full stop."""
    return interest.description.rstrip(". ")


def _satisfy_concession(persona: Persona, s: CustomerState) -> Tuple[str, ...]:
    # a cut meets a money need the customer has told; a required one ("the total has to come down") it
    # meets whether or not the rep has heard about it
    met = tuple(i.id for i in persona.interests
                if "concession" in i.satisfied_by and (i.id in s.revealed or i.required) and i.id not in s.satisfied)
    return s.satisfied + met


# Words that say nothing about what a question is about ("what matters most to you?" asks about anything).
_GENERIC = STOP_WORDS | frozenset("""
    what how why when where which who whose whom tell talk help understand explain describe share walk say know
    matter most more important priority priorities concern worry worried need want like look think feel work
    make happen go get see mean thing right best ideal outcome fair good great do does did have has is are was
    were be been being can could would should will shall may might must you your yours yourself me my we our us
    i it its this that these those the a an and or but if so of to in on at for with about from by as into
    there here then than just really very much many some any anything something everything else other again
    now today currently moment time way part side situation business deal change point kind sort bit lot
    happy ok okay sure please thanks thank hi hello dear well also still even ever look real give take keep
""".split())
# Words of any negotiation, on topic whatever the persona (so not 'off topic' when the persona never says them).
_DEAL_WORDS = frozenset("""
    price pricing cost rate fee budget money pay payment spend saving contract term renewal offer discount
    supplier vendor provider service support product order customer client team staff company account plan
    year month quarter annual monthly future next growth volume competitor alternative option switch
    quality relationship experience problem issue decision approve finance manager boss board
""".split())


# Small talk: a question about these, and nothing in the deal, is friendly but explores nothing.
_SMALL_TALK = frozenset("""
    weekend weather lunch dinner breakfast holiday holidays vacation trip game match football soccer cricket
    tennis golf movie film show kids children pet pets dog cat garden hobby hobbies traffic commute
    party birthday christmas easter summer winter sunny rain snow week day morning evening
""".split())


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "ly", "es", "s", "th"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # "planning" -> "plann" -> "plan"
    return word


def _words(text: str) -> frozenset:
    text = re.sub(r"n't\b|['\u2019]\w+", "", text.lower())  # "don't" -> "do", "how's" -> "how"
    return frozenset(_stem(w) for w in re.findall(r"[a-z]{3,}", text) if w not in _GENERIC)


def _aimed_at(persona: Persona, analysis: Analysis, candidates: Sequence[Interest]) -> Tuple[str, Interest | None]:
    """What an open question or summary asks about: one of the needs the customer could tell now
    ("this", that need), the deal in general ("any"), or nothing in the deal at all ("off")."""
    asked = " ".join(d.quote for d in analysis.detections if d.move in {"open_question", "summary"})
    words = _words(asked)
    if not words:
        return "any", None
    own, deal_words = _interest_words(persona)
    # an acknowledgement in the same turn may bring a need out whatever the question is about
    if _is_small_talk(words, deal_words) and not set(analysis.moves) & {"empathy", "appreciation"}:
        return "off", None  # "any plans for the holidays?" is not about planning the budget
    # only a word that belongs to one need alone points at it ("fleet" may be in two; "trucks" in one)
    overlap = [(len(words & own.get(i.id, frozenset())), n) for n, i in enumerate(candidates)]
    best, n = max(overlap, key=lambda o: (o[0], -o[1]), default=(0, -1))  # a tie goes to the earlier need
    if best:
        return "this", candidates[n]
    return "any", None


# words of a deal that small talk uses too: "any plans for the holidays?", "next week"
_WEAK_DEAL_WORDS = frozenset(_stem(w) for w in "plan plans planning week month year next future time".split())


def _is_small_talk(words: frozenset, deal_words: frozenset) -> bool:
    return bool(words & _SMALL_TALK) and not (words - _SMALL_TALK - _WEAK_DEAL_WORDS) & deal_words


def small_talk_question(persona: Persona, analysis: Analysis) -> bool:
    """A closed question about nothing in the deal ("did you catch the game last night?")."""
    asked = " ".join(d.quote for d in analysis.detections if d.move == "closed_question")
    words = _words(asked)
    return bool(words) and _is_small_talk(words, _interest_words(persona)[1])


_TOPICS: Dict[int, Tuple[Persona, Dict[str, frozenset], frozenset]] = {}


def _interest_words(persona: Persona) -> Tuple[Dict[str, frozenset], frozenset]:
    """Per need, the words only that need's description and reveal lines use; and every word of the
    needs, the briefing and any negotiation (worked out once per persona)."""
    known = _TOPICS.get(id(persona))
    if known is None or known[0] is not persona:
        texts = {i.id: _words(i.description + " " + " ".join(i.reveal)) for i in persona.interests}
        # small-talk words never point at a need alone: "how's your week?" is not about "it took weeks"
        chat = frozenset(_stem(w) for w in _SMALL_TALK)
        own = {k: v - chat - frozenset().union(*(w for j, w in texts.items() if j != k)) for k, v in texts.items()}
        deal = frozenset().union(*texts.values(), _words(persona.briefing.json()), {_stem(w) for w in _DEAL_WORDS})
        deal -= _words(persona.name)  # "how's your week, Dana?" is still small talk
        known = _TOPICS[id(persona)] = (persona, own, deal)
    return known[1], known[2]


def _names_price(analysis: Analysis, s: CustomerState, persona: Persona) -> bool:
    """Does the turn name the price already standing ("I can keep $25 but add...")?"""
    standing = s.offers[-1] if s.offers else persona.briefing.list_price
    return any(a.kind == "money" and a.value == standing for a in analysis.amounts)


def _said_key(text: str) -> int | None:
    """A message's words, for noticing a repeat; short replies ("ok", "yes please") may well come twice."""
    words = re.findall(r"\w+", text.lower())
    return zlib.crc32(" ".join(words).encode("utf-8")) if len(words) >= 3 else None


def _bump(counts: Tuple[Tuple[str, int], ...], moves: Sequence[str]) -> Tuple[Tuple[str, int], ...]:
    merged: Dict[str, int] = dict(counts)
    for m in set(moves):
        merged[m] = merged.get(m, 0) + 1
    return tuple(sorted(merged.items()))


def _step(list_price: float) -> float:
    """How customers round prices when they haggle: 50 cents on a $25 cartridge, $10 on a $1,100 room."""
    return 0.5 if list_price < 100 else 5.0 if list_price < 1000 else 10.0


def _nice(value: float, step: float) -> float:
    return round(math.floor(value / step + 0.5) * step, 2)  # halves up, as people round: 1,025 stays 1,025


def _pick(options: Sequence[Line], state: CustomerState, salt: str, persona: Persona | None = None,
          fresh: Callable[[str], bool] = lambda _text: True) -> str:
    """The words of one line: the most specific lines whose `when` fits the customer's state, else the plain
    ones (parley/replies.py); seeded by session and turn, so a replay says the same."""
    situation = Situation.of(state.mood, state.last_moves, state.move_counts, state.revealed, state.satisfied,
                             state.offers, state.pushed, persona.briefing.list_price if persona else None)
    return choose(options, situation, random.Random(f"{state.seed}:{state.turn}:{salt}"), fresh)[0]


def _line(persona: Persona, state: CustomerState, options: Sequence[Line], salt: str, **values: str) -> str:
    # a customer who says the same sentence twice sounds like a machine: pick a line with nothing said before
    # in this session (nor last turn), if there is one
    def fresh(words: str) -> bool:
        filled = _fill(words, persona, state, **values)
        return filled not in state.last_lines and unheard(filled, state.heard)

    line = _fill(_pick(options, state, salt, persona, fresh), persona, state, **values)
    if salt.startswith("fact:") and not fresh(line) and line[:1].isalpha():
        return "As I said, " + (line[0].lower() if line[1:2].islower() else line[0]) + line[1:]  # asked again
    return line


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(line: str, persona: Persona, state: CustomerState, **values: str) -> str:
    b = persona.briefing
    return line.format_map(_Blank(**{"name": persona.name, "currency": b.currency, "unit": b.unit,
                                     "product": b.product, "list_price": persona.money(b.list_price), **values}))


def unreachable_facts(persona: Persona, detect: Callable[[str], Analysis]) -> List[str]:
    """Warnings for facts a criterion depends on (`teaches`) that no example question (`ask`) gets told:
    the report would mark the trainee down for something the customer never says."""
    warnings = []
    params = persona.parameters(persona.default_difficulty)
    for n, fact in enumerate(persona.facts):
        if not fact.teaches:
            continue
        needed = ", ".join(c.value for c in fact.teaches)
        if not fact.ask:
            warnings.append(f"facts[{n}] ({fact.about[0]}): {needed} depends on it, but `ask` gives no example "
                            "question to check that a trainee can reach it")
            continue
        answers = {_fill(a, persona, start(persona, params, persona.default_difficulty, 0)[0]) for a in fact.answer}
        missed = []
        for question in fact.ask:
            state = start(persona, params, persona.default_difficulty, 0)[0]
            reaction = react(persona, params, state, detect(question))
            if not answers & set(reaction.lines):
                missed.append(question)
        if len(missed) == len(fact.ask):
            warnings.append(f"facts[{n}] ({fact.about[0]}): {needed} depends on it, but no question can reach it: "
                            f"none of its {len(fact.ask)} example question(s) is answered with it (add the words "
                            "they use to `about`)")
        for question in missed if len(missed) < len(fact.ask) else ():
            warnings.append(f"facts[{n}] ({fact.about[0]}): the example question \"{question}\" is not answered "
                            "with it")
    for i in persona.interests:
        if i.required and not persona.lines.need_unmet:
            warnings.append(f"interests {i.id}: required, but `lines.need_unmet` is missing, so the customer "
                            "answers an offer before it is met with a generic `reject` line instead of naming it")
    return warnings
