"""The persona engine: how the customer reacts to a trainee turn.

Pure functions from (persona, parameters, state, analysed turn) to a new state and the customer's
lines.  Wording varies with an RNG seeded by the session and turn, so a session replays exactly.

`react` runs one turn through a short pipeline of named steps (`STEPS`), each a function from a
`Turn` to the next `Turn`: the repeat check, rapport, the needs met, the needs brought out and the
facts told, the offer judgement, the outcome (walking away) and the reply.  A step reads the turn's
analysis and the persona's reading of it (parley/reading.py), never the raw words; what happened is
reported as typed events (parley/events.py) for the evaluator.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Sequence, Tuple

from parley.amounts import PRICE_ROLES
from parley.events import Event, EventKind, Events
from parley.listening import SummaryCheck, check_summary, feelings_moves, money_said, non_apology, thinking_noise
from parley.moves import Analysis
from parley.personas import MISSTEP_PATIENCE, MISSTEP_TRUST, Interest, Line, Parameters, Persona
from parley.reading import AnswerKind, FactAnswer, Reading, Topic, fact_key, mentioned_extras, offer_sentences, read  # noqa: F401
from parley.replies import Situation, choose, remember, text, unheard
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
    counter_said: int = 0  # the turn the customer last named their counter: only that counter is taken by a "yes"
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
    told: Tuple[str, ...] = ()  # the facts told so far ("fact:how long", "volume"): asked again, the customer says so
    figures: Tuple[float, ...] = ()  # money figures the customer has said (opening included): a summary may name them
    wrong_summaries: int = 0  # summaries that got the customer wrong (no acknowledgement for those)
    feelings_asked: int = 0  # questions about the customer's feelings so far (asked again, they wear thin)
    counter_extras: Tuple[str, ...] = ()  # the extras on the table when the customer last named their counter

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
    events: Events  # what happened, for scoring: Event(revealed, "cash_flow"), Event(accepted), ...
    offer: float | None = None  # unit price the trainee offered in this turn, if any


def session_seed(session_key: str) -> int:
    return zlib.crc32(session_key.encode("utf-8"))


def start(persona: Persona, params: Parameters, difficulty: str, seed: int) -> Tuple[CustomerState, str]:
    state = CustomerState(persona.id, difficulty, seed, float(params.trust), float(params.patience))
    opening = _fill(_pick(persona.opening, state, "opening"), persona, state)
    return replace(state, figures=money_said(opening)), opening


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
        prices = [a.value for a in amounts if a.role == role and a.kind == "money" and role in PRICE_ROLES
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


# -- one turn, step by step ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Turn:
    """One trainee turn on its way through the engine's steps: what the customer knows, what happened so far
    and what the customer will say. Each step returns a new Turn; `done` ends the pipeline early."""

    persona: Persona
    params: Parameters
    analysis: Analysis
    reading: Reading
    state: CustomerState
    events: Events = ()
    lines: Tuple[str, ...] = ()  # said first (sympathy wearing thin)
    extras: Tuple[str, ...] = ()  # tradables this turn puts on the table (new or not)
    reveal_line: str | None = None  # a need coming out
    taught: str | None = None  # a fact a criterion depends on, told
    offer: float | None = None
    offer_line: str | None = None
    summary: SummaryCheck | None = None  # how the turn's summary compares with what the customer said
    done: bool = False

    @property
    def moves(self) -> frozenset:
        return frozenset(self.analysis.moves)

    @property
    def feelings(self) -> frozenset:
        """The turn's questions and summaries that speak only of how the customer feels ("how does that make you
        feel?", "it sounds like you feel undervalued"): sympathy, not substance."""
        return feelings_moves(self.analysis) & self.moves

    @property
    def non_apology(self) -> bool:
        """"I'm sorry you feel that way": sorry for the customer's reaction, not for anything done."""
        return non_apology(self.analysis)

    @property
    def wrong_summary(self) -> bool:
        return self.summary is not None and self.summary.wrong

    def happened(self, kind: EventKind, detail: object = None, **changes: object) -> Turn:
        """The turn with one more event (and any other fields changed)."""
        return replace(self, events=self.events + (Event.of(kind, detail),), **changes)

    def has(self, kind: EventKind) -> bool:
        return any(e.kind is kind for e in self.events)

    def line(self, options: Sequence[str], salt: str, **values: str) -> str:
        return _line(self.persona, self.state, options, salt, **values)

    def reaction(self, lines: Sequence[str] | None = None) -> Reaction:
        return Reaction(self.state, tuple(self.lines if lines is None else lines), self.events, self.offer)


def react(persona: Persona, params: Parameters, state: CustomerState, analysis: Analysis) -> Reaction:
    """The customer's response to one trainee turn."""
    reaction = _react(persona, params, state, analysis)
    said = tuple(dict.fromkeys(reaction.state.figures + tuple(f for line in reaction.lines for f in money_said(line))))
    return replace(reaction, state=replace(reaction.state, last_lines=reaction.lines, figures=said,
                                           heard=remember(reaction.state.heard, reaction.lines)))


def _react(persona: Persona, params: Parameters, state: CustomerState, analysis: Analysis) -> Reaction:
    if state.finished:
        return Reaction(state, (), (Event(EventKind.already_finished),))
    if state.agreed:
        return _wrap_up(persona, state, analysis)
    t = begin(persona, params, state, analysis)
    for step in STEPS:
        t = step(t)
        if t.done:
            break
    return t.reaction()


def begin(persona: Persona, params: Parameters, state: CustomerState, analysis: Analysis) -> Turn:
    """A new turn: counted, its moves remembered, the persona's reading of it worked out once."""
    s = replace(state, turn=state.turn + 1, move_counts=_bump(state.move_counts, analysis.moves),
                last_moves=tuple(analysis.moves))
    return Turn(persona, params, analysis, read(persona, analysis), s)


def repeat_check(t: Turn) -> Turn:
    """The same message again, word for word: nothing new to react to, and it tries the customer's patience."""
    said, s = t.reading.said_key, t.state
    if said is not None and said in s.said and not t.moves & {"pressure", "hold_position"}:
        s = replace(s, patience=s.patience - 1)
        if s.patience <= 0:
            s = replace(s, outcome="walked_away")
            t = replace(t, state=s, events=(Event(EventKind.repeated), Event(EventKind.walked_away)))
            return replace(t, lines=(t.line(t.persona.lines.walk_away, "walk"),), done=True)
        t = replace(t, state=s, events=(Event(EventKind.repeated),))
        return replace(t, lines=(t.line(t.persona.lines.repeated, "repeated"),), done=True)
    return replace(t, state=replace(s, said=s.said + (said,))) if said is not None else t


def summary_check(t: Turn) -> Turn:
    """A summary compared with what the customer said and keeps to themselves (parley/listening.py): one that
    names a figure the customer never said ("so you want us to match the $41 the other tool quoted?") or says
    the opposite of one of their needs ("so you've decided to move anyway?") is wrong, and the customer will
    correct it (`reply`), not confirm it; it earns no trust and no credit."""
    s = t.state
    check = check_summary(t.persona, t.analysis, s.revealed, s.figures, s.offers)
    if check is None or not check.wrong:
        return replace(t, summary=check)
    what = check.need if check.need is not None else t.persona.money(check.figure or 0)
    return t.happened(EventKind.wrong_summary, what, summary=check,
                      state=replace(s, wrong_summaries=s.wrong_summaries + 1))


def rapport(t: Turn) -> Turn:
    """Trust and patience from the turn's tone: acknowledgement is real but wears thin when nothing else
    comes with it; reasons, questions and trades build trust; holding the line and pressure cost it."""
    moves, s = t.moves, t.state
    # a question about feelings is sympathy too: asked again and again with nothing else, it wears thin
    feelings = t.feelings
    # (an apology for the customer's feelings is no sympathy at all: it gets its own answer, `reply`)
    rapport_only = bool(moves & set(RAPPORT_GAIN) or feelings) and not (moves - feelings) & SUBSTANCE and \
        not t.non_apology
    streak = s.rapport_streak + 1 if rapport_only else 0
    s = replace(s, rapport_streak=streak)
    if rapport_only and streak >= 3:
        s = replace(s, patience=s.patience - 1)
        t = t.happened(EventKind.sympathy_fatigue, state=s)
        t = replace(t, lines=t.lines + (t.line(t.persona.lines.sympathy_fatigue, "fatigue"),))
    else:
        for move, gain in RAPPORT_GAIN.items():
            if move in moves:
                s = replace(s, trust=s.trust + gain / s.count(move))  # 1st full, 2nd half, 3rd a third
        t = replace(t, state=s)
    gains = (("greeting", t.state.count("greeting") == 1, 2),
             ("rationale", True, 6 / max(1, t.state.count("rationale"))),
             # a question about the deal builds trust; small talk ("any plans for the weekend?") does not
             # ...nor does asking how they feel a second time
             ("open_question", t.reading.topic is not Topic.off and not ("open_question" in feelings and
                                                                          t.state.feelings_asked), 3),
             # a summary that gets the customer wrong builds nothing (summary_check)
             ("summary", bool(t.state.revealed) and not t.wrong_summary and "summary" not in feelings, 4),
             ("conditional_trade", True, 3))
    s = replace(t.state, feelings_asked=t.state.feelings_asked + bool(feelings))
    for move, applies, gain in gains:
        if move in moves and applies:
            s = replace(s, trust=s.trust + gain)
    if "closed_question" in moves and not moves & {"open_question", "summary"}:
        s = replace(s, patience=s.patience - 0.5)
    t = replace(t, state=s)
    if "hold_position" in moves:
        t = t.happened(EventKind.held_position, state=replace(s, trust=s.trust - 8, patience=s.patience - 1))
    if "pressure" in moves:
        s = t.state
        t = t.happened(EventKind.pressured, state=replace(s, trust=s.trust - MISSTEP_TRUST,
                                                          patience=s.patience - MISSTEP_PATIENCE))
    if moves == {"other"}:
        t = replace(t, state=replace(t.state, patience=t.state.patience - 0.5))
    return t


def needs_met(t: Turn) -> Turn:
    """Needs met by what the rep offers or does. An extra named in an offer is part of it ("how does $33
    sound, with the WhatsApp add-on free?"), however it was phrased ("fuel module thrown in")."""
    moves, s = t.moves, t.state
    offering = moves & {"value_add", "conditional_trade", "concession"} or "close" in moves and t.reading.gives
    extras = t.reading.offer_extras if offering else ()
    added = tuple(e for e in dict.fromkeys(extras) if e not in s.extras)
    if added:
        t = t.happened(EventKind.extras, added)
    s = replace(s, extras=tuple(dict.fromkeys(s.extras + extras)))
    met: List[str] = []
    for interest in t.persona.interests:
        if interest.id in s.satisfied:
            continue
        hit = set(extras) & set(interest.satisfied_by) or (
            interest.id in s.revealed and moves & set(interest.satisfied_by) - {"concession"})
        if hit:
            s = replace(s, satisfied=s.satisfied + (interest.id,),
                        trust=s.trust + (8 if interest.id in s.revealed else 3))
            met.append(interest.id)
    t = replace(t, state=s, extras=extras)
    for interest_id in met:
        t = t.happened(EventKind.satisfied, interest_id)
    return t


def facts_told(t: Turn) -> Turn:
    """A fact a criterion depends on (`teaches`) is told when asked for, open question or not; asked again,
    the customer says so (`lines.asked_again`) and the rep learns nothing new."""
    n, s = t.reading.teaching_fact, t.state
    if n is None:
        return t
    key, answers = fact_key(t.persona.facts[n].about), t.persona.facts[n].answer
    if key in s.told:
        again = t.line(t.persona.lines.asked_again, "asked_again")
        return t.happened(EventKind.asked_again, key, taught=f"{again} {t.line(answers, f'asked_again:fact:{n}')}")
    return t.happened(EventKind.fact_told, taught=t.line(answers, f"fact:{n}"), state=replace(s, told=s.told + (key,)))


def needs_revealed(t: Turn) -> Turn:
    """Interests come out when asked (or when rapport lets the customer say them); a question that asked for
    a fact gets the fact, not a need it did not ask about; a jab brings out nothing. A question about a need
    already told is answered with that need, not the next one (`told_again`)."""
    s, reading = t.state, t.reading
    if "pressure" in t.moves or t.non_apology or t.has(EventKind.sympathy_fatigue):
        # "why should I care if you leave?" is a jab, not a question, "I'm sorry you feel that way" no apology,
        # and sympathy worn thin brings nothing new out: nobody opens up to them
        return t
    if t.wrong_summary:
        return corrected(t)
    # a question about feelings brings out what the customer feels (needs an acknowledgement brings out), not
    # their business needs
    moves = (t.moves - t.feelings) | {"empathy"} if t.feelings else t.moves
    candidates = [i for i in t.persona.interests
                  if i.id not in s.revealed and moves & {m.value for m in i.revealed_by}]
    # a summary puts what was told back to the customer on purpose: it may bring out the next need instead
    told = [i for i in t.persona.interests if i.id in s.revealed] if "summary" not in t.moves else []
    aim, target = aimed_at(reading, candidates, told)
    named = t.taught is not None or reading.answer is not None and reading.answer.kind in _NAMED
    if named and aim != "this":
        candidates = []  # "what does RelayDesk charge after the first year?": the fact is the answer
    ready = [i for i in candidates if s.trust >= i.min_trust]
    if aim == "off" or "closed_question" in t.moves and not t.moves & SUBSTANCE and reading.small_talk_closed:
        return t.happened(EventKind.off_topic)  # "how was your weekend?": friendly, but asks about nothing in the deal
    if aim == "told" and target is not None and not named:
        return told_again(t, target)
    if target is not None and target not in ready:
        # asked about a need the customer isn't ready to talk about yet: they don't offer another one, and a
        # detail asked by name ("what's your monthly fuel spend?") they don't have to hand
        if reading.names_detail and reading.answer is None:
            return replace(t, reading=replace(reading, answer=FactAnswer(AnswerKind.unknown)))
        return t
    if ready:
        return _told(t, target or ready[0])
    return t


def _told(t: Turn, interest: Interest) -> Turn:
    """A need comes out; what the rep does in the same message may meet it at once ("thanks for eight years
    with us" and the customer's wish to be recognised), as it would a turn later (`needs_met`)."""
    s = t.state
    t = t.happened(EventKind.revealed, interest.id, state=replace(s, revealed=s.revealed + (interest.id,)))
    t = replace(t, reveal_line=t.line(interest.reveal, f"reveal:{interest.id}"))
    if interest.id not in s.satisfied and t.moves & set(interest.satisfied_by) - {"concession"}:
        s = t.state
        t = t.happened(EventKind.satisfied, interest.id,
                       state=replace(s, satisfied=s.satisfied + (interest.id,), trust=s.trust + 8))
    return t


def corrected(t: Turn) -> Turn:
    """A wrong summary: the need it got wrong, in the customer's words: told now if the customer is ready to say
    it (a customer who is told they are leaving says they want to stay), said again if told before. A wrong
    figure alone brings nothing out."""
    check, s = t.summary, t.state
    interest = next((i for i in t.persona.interests if check is not None and i.id == check.need), None)
    if interest is None:
        return t
    if interest.id in s.revealed:
        # in words not said yet if there are some ("Look, I don't want to change suppliers..."), else again
        fresh = [line for line in interest.reveal
                 if all(unheard(words, s.heard) for words in _restated(_fill(text(line), t.persona, s)))]
        if fresh:
            return replace(t, reveal_line=t.line(fresh, f"corrected:{interest.id}"))
        return replace(t, reveal_line=_restated(t.line(interest.reveal, f"corrected:{interest.id}"))[1])
    return _told(t, interest) if s.trust >= interest.min_trust else t


def told_again(t: Turn, interest: Interest) -> Turn:
    """A question about a need the customer already told. A yes-or-no one that puts it back to them ("so it's
    the quarterly budget?") is confirmed, as a summary would be; an open one is a follow-up the first time
    ("As I said, ..." and the need in other words) and, with nothing new left to say, asked again ("You asked
    me that. ..."; `lines.asked_again`, and the evaluator gives the question no credit)."""
    persona, s = t.persona, t.state
    if "open_question" not in t.moves:
        if t.reading.answer is not None or t.moves - _SMALL_TALK_MOVES:
            return t  # "how many people work in your shop?" asks for a fact; "would $23 help?" offers something
        return replace(t, reveal_line=t.line(persona.reactions["summary"][s.mood.value], "confirm"))
    fresh = [line for line in interest.reveal
             if all(unheard(words, s.heard) for words in _restated(_fill(text(line), persona, s)))]
    if fresh:
        return replace(t, reveal_line=_restated(t.line(fresh, f"follow_up:{interest.id}"))[1])
    again = t.line(persona.lines.asked_again, "asked_again")
    t = t.happened(EventKind.asked_again, interest.id)
    return replace(t, reveal_line=f"{again} {t.line(interest.reveal, f'asked_again:{interest.id}')}")


def _restated(line: str) -> Tuple[str, str]:
    """A reveal line as first said and as said again in a follow-up ("As I said, my budget is set...")."""
    return line, "As I said, " + (line[0].lower() if line[1:2].islower() else line[0]) + line[1:]


_NAMED = {AnswerKind.fact, AnswerKind.briefing, AnswerKind.figure}  # answers that name what was asked
_SMALL_TALK_MOVES = {"closed_question", "greeting", "empathy", "appreciation", "other"}
TOLD_WORDS = 2  # a question points back at a need told before only with two of its own words ("cut", "total")


def aimed_at(reading: Reading, candidates: Sequence[Interest],
             told: Sequence[Interest] = ()) -> Tuple[str, Interest | None]:
    """What a question or summary asks about: one of the needs the customer could tell now ("this", that
    need), one they told already ("told", unless the rep asks for something else: "what else matters?"), the
    deal in general ("any"), or nothing in the deal at all ("off")."""
    if reading.topic is Topic.off:
        return "off", None
    # only a word that belongs to one need alone points at it ("fleet" may be in two; "trucks" in one)
    words = dict(reading.need_words)

    def best(needs: Sequence[Interest]) -> Tuple[int, Interest | None]:
        overlap = [(words.get(i.id, 0), n) for n, i in enumerate(needs)]
        most, n = max(overlap, key=lambda o: (o[0], -o[1]), default=(0, -1))  # a tie goes to the earlier need
        return most, needs[n] if most else None

    new, this = best(candidates)
    old, again = best(() if reading.asks_another else told)
    if old >= TOLD_WORDS and old > new:  # "what does the cut mean in practice: ... the yearly total?"
        return "told", again
    return ("this", this) if this is not None else ("any", None)


def offer_judgement(t: Turn) -> Turn:
    """The price the turn offers, if any, and the customer's answer to it: the rep's number, halfway to the
    customer's counter, a yes to that counter, or a step back up (which the customer does not let pass)."""
    t = replace(t, state=replace(t.state, trust=max(0.0, min(100.0, t.state.trust))))
    offer, t = _offer_in(t)
    t = replace(t, offer=offer)
    persona, s, moves = t.persona, t.state, t.moves
    if offer is not None and s.offers and offer > min(s.offers):
        # asking more than already offered: the customer holds the rep to the better number
        best = min(s.offers)
        t = t.happened(EventKind.went_back, best, state=replace(s, trust=max(0.0, s.trust - 10)))
        return replace(t, offer_line=t.line(persona.lines.went_back, "went_back", price=persona.money(offer),
                                            previous=persona.money(best)))
    if offer is not None:
        if s.offers and offer == s.offers[-1]:
            t = t.happened(EventKind.same_offer)
        if s.best_claim is not None and offer < s.best_claim:
            t = t.happened(EventKind.below_best, s.best_claim)  # "my best is $24", and then $23
        if t.analysis.has(Signal.best_claim):
            t = replace(t, state=replace(t.state, best_claim=offer))
        return _judged(t, offer, new_extras=t.has(EventKind.extras))
    names_price = _names_price(t.analysis, s, persona)
    if "concession" in moves and not (t.extras and names_price):
        return replace(t, state=replace(s, satisfied=_satisfy_concession(persona, s)))
    if not moves & {"hold_position", "pressure"} and (
            "close" in moves and (s.offers or s.extras) or
            moves & {"value_add", "conditional_trade", "concession"} and t.extras and names_price):
        # "shall I send the contract?" with a price or extras on the table asks for a yes, and so does
        # "I can keep $25 but add free shipping": the customer answers at the price standing now (the
        # last offer, else the list price); no new concession
        standing = s.offers[-1] if s.offers else persona.briefing.list_price
        judged = _judged(replace(t, events=()), standing, new_extras=t.has(EventKind.extras))
        kept = tuple(e for e in judged.events if e.kind is not EventKind.offer)
        return replace(judged, events=t.events + (Event(EventKind.standing_offer),) + kept)
    return t


def _offer_in(t: Turn) -> Tuple[float | None, Turn]:
    """The unit price this turn puts forward, however it is said."""
    analysis, s, list_price = t.analysis, t.state, t.persona.briefing.list_price
    moves = t.moves
    offer = offered_price(analysis, list_price)
    if offer is None and "concession" in moves and s.counter is not None and analysis.has(Signal.split_difference):
        # "let's meet in the middle": halfway between the rep's last price and the customer's counter
        middle = ((s.offers[-1] if s.offers else list_price) + s.counter) / 2
        offer = round(middle, 2) if list_price < 100 else _nice(middle, _step(list_price) / 2)
    if offer is None and s.counter is not None and s.counter_said == s.turn - 1 and \
            analysis.has(Signal.agrees) and not analysis.has(Signal.hedged) and not _restates_own(analysis, s) and \
            not moves & {"hold_position", "pressure", "open_question"} and not any(a.offered for a in analysis.amounts):
        # "yes, we can do that" to the customer's "meet me at $22.50": the customer's own number is the offer
        # (only a counter of the customer's last reply: a yes three turns later answers something else)
        offer = s.counter
        t = t.happened(EventKind.took_counter)
    if offer is None and s.offers and not moves & {"open_question", "closed_question", "summary"}:
        # "thinking again, I need to go back to $25": the list price is no offer, but it is a step back
        back = analysis.has(Signal.steps_back)
        higher = [a.value for a in analysis.amounts if a.kind == "money" and a.role == "price" and
                  (a.offered or back) and min(s.offers) < a.value <= list_price]
        offer = max(higher) if higher else None
    if offer is None:
        offer = closed_at(analysis, s, list_price)
    return offer, t


def closed_at(analysis: Analysis, s: CustomerState, list_price: float) -> float | None:
    """The price a close names below the one standing: "That's $25.50 a vehicle a month. Shall I draw up the
    contract?" is judged at $25.50, not at the last price or the list price (R1). Any price the rep names that is
    not refused, reported or someone else's counts; a close at the standing price (or none named) is left to
    the standing-offer branch of `offer_judgement`."""
    moves = set(analysis.moves)
    if "close" not in moves or moves & {"hold_position", "pressure"}:
        return None
    standing = s.offers[-1] if s.offers else list_price
    named = [a.value for a in analysis.amounts if a.kind == "money" and a.role == "price" and a.offered is not False
             and 0.3 * list_price <= a.value < standing]
    return round(min(named), 2) if named else None


def _judged(t: Turn, offer: float, new_extras: bool = False) -> Turn:
    s, line, events = _judge_offer(t.persona, t.params, t.state, offer, set(t.moves), new_extras)
    return replace(t, state=s, offer_line=line, events=t.events + tuple(events))


def outcome(t: Turn) -> Turn:
    """Patience or trust run out: the customer walks away, and says so last."""
    s = t.state
    if s.outcome is None and (s.patience <= 0 or s.trust <= 0):
        t = t.happened(EventKind.walked_away, state=replace(s, outcome="walked_away"))
        return replace(t, lines=t.lines + (t.line(t.persona.lines.walk_away, "walk"),), done=True)
    return t


def reply(t: Turn) -> Turn:
    """What the customer says: the need that came out, the answer to the offer, a fact asked for; else an
    answer to the question, small talk, or the persona's reaction to the turn's main move in this mood. A wrong
    summary is corrected first, a non-apology answered first."""
    lines = list(t.lines) + list(_heard_wrong(t))
    if t.reveal_line and not t.has(EventKind.accepted):
        lines.extend(_summary_confirmed(t) + (t.reveal_line,))
    elif t.reveal_line:  # a grievance is moot once the customer says yes: unsaid, the need was not heard
        unsaid = next((e for e in t.events if e.kind is EventKind.revealed), None)  # None: a need told before
        if unsaid is not None:
            # nor met by what came with it (`_told`): a need never said is not one the rep met
            met_as_told = next((e for n, e in enumerate(t.events) if e.kind is EventKind.satisfied and
                                e.detail == unsaid.detail and n > t.events.index(unsaid)), None)
            s = replace(t.state, revealed=tuple(r for r in t.state.revealed if r != unsaid.detail))
            if met_as_told is not None:
                s = replace(s, satisfied=tuple(r for r in s.satisfied if r != unsaid.detail))
            t = replace(t, events=tuple(e for e in t.events if e is not unsaid and e is not met_as_told), state=s)
    if t.offer_line:
        lines.append(t.offer_line)
    if t.taught is not None:
        lines.append(t.taught)  # after a need the same question brought out ("the terms of their contract?")
    if lines:
        return replace(t, lines=tuple(lines))
    fact, key = _answer(t, again=lambda key: key in t.state.told)
    if fact is not None and key and key in t.state.told:
        t = t.happened(EventKind.asked_again, key)
        return replace(t, lines=(f"{t.line(t.persona.lines.asked_again, 'asked_again')} {fact}",))
    if fact is not None:
        told = t.state.told + ((key,) if key else ())
        return replace(t, lines=(fact,), state=replace(t.state, told=told))
    persona, s, analysis = t.persona, t.state, t.analysis
    if analysis.primary in {"open_question", "closed_question"} and t.has(EventKind.off_topic) or \
            set(analysis.moves) == {"greeting"} and (t.reading.asks or s.count("greeting") > 1):
        # "how's your week going?", or a second hello: a short answer, not the opening greeting again
        return replace(t, lines=(t.line(persona.lines.small_talk, "small_talk"),))
    if analysis.primary == "open_question" and len(s.revealed) == len(persona.interests):
        # every need is out: "happy to explain" would promise more than there is
        t = t.happened(EventKind.all_said)
        return replace(t, lines=(t.line(persona.lines.all_said, "all_said"),))
    if set(analysis.moves) == {"other"} and thinking_noise(analysis):
        return replace(t, lines=(t.line(persona.lines.thinking, "thinking"),))  # "hmm 🤔": the customer waits
    # asked how they feel, with nothing new to tell, the customer says how it landed (as to empathy), never
    # "let me explain" about the deal
    move = "empathy" if analysis.primary in t.feelings else analysis.primary
    return replace(t, lines=(t.line(persona.reactions[move][s.mood.value], f"react:{move}"),))  # type: ignore[index]


def _heard_wrong(t: Turn) -> Tuple[str, ...]:
    """What the customer says first when the rep got them wrong: a figure they never said, a summary that says
    the opposite of a need (its correction follows: `corrected`), an apology for their feelings."""
    said: List[str] = []
    if t.summary is not None and t.summary.figure is not None:
        said.append(t.line(t.persona.lines.wrong_figure, "wrong_figure", said=t.persona.money(t.summary.figure)))
    if t.summary is not None and t.summary.need is not None:
        said.append(t.line(t.persona.lines.wrong_summary, "wrong_summary"))
    if t.non_apology and not t.has(EventKind.sympathy_fatigue):
        said.append(t.line(t.persona.lines.non_apology, "non_apology"))
    return tuple(said)


def _summary_confirmed(t: Turn) -> Tuple[str, ...]:
    """A summary of what was told that brings out the next need is confirmed first ("Yes, you've got it.
    Truthfully, I don't want to migrate..."), so the rep hears that the summary landed (W2)."""
    told_before = [i for i in t.state.revealed if not any(e.kind is EventKind.revealed and e.detail == i
                                                          for e in t.events)]
    if "summary" not in t.moves or not told_before or not t.has(EventKind.revealed) or t.wrong_summary:
        return ()
    return (t.line(t.persona.reactions["summary"][t.state.mood.value], "react:summary"),)  # type: ignore[index]


STEPS: Tuple[Callable[[Turn], Turn], ...] = (repeat_check, summary_check, rapport, needs_met, facts_told,
                                              needs_revealed, offer_judgement, outcome, reply)



def _answer(t: Turn, again: Callable[[str], bool]) -> Tuple[str | None, str]:
    """A factual question gets a factual answer ("About 150 cartridges a month."), not a yes or a no; with
    it, what the answer is about ("fact:2", "volume"; "" for a "not sure" or an either-or)."""
    answer, persona, s, values = t.reading.answer, t.persona, t.state, t.reading.values
    if answer is None:
        return None, ""
    if answer.kind is AnswerKind.figure:
        return answer.text, answer.key
    if answer.kind is AnswerKind.fact and answer.fact is not None:
        # asked again, the customer says so first (`asked_again`), so the answer itself is said plainly
        salt = f"asked_again:fact:{answer.fact}" if again(answer.key) else f"fact:{answer.fact}"
        return _line(persona, s, persona.facts[answer.fact].answer, salt, **values), answer.key
    if answer.kind is AnswerKind.briefing:
        return _fill(answer.text, persona, s, **values), answer.key
    if answer.kind is AnswerKind.unknown:
        return _line(persona, s, persona.lines.unknown_fact, "unknown_fact", **values), ""
    if answer.kind is AnswerKind.private:
        return _line(persona, s, persona.lines.private_detail or persona.lines.unknown_fact, "private_detail",
                     **values), ""
    return _line(persona, s, persona.lines.either_or, "either_or"), ""  # "is it the price or the delivery?"


def _restates_own(analysis: Analysis, s: CustomerState) -> bool:
    """'done. 27, 3 yrs' after the customer countered 25.50: the rep's own number again, not theirs."""
    said = set(analysis.numbers)
    return bool(said & set(s.offers)) and s.counter not in said


def _wrap_up(persona: Persona, state: CustomerState, analysis: Analysis) -> Reaction:
    """The rep's turn after the customer agreed: the customer says goodbye and the session ends.
    The deal stands at the agreed price; anything given now is given away (the evaluator says so)."""
    moves = set(analysis.moves)
    s = replace(state, turn=state.turn + 1, move_counts=_bump(state.move_counts, analysis.moves), wrapped_up=True)
    events: List[Event] = [Event(EventKind.wrapped_up)]
    price = persona.money(state.deal_price) if state.deal_price is not None else ""
    # restating the agreed price confirms it; a lower price or a new extra gives more away
    price_now = offered_price(analysis, persona.briefing.list_price)
    if price_now is None:  # "That's $25.50 a vehicle. I'll send the contract." after a yes at $27 names $25.50
        price_now = closed_at(analysis, state, persona.briefing.list_price)
    agreed = state.deal_price
    named = analysis.prices
    if agreed is not None and ("hold_position" in moves and any(v > agreed for v in named) or
                               analysis.has(Signal.retracts) and ("hold_position" in moves or agreed not in named)):
        # "actually, my manager says it stays at $25": going back on a yes loses the deal
        s = replace(s, outcome="walked_away", deal_price=None, trust=max(0.0, s.trust - 30))
        return Reaction(s, (_line(persona, s, persona.lines.reneged, "reneged", price=price),),
                        tuple(events + [Event(EventKind.reneged), Event(EventKind.walked_away)]), offer=price_now)
    if price_now is None and agreed is not None and named and agreed not in named and \
            agreed < max(named) <= persona.briefing.list_price:
        price_now = max(named)  # "great, so that's $24 from next order" after a yes at $23 restates it wrongly
    if agreed is not None and price_now is not None and price_now > agreed:
        # a higher figure in the confirmation: the customer holds the rep to the yes and waits for a correction
        s = replace(s, wrapped_up=False, trust=max(0.0, s.trust - 5))
        return Reaction(s, (_line(persona, s, persona.lines.misquoted, "misquoted", price=price,
                                  said=persona.money(price_now)),), (Event(EventKind.misquoted),),
                        offer=price_now)
    new_extras = tuple(e for e in read(persona, analysis).offer_extras if e not in state.extras) \
        if moves & {"value_add", "conditional_trade", "concession"} else ()
    lower = price_now is not None and agreed is not None and price_now < agreed
    if lower or new_extras:
        events.append(Event(EventKind.gave_after_deal))
        s = replace(s, extras=s.extras + new_extras)  # given in writing: part of the deal now
    if lower:  # a lower price in writing is the price now: the customer will hold the company to it
        s = replace(s, deal_price=price_now, offers=s.offers + (price_now,))
    price = persona.money(s.deal_price) if s.deal_price is not None else ""
    if "pressure" in moves:  # the deal stands, but the relationship takes the hit
        s = replace(s, trust=max(0.0, s.trust - 15))
        return Reaction(s, (_line(persona, s, persona.lines.sour_goodbye, "sour_goodbye", price=price),),
                        tuple(events + [Event(EventKind.soured)]), offer=price_now)
    return Reaction(s, (_line(persona, s, persona.lines.goodbye, "goodbye", price=price),), tuple(events),
                    offer=price_now)


def _judge_offer(persona: Persona, params: Parameters, s: CustomerState, offer: float,
                 moves: set, new_extras: bool = False) -> Tuple[CustomerState, str, List[Event]]:
    list_price = persona.briefing.list_price
    previous = s.offers[-1] if s.offers else list_price
    first = not s.offers  # the rep's first price: nothing has come down yet, so nothing is "closer"
    # the same offer again: nothing moved since the customer named their number (extras given since count)
    still = not first and offer == previous and not new_extras and \
        (s.counter is None or set(s.extras) <= set(s.counter_extras))
    leap = (previous - offer) / list_price >= BIG_STEP - 1e-9
    # a need for money off is met by money off: a yes asked for at the list price meets nothing
    s = replace(s, offers=s.offers + (offer,),
                satisfied=_satisfy_concession(persona, s) if offer < list_price else s.satisfied)
    ceiling = willingness(persona, params, s)
    step = _step(list_price)
    floor = persona.company.floor_price
    values = {"price": persona.money(offer)}
    events = [Event(EventKind.offer, offer)] + ([Event(EventKind.leap)] if leap else [])
    unmet = next((i for i in persona.interests if i.required and i.id not in s.satisfied), None)
    if unmet is not None:
        # a required need is not a price: no number gets a yes and none gets a counter (a counter would be a
        # promise the customer could not keep); the customer says what is missing, in words
        s = replace(s, trust=min(100.0, s.trust + 1))
        return s, _line(persona, s, persona.lines.need_unmet or persona.lines.reject, "need_unmet", need=_need(unmet),
                        **values), events + [Event(EventKind.need_unmet, unmet.id)]
    if offer <= ceiling and leap and not s.pushed:
        # giving a lot at once tells the customer there is more room, even at the company's floor, which the
        # customer does not know (DESIGN.md: conceding fast invites pushing); once per session, and a rep who
        # holds at a price at or below the floor then gets a yes
        counter = _push_counter(offer, previous, step, floor, s.counter)
        if counter < offer:
            s = replace(s, pushed=True, counter=counter, counter_said=s.turn, counter_extras=s.extras)
            return s, _line(persona, s, persona.lines.push_for_more, "push", counter=persona.money(counter),
                            **values), events + [Event(EventKind.pushed_for_more)]
    acknowledged = _acknowledged(persona, params, s)
    ready = s.trust >= params.accept_trust and acknowledged
    # difficulty (issue 4): the customer also needs to have been heard, i.e. to have told the rep at least
    # `explore_needed` hidden interests (0 at 'normal' for the seed personas, +1 on 'hard', see personas.py)
    ready = ready and len(s.revealed) >= params.explore_needed
    generous = offer <= floor  # nobody turns down the company's own loss
    promised = s.counter is not None and offer <= s.counter  # "meet me at $22.50 and we have a deal": kept
    if promised or offer <= ceiling and (ready or generous):
        s = replace(s, outcome="deal", deal_price=offer, trust=min(100.0, s.trust + 5))
        return s, _line(persona, s, persona.lines.accept, "accept", **values), events + [Event(EventKind.accepted)]
    if offer <= ceiling:
        s = replace(s, trust=min(100.0, s.trust + 2))
        # what is missing, for the coach (never the price: the customer would take it once ready)
        missing = [need for need, short in (  # in the order the coach names them
            ("rapport", not acknowledged),
            ("heard", len(s.revealed) < params.explore_needed),
            ("trust", s.trust < params.accept_trust)) if short]
        # the customer's words say the same as the coach: the first thing missing, if the persona has a line
        lines = {"rapport": persona.lines.reject_unacknowledged,
                 "heard": persona.lines.reject_unheard}.get(missing[0] if missing else "")
        return s, _line(persona, s, lines or persona.lines.reject, "reject", **values), \
            events + [Event(EventKind.rejected_low_trust)] + [Event(EventKind.not_ready, n) for n in missing]
    if still and s.counter is not None:
        # nothing moved since the customer named their number: they say it again, and bid no higher against
        # themselves (a counter rises only in answer to the rep moving; docs/playtest.md)
        s = replace(s, counter_said=s.turn, counter_extras=s.extras)
        return s, _line(persona, s, persona.lines.same_offer, "same_offer", counter=persona.money(s.counter),
                        **values), events + [Event(EventKind.countered)]
    counter = _fair_counter(min(offer - step, ceiling - step), step, floor, s.counter)
    s = replace(s, counter=counter, counter_said=s.turn, counter_extras=s.extras)
    # the first counter answers a price that has not come down yet: its lines say nothing about "closer"
    pool = persona.lines.counter_first if first or still else persona.lines.counter
    return s, _line(persona, s, pool, "counter", counter=persona.money(counter), **values), \
        events + [Event(EventKind.countered)]


def _acknowledged(persona: Persona, params: Parameters, s: CustomerState) -> bool:
    """Has the customer been acknowledged enough to say yes (`empathy_needed`)? Counted in turns of empathy or
    appreciation; once there is at least one, an accurate summary of what the customer told (a summary once
    something is out) counts as one more, and so does meeting every need the customer told, at least one of
    them with more than money off (a rep who did that has shown they understood). They top acknowledgement
    up, never replace it. A customer who plainly trusts the rep (WARM) needs no more of it."""
    if s.trust >= WARM:
        return True
    said = s.count("empathy") + s.count("appreciation")
    if said == 0:
        return params.empathy_needed <= 0
    told = [i for i in persona.interests if i.id in s.revealed]
    understood = bool(told) and all(i.id in s.satisfied for i in told) and \
        any(set(i.satisfied_by) - {"concession"} for i in told)
    summed_up = s.revealed and s.count("summary") > s.wrong_summaries  # a wrong summary shows no understanding
    return said + (1 if summed_up else 0) + (1 if understood else 0) >= params.empathy_needed


def _push_counter(offer: float, previous: float, step: float, floor: float, earlier: float | None) -> float:
    """After a big drop, "if you can do $22, why not $20?": half the drop again. Above the floor the push never
    asks below it (the usual fair counter); a rep already at or below the floor gets pushed below it, as a
    customer who does not know the floor would, and a yes once they hold."""
    wanted = offer - (previous - offer) / 2
    if offer > floor:
        return _fair_counter(wanted, step, floor, earlier)
    return _nice(wanted, step)


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



def _names_price(analysis: Analysis, s: CustomerState, persona: Persona) -> bool:
    """Does the turn name the price already standing ("I can keep $25 but add...")?"""
    standing = s.offers[-1] if s.offers else persona.briefing.list_price
    return any(a.kind == "money" and a.value == standing for a in analysis.amounts)



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
        return _restated(line)[1]  # asked again
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
