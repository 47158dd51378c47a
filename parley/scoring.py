"""The evaluator: points and feedback for each trainee turn, and the seven criteria for a session.

Every point given or taken is a Note that quotes the trainee's own words and says what would have
been better, so the score is never a hidden rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, Iterable, Iterator, List, Sequence, Tuple

from parley.engine import HOSTILE_BELOW, CustomerState, Reaction, _step, willingness
from parley.events import Detail, Event, EventKind, Events, load
from parley.moves import Analysis
from parley.personas import Persona
from parley.reading import mentioned_extras
from parley.rubrics import Rubric
from parley.signals import Signal
from parley.wording import Word

CRITERIA: Dict[str, str] = {
    "rapport": "Rapport & empathy",
    "exploration": "Interest exploration",
    "value_creation": "Value creation",
    "concession_discipline": "Concession discipline",
    "transparency": "Transparency",
    "collaborative_tone": "Collaborative tone",
    "closing": "Closing",
}


@dataclass(frozen=True)
class Note:
    criterion: str
    points: int
    quote: str
    message: str
    better: str = ""
    heads_up: bool = False  # about the customer's move, for the trainee's next turn: the live tip shows it
    kind: str = ""  # what went wrong, for the plan's better line (rubrics.MOMENTS), e.g. "gift", "caved"

    def __str__(self) -> str:
        quote = f"\u201c{_short(self.quote)}\u201d: " if self.quote else ""
        better = f" Better: {self.better}" if self.better else ""
        return f"{quote}{self.message}{better}"


@dataclass(frozen=True)
class TurnScore:
    index: int
    text: str
    moves: Tuple[str, ...]
    points: int
    notes: Tuple[Note, ...]
    events: Events = ()
    offer: float | None = None
    spans: Dict[str, List[str]] = field(default_factory=dict)

    @property
    def put_options(self) -> bool:
        """The turn put a non-price option on the table, however it was worded ("fuel module thrown in")."""
        return "value_add" in self.moves or _has(self.events, EventKind.extras)

    @property
    def feedback(self) -> str:
        return " ".join(str(n) for n in self.notes) or "This turn did not move the negotiation either way."

    @property
    def tip(self) -> str:
        """The one thing to take from this turn: the costliest mistake, else what the customer's answer
        means for the next turn, else the best move."""
        worst = min(self.notes, key=lambda n: n.points, default=None)
        heads_up = next((n for n in self.notes if n.heads_up), None)
        # what the customer's answer means for the next turn outweighs a one-point slip in this one
        if worst and worst.points < (-1 if heads_up else 0):
            return worst.better or worst.message
        if heads_up:
            return f"{heads_up.message} {heads_up.better}".strip()
        best = max(self.notes, key=lambda n: n.points, default=None)
        if best is None:
            return "Try an open question to learn what the customer needs."
        return f"Good: {best.message}" if best.points > 0 else (best.better or best.message)

    def to_dict(self) -> dict:
        return {"index": self.index, "text": self.text, "moves": list(self.moves), "points": self.points,
                "feedback": self.feedback, "tip": self.tip, "events": [e.to_json() for e in self.events],
                "offer": self.offer,
                "spans": self.spans, "notes": [n.__dict__ for n in self.notes]}

    @classmethod
    def from_dict(cls, data: dict) -> TurnScore:
        return cls(data["index"], data["text"], tuple(data["moves"]), data["points"],
                   tuple(Note(**n) for n in data["notes"]), load(data.get("events", ())), data.get("offer"),
                   data.get("spans", {}))


# -- the events the engine reports for a turn ---------------------------------------------------------
# The engine reports what a turn did as strings ("went_back:25", "revealed:cash_flow", "took_counter");
# every read of one goes through these three helpers, so switching to typed events is one change here.

def _has(events: Iterable[Event], kind: EventKind) -> bool:
    """Whether the engine reported this kind of event."""
    return any(e.kind is kind for e in events)


def _event_details(events: Iterable[Event], kind: EventKind) -> List[Detail]:
    """The details of every event of a kind, in order ("revealed": the interest ids)."""
    return [e.detail for e in events if e.kind is kind and e.detail is not None]


def _event_detail(events: Iterable[Event], kind: EventKind) -> Detail:
    """The detail of the first event of a kind ("went_back": the better price offered before), or None."""
    return next(iter(_event_details(events, kind)), None)


@dataclass(frozen=True)
class Turn:
    """One trainee turn as the evaluator sees it: the customer, their state before it, what the detector read
    and how the engine reacted."""

    persona: Persona
    before: CustomerState
    analysis: Analysis
    reaction: Reaction

    @property
    def moves(self) -> FrozenSet[str]:
        return frozenset(self.analysis.moves)

    @property
    def events(self) -> Events:
        return tuple(self.reaction.events)

    def has(self, kind: EventKind) -> bool:
        return _has(self.reaction.events, kind)

    def detail(self, kind: EventKind) -> Detail:
        return _event_detail(self.reaction.events, kind)

    def details(self, kind: EventKind) -> List[Detail]:
        return _event_details(self.reaction.events, kind)

    def quote(self, move: str) -> str:
        """The clearest evidence of a move: a matched phrase before the classifier's guess ("Take it or
        leave it."), else the whole turn."""
        found = sorted((d for d in self.analysis.detections if d.move == move),
                       key=lambda d: (d.source != "pattern", -d.score))
        return found[0].quote if found else self.analysis.text

    def credit(self, criterion: str, points: int, move: str, message: str, better: str = "") -> Note:
        """A note quoting the words of `move`."""
        return Note(criterion, points, self.quote(move), message, better)


def assess_turn(persona: Persona, before: CustomerState, analysis: Analysis, reaction: Reaction) -> TurnScore:
    """Points and feedback for one trainee turn: one named step per concern, in the order the notes read."""
    turn = Turn(persona, before, analysis, reaction)
    if turn.has(EventKind.repeated):
        return _turn_score(turn, _repeat_notes(turn))
    if before.agreed:
        return _turn_score(turn, _wrap_up_notes(turn))
    steps: Tuple[Callable[[Turn], List[Note]], ...] = (
        _empty_notes, _rapport_notes, _exploration_notes, _reason_notes, _value_notes, _offer_notes, _tone_notes,
        _closing_notes, _heads_up_notes)
    return _turn_score(turn, [n for step in steps for n in step(turn)])


def _repeat_notes(turn: Turn) -> List[Note]:
    """The same message as before, word for word: it ignores the customer's answer, so it costs collaborative tone
    (as restating a position does) and earns nothing for what it says again (docs/scoring.md, "Decisions")."""
    return [Note("collaborative_tone", -1, turn.analysis.text, "the same message as before, word for word: the "
                 "customer heard nothing new, and their answer went unheard.", "build on the last answer: a "
                 "follow-up question, a summary or an option.", kind="repeated")]


def _empty_notes(turn: Turn) -> List[Note]:
    """A message with nothing in it the customer can take up ("lkjhlkjh", ":)"): no move read, no offer. It costs
    this turn a point (the live tip says so), no criterion: "ok" looks the same to the detector."""
    if set(turn.moves) - {"other"} or turn.reaction.offer is not None or turn.events:
        return []
    return [Note("collaborative_tone", -1, turn.analysis.text, f"nothing here {turn.persona.name} could answer or "
                 "take up: the turn is lost.", "every message should move the negotiation: a question, a summary, "
                 "a reason or an option.", kind="empty")]


def _rapport_notes(turn: Turn) -> List[Note]:
    """A friendly opening; acknowledgement and thanks the first time; sympathy with nothing behind it."""
    moves, before, notes = turn.moves, turn.before, []
    if "greeting" in moves and before.count("greeting") == 0 and before.turn == 0:
        notes.append(turn.credit("rapport", 1, "greeting", "a friendly opening sets a calm tone."))
    if turn.has(EventKind.sympathy_fatigue):
        notes.append(Note("rapport", -1, turn.quote("empathy"), "sympathy with nothing behind it started to wear "
                          "thin.", "pair the acknowledgement with a question or a concrete option.",
                          kind="sympathy_only"))
        return notes
    for move, what in (("empathy", "acknowledged how the customer feels"),
                       ("appreciation", "thanked the customer for the relationship")):
        if move in moves and before.count(move) == 0:
            notes.append(turn.credit("rapport", 2, move, f"{what}; that lowers the temperature."))
        elif move in moves and not moves - {"empathy", "appreciation", "greeting"}:
            notes.append(turn.credit("rapport", 0, move, "repeated reassurance with no substance earns no more "
                                     "credit.", "move the conversation on with an open question or an option."))
    return notes


def _exploration_notes(turn: Turn) -> List[Note]:
    """Open questions (on the deal, or once all is said), summaries, facts asked for, closed questions in a row."""
    persona, moves, before, notes = turn.persona, turn.moves, turn.before, []
    if "open_question" in moves and turn.has(EventKind.off_topic):
        notes.append(turn.credit("exploration", 1, "open_question", "a friendly question, but about nothing in the "
                                 "deal: it builds rapport, not understanding.", "ask what the change means for "
                                 "them, or what matters most now."))
    elif "open_question" in moves and turn.has(EventKind.asked_again):
        notes.append(turn.credit("exploration", 0, "open_question", f"{persona.name} had already told you that.",
                                 "build on the answer: ask what it means for them, or propose an option that uses "
                                 "it."))
    elif "open_question" in moves and turn.has(EventKind.all_said):
        notes.append(turn.credit("exploration", 1, "open_question", f"{persona.name} has already told you "
                                 "everything that matters.", "sum up the needs you heard and propose an option "
                                 "that meets them."))
    elif "open_question" in moves:
        revealed = turn.details(EventKind.revealed)
        found = next((i.description for i in persona.interests if i.id in revealed), None)
        what = f" that brought out a hidden need: {found.rstrip('.')}" if found else " invites the customer to explain"
        notes.append(turn.credit("exploration", 3, "open_question", f"an open question{what}."))
    if "summary" in moves and turn.has(EventKind.wrong_summary):
        notes.append(Note("exploration", 0, turn.quote("summary"), f"your summary put words in {persona.name}'s "
                          "mouth (a figure never said, or the opposite of what matters to them), so it shows no "
                          "understanding.", "sum up only what the customer told you, in their words, and ask if "
                          "you got it right.", kind="wrong_summary"))
    elif "summary" in moves:
        notes.append(turn.credit("exploration", 2, "summary", "checking your understanding shows you listened."))
    if turn.has(EventKind.fact_told):
        asked_for = "open_question" if "open_question" in moves else "closed_question"
        notes.append(Note("exploration", 2, turn.quote(asked_for), f"you asked for a fact that matters here, and "
                          f"{persona.name} told you: use it to compare the whole deal."))
    if "closed_question" in moves and "open_question" not in moves and before.count("closed_question") >= 1 \
            and before.count("open_question") == 0:
        notes.append(Note("exploration", -1, turn.quote("closed_question"), "another closed question: it gets a "
                          "short answer and little else.", "ask an open question ('what matters most to you?', "
                          "'how does this affect you?') so the customer tells you what matters.",
                          kind="closed_questions"))
    return notes


def _reason_notes(turn: Turn) -> List[Note]:
    """Reasons and numbers behind the trainee's position; a bare claim ("We're the market leader") is not one."""
    if "rationale" not in turn.moves:
        return []
    if _bare_claim(turn):
        return [Note("transparency", 0, turn.quote("rationale"), f"a claim, not a reason: it tells {turn.persona.name} "
                     "neither why the price is what it is nor what it is worth to them.", "give the reason and the "
                     "number behind it: what changed, what it costs, what it saves them.", kind="claim")]
    return [turn.credit("transparency", 2, "rationale", "you explained the reasons and numbers behind your position.")]


def _bare_claim(turn: Turn) -> bool:
    """A reason only the classifier guessed from the sentence's tone, with no reason phrase ("because", "costs
    went up", "which is why"), no figure and no offer: a claim about the company, not a reason for a price."""
    found = [d for d in turn.analysis.detections if d.move == "rationale"]
    return bool(found) and all(d.source == "model" for d in found) and not turn.analysis.amounts \
        and turn.reaction.offer is None


def _value_notes(turn: Turn) -> List[Note]:
    """Non-price options (more when they meet a need the customer told) and conditional trades."""
    persona, moves, notes = turn.persona, turn.moves, []
    if "value_add" in moves:
        met = turn.details(EventKind.satisfied)
        known = turn.before.revealed + turn.reaction.state.revealed
        met_revealed = [i for i in persona.interests if i.id in met and i.id in known]
        if met_revealed:
            need = met_revealed[0]
            notes.append(Note("value_creation", 4, _words_meeting(turn, need.satisfied_by) or turn.quote("value_add"),
                              f"a non-price option that meets a need the customer told you about "
                              f"({need.description})."))
        else:
            notes.append(turn.credit("value_creation", 2, "value_add", "a non-price option widens the deal beyond "
                                     "the price."))
    if "conditional_trade" in moves:
        notes.append(turn.credit("value_creation", 3, "conditional_trade", "you tied what you give to something in "
                                 "return: a fair trade."))
    return notes


def _words_meeting(turn: Turn, extras: Sequence[str]) -> str | None:
    """The words that name an extra meeting this need, not just the first extra in the turn."""
    def meets(words: str) -> bool:
        return bool(set(mentioned_extras(turn.persona, words)) & set(extras))

    analysis = turn.analysis
    return next((c for d in analysis.detections if d.move in {"value_add", "conditional_trade", "concession"}
                 for c in (d.quote, d.trigger) if meets(c)), None) or \
        next((analysis.text[part[0].start: part[-1].end] for part in _parts(analysis.words) if meets(part)), None)


def _parts(words: Sequence[Word]) -> Iterator[Sequence[Word]]:
    """A turn's words in the parts a comma, a semicolon or "and" separates ("free shipping, and a price lock")."""
    part: List[Word] = []
    for word in (*words, None):
        if word is None or word.text in {",", ";", "and"}:
            if part:
                yield part
            part = []
        else:
            part.append(word)


def _offer_notes(turn: Turn) -> List[Note]:
    """A price put forward: going back up on it, the same number again, or how the new one was given."""
    persona, reaction, notes = turn.persona, turn.reaction, []
    went_back = turn.detail(EventKind.went_back)
    if went_back is not None:
        notes.append(Note("transparency", -3, turn.quote("concession"),
                          f"you asked {persona.money(reaction.offer or 0)}, more than the "
                          f"{persona.money(float(went_back))} you had already offered: the customer stops "
                          "believing your numbers.",
                          "never go back up on a number you've offered; if the terms must change, trade: ask for "
                          "something in return for what you add.", kind="went_back"))
        notes.append(_went_back_discipline(turn))
    elif turn.has(EventKind.same_offer):
        notes.append(Note("concession_discipline", 0, turn.quote("concession"),
                          f"the same {persona.money(reaction.offer or 0)} again: repeating a number moves nothing.",
                          "add a reason or something of value, or ask what is still missing."))
    elif reaction.offer is not None:
        said = turn.quote("concession") if "concession" in turn.moves else turn.quote("conditional_trade")
        notes.extend(_concession_notes(persona, turn.before, turn.analysis, reaction, said))
        best = turn.detail(EventKind.below_best)
        if best is not None:
            notes.append(Note("transparency", -2, said, f"you called {persona.money(float(best))} your best, then "
                              f"offered {persona.money(reaction.offer)}: the customer stops believing your limits.",
                              "only call a number your best or final when it is; say 'I can look at it' instead."))
    elif _above_list(turn) is not None:
        asked, list_price = _above_list(turn), persona.money(persona.briefing.list_price)
        notes.append(Note("transparency", -3, turn.quote("concession"),
                          f"you asked {persona.money(asked or 0)}, above the {list_price} list price {persona.name} "
                          "already pays: that is no concession, and the customer stops believing your numbers.",
                          f"start from the {list_price} list price and move down only in steps with a reason; a "
                          "higher price needs something added to the deal.", kind="went_back"))
        notes.append(_went_back_discipline(turn))
    elif "concession" in turn.moves:
        if not _explored(turn.before):
            notes.append(Note("concession_discipline", -2, turn.quote("concession"), "conceding before exploring "
                              "interests: you gave something away before learning what matters.",
                              "ask an open question first; the need you uncover may cost less than a discount.",
                              kind="before_exploring"))
        if not any(a.offered for a in turn.analysis.amounts):  # "a one-off $2,000 credit" has its figure
            notes.append(turn.credit("concession_discipline", 0, "concession",
                                     "a concession with no figure is hard for the customer to weigh.",
                                     "state the exact price or amount and what it saves."))
    return notes


def _above_list(turn: Turn) -> float | None:
    """A price the rep puts forward above the list price, with nothing added to the deal, that the engine did not
    take as an offer ("I can do $30 a cartridge" on a $25 list price): going back up on the price the customer
    already pays."""
    if turn.reaction.offer is not None or turn.has(EventKind.extras) or "value_add" in turn.moves:
        return None
    asked = [a.value for a in turn.analysis.amounts if a.offered and a.kind == "money" and a.role == "price"]
    above = [a for a in asked if a > turn.persona.briefing.list_price]
    return max(above) if above else None


def _went_back_discipline(turn: Turn) -> Note:
    """Going back up on a number costs concession discipline too: the customer can no longer bank any step."""
    return Note("concession_discipline", -2, turn.quote("concession"), "a number you go back on is no longer a "
                "step the customer can bank: every later concession buys less.", "keep every number you have said; "
                "change the terms only by trading.", kind="went_back")


def _tone_notes(turn: Turn) -> List[Note]:
    """Holding a position without engaging the needs; pressure and ultimatums."""
    moves, notes = turn.moves, []
    if "hold_position" in moves:
        # a reason given in the same turn is credited above: then the missing half is the question
        better = ("you gave your reason; now ask what would make it work for them, or offer an option."
                  if "rationale" in moves else "explain why the price is what it is and ask what would make it "
                  "work for them.")
        notes.append(Note("collaborative_tone", -2, turn.quote("hold_position"),
                          "you restated your position without engaging the customer's needs.", better,
                          kind="hold_position"))
    if "pressure" in moves:
        notes.append(Note("collaborative_tone", -4, turn.quote("pressure"), "pressure or an ultimatum cost the "
                          "customer's trust.", "stay assertive without threats: set out the options and let the "
                          "customer choose.", kind="pressure"))
    return notes


def _closing_notes(turn: Turn) -> List[Note]:
    """A close: checking the customer is happy once they agree, or writing the deal up before any yes."""
    if "close" not in turn.moves:
        return []
    if turn.has(EventKind.accepted):
        return [turn.credit("closing", 3, "close", "you checked the customer was happy and confirmed the terms.")]
    if "?" not in turn.quote("close") and turn.reaction.state.offers:
        # "great, I'll send the contract for $46 today" before any yes: writing the deal up is not agreeing it
        return [Note("closing", -1, turn.quote("close"), f"you wrote the deal up before {turn.persona.name} had said "
                     "yes.", "ask whether the terms work for them first ('does that work for you?'), and "
                     "confirm after a yes.", kind="early_close")]
    return [turn.credit("closing", 1, "close", "you moved towards agreement and next steps.")]


def _heads_up_notes(turn: Turn) -> List[Note]:
    """What the customer's answer means for the next turn: a counter below the floor, an offer turned down
    for want of something else, a yes to wrap up."""
    persona, moves = turn.persona, turn.moves
    offered_in = turn.quote(next((m for m in ("concession", "conditional_trade", "close") if m in moves),
                                 "concession"))
    notes = _counter_below_floor(persona, turn.reaction, offered_in) + _not_ready(persona, turn.events, offered_in)
    if turn.has(EventKind.accepted) and "close" not in moves:
        notes.append(Note("closing", 0, turn.quote("concession"), f"{persona.name} has agreed.",
                          "Now confirm the agreed price, when it starts and what happens next: your next "
                          "message wraps up the session.", heads_up=True))
    return notes


def _turn_score(turn: Turn, notes: List[Note]) -> TurnScore:
    analysis, reaction = turn.analysis, turn.reaction
    spans = {m: analysis.quotes(m) for m in analysis.moves if analysis.quotes(m)}
    return TurnScore(turn.before.turn + 1, analysis.text, analysis.moves, sum(n.points for n in notes), tuple(notes),
                     reaction.events, reaction.offer, spans)


def _wrap_up_notes(turn: Turn) -> List[Note]:
    """The turn after the customer said yes: confirm and close; don't reopen or give more."""
    persona, before, analysis, moves, quote = turn.persona, turn.before, turn.analysis, turn.moves, turn.quote
    notes = []
    said = turn.reaction.offer  # the price the wrap-up names, read once by the engine
    agreed = before.deal_price
    if turn.has(EventKind.reneged):
        return [Note("transparency", -4, analysis.text, f"you went back on the deal {persona.name} had just agreed "
                     f"at {persona.money(agreed or 0)}, and lost it.",
                     "once you have a yes, honour it; if something really changed, say so openly and ask, "
                     "don't announce a new price.")]
    if said is not None and agreed is not None and said != agreed:
        if said > agreed:  # a lower figure is a new, lower price: the customer takes it (see gave_after_deal)
            notes.append(Note("closing", -1, quote("concession"), f"you quoted {persona.money(said)}, but the deal is "
                              f"at {persona.money(agreed)}.", f"confirm the agreed {persona.money(agreed)} exactly; "
                              "a different figure in writing reopens the deal.", kind="unconfirmed"))
        floor = persona.company.floor_price
        if said < floor:
            notes.append(Note("concession_discipline", -5, quote("concession"), f"outside the company's parameters: "
                              f"{persona.money(said)} is below the floor of {persona.money(floor)}, now in writing.",
                              f"never go below {persona.money(floor)}.", kind="below_floor"))
    elif ("close" in moves or agreed in analysis.prices) and analysis.has(Signal.next_step) and \
            (said == agreed or agreed in analysis.prices or _names_terms(persona, before, analysis)):
        # "gr8, 23 from next order, ill email u", "I'll send the agreement with the price lock written in"
        notes.append(Note("closing", 3, quote("close"), "you confirmed the agreed terms and the next steps."))
    elif "close" in moves and (said == agreed or analysis.has(Signal.next_step)):
        # "great, I'll set that up": a next step, but nobody could say from it what was agreed
        notes.append(Note("closing", 0, quote("close"), "you moved to the next step, but without restating what was "
                          "agreed.", f"restate the agreed {persona.money(agreed or 0)} and any extras with the next "
                          "step, so there is no doubt later.", kind="unconfirmed"))
    else:  # "sounds good, I'll sort it" agrees to something, but nobody could say what
        notes.append(Note("closing", -1, quote("close") if "close" in moves else analysis.text,
                          f"{persona.name} had agreed, but the terms and next steps were left unconfirmed.",
                          "after a yes, restate the price, when it starts and what happens next.", kind="unconfirmed"))
    if "appreciation" in moves:
        notes.append(Note("rapport", 1, quote("appreciation"), "ending on thanks keeps the relationship warm."))
    if turn.has(EventKind.gave_after_deal):
        cut = f"you cut the price to {persona.money(said)} after {persona.name} had agreed at " \
              f"{persona.money(agreed)}" if said is not None and agreed is not None and said < agreed else \
              "you offered more after the customer had already agreed"
        notes.append(Note("concession_discipline", -2, analysis.text, f"{cut}: that gives value away.",
                          "once you have a yes, confirm it; keep extras for the next negotiation.", kind="after_yes"))
    if moves & {"pressure", "hold_position"}:
        notes.append(Note("collaborative_tone", -2, analysis.text, "a hard line after a yes sours a good deal.",
                          "end on the agreement and what happens next."))
    return notes


def _names_terms(persona: Persona, before: CustomerState, analysis: Analysis) -> bool:
    """A wrap-up that restates the agreed extras ("with the channels and the price lock written in") or
    calls the terms by name ("the new terms", "the agreement")."""
    named = set(mentioned_extras(persona, analysis.words))
    return bool(named & set(before.extras)) or analysis.has(Signal.names_terms)




def _concession_notes(persona: Persona, before: CustomerState, analysis: Analysis, reaction: Reaction,
                      said: str) -> List[Note]:
    """How a price offer was given: explored first? a step or a leap? a reason? something asked in return?
    stacked on the last one? caving to the floor under pressure? inside the limits?"""
    notes = []
    offer = reaction.offer or 0.0
    floor, list_price = persona.company.floor_price, persona.briefing.list_price
    moves = set(analysis.moves)
    previous = before.offers[-1] if before.offers else list_price
    lowered = offer < previous
    explored = _explored(before)
    meets_their_ask = before.counter is not None and offer <= before.counter  # their number needs no case made
    # the case may come just before the number: "their price jumps in year two..." then "would $33 do it?";
    # a trade is its own reason ("if you commit to three years, I can do $27"), and so is loyalty
    # named with the offer ("$24 as a thank-you for five years of orders")
    reasons = {"rationale", "conditional_trade", "appreciation"}
    reasoned = bool(reasons & moves) or bool({"rationale", "conditional_trade"} & set(before.last_moves))
    traded = "conditional_trade" in moves
    took_counter = _has(reaction.events, EventKind.took_counter)
    if not explored:
        notes.append(Note("concession_discipline", -2, said,
                          "conceding before exploring interests: you offered a price before learning what matters.",
                          "ask an open question first; the need you uncover may cost less than a discount.",
                          kind="before_exploring"))
    if _has(reaction.events, EventKind.leap):
        notes.append(Note("concession_discipline", -2, said,
                          f"a leap from {persona.money(previous)} to {persona.money(offer)} in one go invites "
                          "more pushing.", "concede in small steps, each with a reason.", kind="leap"))
    if offer == floor and not before.offers:
        notes.append(Note("concession_discipline", -1, said,
                          f"your first offer was already your floor ({persona.money(floor)}): nothing is left to "
                          "trade.", "open above the floor so each later step can buy something in return.",
                          kind="floor_first"))
    caved = lowered and not traded and offer <= floor + _step_of(persona) and (_under_pressure(before, analysis))
    if offer < floor:
        cut = round(100 * (list_price - offer) / list_price)
        what = (f"you agreed to {persona.name}'s {persona.money(offer)}" if took_counter else
                f"{persona.money(offer)} ({cut}% off)")
        notes.append(Note("concession_discipline", -5, said,
                          f"outside the company's parameters: {what} is below the floor of {persona.money(floor)}.",
                          f"never go below {persona.money(floor)}; trade extras instead of price.",
                          kind="accepted_below_floor" if took_counter else "below_floor"))
    elif caved:
        notes.append(Note("concession_discipline", -4, said,
                          f"caving under pressure: you went to the floor ({persona.money(offer)}) to stop "
                          f"{persona.name} leaving, with nothing asked in return.",
                          "stay calm, ask what would make staying worth it, and trade: a step in price only for "
                          "something in return.", kind="caved"))
    if lowered and not reasoned and not meets_their_ask:
        notes.append(Note("transparency", -1, said, "the offer came with no reason.",
                          "say why you can offer it (loyalty, volume, commitment) and what it saves.",
                          kind="no_reason"))
    # the customer's own number needs no case made to them (no transparency lapse above), but it is still money
    # off: taken with no reason and nothing asked in return, it is a concession without a condition
    if lowered and not reasoned and not traded and not caved and offer >= floor:
        what = (f"you took {persona.name}'s {persona.money(offer)} with no reason and nothing asked in return: that"
                if meets_their_ask else "an unconditional concession: money off with no reason and nothing asked "
                "in return")
        notes.append(Note("concession_discipline", -3, said, f"{what} teaches the customer that pushing works.",
                          "tie every step to a reason and to something in return: 'if you ..., I can ...'.",
                          kind="gift"))
    stacked = lowered and before.offers and not traded and "concession" in before.last_moves and \
        not took_counter and offer >= floor and not caved
    if stacked:
        notes.append(Note("concession_discipline", -2, said,
                          f"a second concession in a row ({persona.money(previous)} then {persona.money(offer)}) "
                          "with nothing asked in return between them.",
                          "after a concession, wait for something back (a commitment, a term) before the next one.",
                          kind="stacked"))
    clean = not any(n.points < 0 and n.criterion == "concession_discipline" for n in notes)
    if explored and clean and offer >= floor:
        notes.append(Note("concession_discipline", 2, said, "a measured concession inside the company's limits."))
    return notes



def _under_pressure(before: CustomerState, analysis: Analysis) -> bool:
    """The customer is hostile (threatening to leave) or the rep pleads: a concession now is a cave."""
    return before.trust < HOSTILE_BELOW or analysis.has(Signal.pleads)


def _step_of(persona: Persona) -> float:
    return _step(persona.briefing.list_price)


def _counter_below_floor(persona: Persona, reaction: Reaction, said: str) -> List[Note]:
    """Customers don't know the floor; the trainee does, and must not follow them below it."""
    counter, floor = reaction.state.counter, persona.company.floor_price
    if counter is None or counter >= floor or \
            not (_has(reaction.events, EventKind.countered) or _has(reaction.events, EventKind.pushed_for_more)):
        return []
    return [Note("concession_discipline", 0, said,
                 f"{persona.name} asked for {persona.money(counter)}, below your floor of {persona.money(floor)}.",
                 f"Don't match it: stay at {persona.money(floor)} or above and offer something {persona.name} "
                 "values instead of more off the price.", heads_up=True)]


# why an affordable offer was turned down: what the customer still needs before any number will do
_NOT_READY = {
    "rapport": "the number may not be the problem: {name} doesn't feel acknowledged yet.",
    "heard": "the number may not be the problem: {name} doesn't feel understood yet.",
    "trust": "the number may not be the problem: {name} doesn't trust the conversation yet.",
}
_READY_BETTER = {
    "rapport": "Acknowledge what this change means for {name} (or thank them for the relationship) before "
               "moving on price again.",
    "heard": "Ask what matters most to {name} and sum it up before moving on price again.",
    "trust": "Rebuild trust first: acknowledge their situation, explain your reasons, and drop any pressure.",
}


def _not_ready(persona: Persona, events: Events, said: str) -> List[Note]:
    """An offer the customer could take was turned down: say what is missing, never how close the price was."""
    need = next((n for n in ("rapport", "heard", "trust") if n in _event_details(events, EventKind.not_ready)), None)
    if need is None:
        return []
    return [Note("concession_discipline", 0, said, _NOT_READY[need].format(name=persona.name),
                 _READY_BETTER[need].format(name=persona.name), heads_up=True)]


def _explored(before: CustomerState) -> bool:
    """Has the trainee explored interests yet: an open question or summary asked, or a need revealed?"""
    return bool(before.revealed) or before.count("open_question") + before.count("summary") > 0


Scores = Dict[str, int | None]  # criterion -> 0-100, or None: not shown (nothing in the session to judge it)

# the moves that engage the negotiation itself; greetings, thanks and small talk alone do not
_SUBSTANCE = {"open_question", "closed_question", "summary", "rationale", "concession", "value_add",
              "conditional_trade", "hold_position", "pressure", "close", "empathy", "appreciation"}


class _Evidence:
    """What the criteria are judged from: the scored turns, read once."""

    def __init__(self, persona: Persona, turns: Sequence[TurnScore], state: CustomerState) -> None:
        self.persona, self.turns, self.state = persona, turns, state
        # a message sent again word for word is no new evidence of anything; what it costs (pressure, a hard
        # line) it costs again, and otherwise it costs tone (idle, below)
        self.fresh = [t for t in turns if not _has(t.events, EventKind.repeated)]
        self.negotiating = [t for t in self.fresh if not _has(t.events, EventKind.wrapped_up)]
        self.offers = [t for t in turns if t.offer is not None]
        self.below_floor = any((t.offer or 0) < persona.company.floor_price for t in self.offers)
        self.deal_ok = state.outcome == "deal" and not self.below_floor
        self.on_table = bool(self.offers) or self.options or self.trades or self.count("concession") > 0

    def count(self, move: str, every: bool = False) -> int:
        return sum(move in t.moves for t in (self.turns if every else self.fresh))

    def noted(self, criterion: str, sign: int) -> List[Note]:
        return [n for t in self.turns for n in t.notes if n.criterion == criterion and n.points * sign > 0]

    @staticmethod
    def kind_of(t: TurnScore, kind: str) -> bool:
        return any(n.kind == kind for n in t.notes)

    @property
    def options(self) -> int:
        return sum(t.put_options for t in self.negotiating)

    @property
    def trades(self) -> bool:
        return any("conditional_trade" in t.moves for t in self.negotiating)


def _rapport(e: _Evidence) -> float | None:
    """Acknowledgement and thanks, early; sympathy with nothing behind it wears thin."""
    if not (e.count("empathy") or e.count("appreciation") or e.count("greeting")):
        return None
    fatigue = sum(_has(t.events, EventKind.sympathy_fatigue) for t in e.turns)
    early = any({"empathy", "appreciation"} & set(t.moves) for t in e.turns[:2])
    return (10 * bool(e.count("greeting")) + 45 * bool(e.count("empathy")) + 35 * bool(e.count("appreciation"))
            + 10 * early - 15 * fatigue - 10 * e.count("pressure", every=True))


def _exploration(e: _Evidence) -> float | None:
    """Questions on the deal, summaries, needs brought out."""
    asked = sum("open_question" in t.moves and not _has(t.events, EventKind.off_topic) or
                _has(t.events, EventKind.fact_told) for t in e.fresh)
    if not (asked or e.count("closed_question") or e.count("summary") or e.state.revealed):
        return None
    revealed = len(e.state.revealed) / max(1, len(e.persona.interests))
    # a summary that got the customer wrong is no evidence of understanding, and shows the rep misheard
    summed_up = any("summary" in t.moves and not _has(t.events, EventKind.wrong_summary) for t in e.fresh)
    misheard = sum(_has(t.events, EventKind.wrong_summary) for t in e.fresh)
    return 15 + 60 * revealed + 12.5 * min(asked, 2) + 20 * summed_up - 10 * misheard


def _value_creation(e: _Evidence) -> float | None:
    """Options and trades put on the table while negotiating (not thrown in after the yes)."""
    if not e.on_table:
        return None
    met_by_extras = len([n for n in e.noted("value_creation", 1) if n.points >= 4])
    return 20 + 20 * min(e.options, 2) + 15 * min(met_by_extras, 2) + 25 * e.trades + 15 * e.deal_ok


def _concession_discipline(e: _Evidence) -> float | None:
    """Only with something given or traded; every misstep counts."""
    if not e.on_table:
        return None
    penalties = e.noted("concession_discipline", -1)
    discipline = 100 + sum(n.points * 10 for n in penalties)
    if e.below_floor or any(n.kind == "caved" for n in penalties):
        discipline = min(discipline, 20)
    return discipline


def _transparency(e: _Evidence) -> float | None:
    """Reasons and numbers explained; unreasoned offers and broken words count against."""
    if not (e.count("rationale") or e.offers or e.count("hold_position") or e.count("concession")):
        return None
    reasons = sum("rationale" in t.moves and not e.kind_of(t, "claim") for t in e.fresh)  # a bare claim is no reason
    lapses = sum(n.points for n in e.noted("transparency", -1))  # -1 an unreasoned offer, -2/-3 a broken word
    return 30 + 35 * min(reasons, 2) + 12 * lapses


def _collaborative_tone(e: _Evidence) -> float | None:
    """Judged once the trainee engaged the negotiation."""
    if not any(_SUBSTANCE & set(t.moves) - {"empathy", "appreciation"} for t in e.turns):
        return None
    # a line sent again ignores the customer's answer (a message with no move costs its own turn only: "ok" and
    # "lkjhlkjh" look alike to the detector)
    idle = sum(e.kind_of(t, "repeated") and not {"pressure", "hold_position"} & set(t.moves) for t in e.turns)
    return 100 - 35 * e.count("pressure", every=True) - 15 * e.count("hold_position", every=True) - 15 * idle


def _closing(e: _Evidence) -> float | None:
    """A close that earned its points; a wrap-up that left the terms vague or misquoted them is not one."""
    loose = bool(e.noted("closing", -1))
    closed_well = bool(e.noted("closing", 1)) and not loose
    vague = any(n.kind == "unconfirmed" and n.points == 0 for t in e.turns for n in t.notes)  # "I'll set that up"
    if e.state.outcome == "deal":
        return 60 + 40 * closed_well - 20 * loose - 10 * vague
    if e.count("close") or e.offers:
        return 10 * closed_well if e.state.outcome == "walked_away" else 20 + 30 * closed_well - 10 * loose
    return None


# the seven criteria, in the report's order, each judged by one function from the same evidence
_CRITERIA: Dict[str, Callable[[_Evidence], float | None]] = {
    "rapport": _rapport, "exploration": _exploration, "value_creation": _value_creation,
    "concession_discipline": _concession_discipline, "transparency": _transparency,
    "collaborative_tone": _collaborative_tone, "closing": _closing,
}


def criteria(persona: Persona, turns: Sequence[TurnScore], state: CustomerState) -> Scores:
    """The seven criteria, 0-100, from the evidence gathered turn by turn; None where the session gave
    nothing to judge (no offer made: concession discipline is not shown, not 100)."""
    evidence = _Evidence(persona, turns, state)
    raw = {name: judge(evidence) for name, judge in _CRITERIA.items()}
    return {k: None if v is None else int(round(max(0, min(100, v)))) for k, v in raw.items()}


def assessable(turns: Sequence[TurnScore], rubric: Rubric) -> str | None:
    """None when the session can be scored; otherwise why not, in words for the trainee."""
    n = len(turns)
    if any(t.offer is not None or _has(t.events, EventKind.accepted) or _has(t.events, EventKind.walked_away)
           for t in turns):
        return None  # an offer made, a deal, or a customer driven away: something to judge however short
    on_deal = len([t for t in turns if _SUBSTANCE & set(t.moves) and not _has(t.events, EventKind.off_topic)])
    if n < rubric.min_turns:
        return (f"too short to assess: {n} message{'s' if n != 1 else ''}, and at least {rubric.min_turns} about "
                "the negotiation are needed to judge how you negotiate")
    if on_deal < rubric.min_turns:
        return (f"too far off topic to assess: {on_deal} of your {n} messages touched the negotiation (a question "
                f"about the customer's situation, a reason, an offer), and at least {rubric.min_turns} are needed")
    return None


def outcome_score(persona: Persona, outcome: dict, state: CustomerState) -> float:
    """Where the session ended, 0-100: a deal inside the limits at a price the customer would really pay
    scores best; a deal at the floor is the worst acceptable one; a deal below it is a loss."""
    if outcome["deal"]:
        if not outcome["within_parameters"] or outcome["price"] is None:
            return 0.0
        floor = persona.company.floor_price
        would_pay = max(floor, min(persona.briefing.list_price,
                                   willingness(persona, persona.parameters(state.difficulty), state)))
        share = 1.0 if would_pay <= floor else max(0.0, min(1.0, (outcome["price"] - floor) / (would_pay - floor)))
        return 50 + 50 * share
    if outcome["customer_retained"]:
        return 40.0
    return 0.0 if outcome["ended_by"] == "walked_away" else 10.0


def overall(scores: Scores, ending: float, rubric: Rubric, turns: Sequence[TurnScore] = ()) -> int:
    """The rubric's weighted criteria (a criterion not shown counts 0: no evidence, no credit) and its
    share for where the session ended, capped after a mistake that decides the session on its own."""
    weights = {k: w for k, w in rubric.weights.items() if k in scores and w > 0}
    total = sum(weights.values()) or 1.0
    judged = sum(w * (scores[k] or 0) for k, w in weights.items()) / total
    score = int(round((1 - rubric.outcome_weight) * judged + rubric.outcome_weight * ending))
    kinds = {n.kind for t in turns for n in t.notes if n.points < 0}
    caps = [cap for kind, cap in rubric.caps.items() if kind in kinds]
    return min([score] + caps)


def _short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
