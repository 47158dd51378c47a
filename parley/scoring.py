"""The evaluator: points and feedback for each trainee turn, and the seven criteria for a session.

Every point given or taken is a Note that quotes the trainee's own words and says what would have
been better, so the score is never a hidden rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence, Tuple

from parley.engine import CustomerState, Reaction, mentioned_extras
from parley.moves import Analysis
from parley.personas import Persona

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
    events: Tuple[str, ...] = ()
    offer: float | None = None
    spans: Dict[str, List[str]] = field(default_factory=dict)

    @property
    def put_options(self) -> bool:
        """The turn put a non-price option on the table, however it was worded ("fuel module thrown in")."""
        return "value_add" in self.moves or any(e.startswith("extras:") for e in self.events)

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
                "feedback": self.feedback, "tip": self.tip, "events": list(self.events), "offer": self.offer,
                "spans": self.spans, "notes": [n.__dict__ for n in self.notes]}

    @classmethod
    def from_dict(cls, data: dict) -> TurnScore:
        return cls(data["index"], data["text"], tuple(data["moves"]), data["points"],
                   tuple(Note(**n) for n in data["notes"]), tuple(data.get("events", ())), data.get("offer"),
                   data.get("spans", {}))


def assess_turn(persona: Persona, before: CustomerState, analysis: Analysis, reaction: Reaction) -> TurnScore:
    moves, events = set(analysis.moves), set(reaction.events)
    notes: List[Note] = []

    def quote(move: str) -> str:
        # the clearest evidence: a matched phrase before the classifier's guess ("Take it or leave it.")
        found = sorted((d for d in analysis.detections if d.move == move),
                       key=lambda d: (d.source != "pattern", -d.score))
        return found[0].quote if found else analysis.text

    def note(criterion: str, points: int, move: str, message: str, better: str = "") -> None:
        notes.append(Note(criterion, points, quote(move), message, better))

    if "repeated" in events:
        notes.append(Note("exploration", 0, analysis.text, "the same message as before, word for word: the customer "
                          "heard nothing new.", "build on the last answer: a follow-up question, a summary or an "
                          "option."))
        return _turn_score(before, analysis, reaction, notes)
    if before.agreed:
        notes.extend(_wrap_up_notes(persona, before, reaction, analysis, moves, events, quote))
        return _turn_score(before, analysis, reaction, notes)
    if "greeting" in moves and before.count("greeting") == 0 and before.turn == 0:
        note("rapport", 1, "greeting", "a friendly opening sets a calm tone.")
    if "sympathy_fatigue" in events:
        note("rapport", -1, "empathy", "sympathy with nothing behind it started to wear thin.",
             "pair the acknowledgement with a question or a concrete option.")
    else:
        for move, what in (("empathy", "acknowledged how the customer feels"),
                           ("appreciation", "thanked the customer for the relationship")):
            if move in moves and before.count(move) == 0:
                note("rapport", 2, move, f"{what}; that lowers the temperature.")
            elif move in moves and not moves - {"empathy", "appreciation", "greeting"}:
                note("rapport", 0, move, "repeated reassurance with no substance earns no more credit.",
                     "move the conversation on with an open question or an option.")
    if "open_question" in moves and "off_topic" in events:
        note("exploration", 1, "open_question", "a friendly question, but about nothing in the deal: it builds "
             "rapport, not understanding.", "ask what the change means for them, or what matters most now.")
    elif "open_question" in moves and "all_said" in events:
        note("exploration", 1, "open_question", f"{persona.name} has already told you everything that matters.",
             "sum up the needs you heard and propose an option that meets them.")
    elif "open_question" in moves:
        revealed = [e.split(":", 1)[1] for e in events if e.startswith("revealed:")]
        found = next((i.description for i in persona.interests if i.id in revealed), None)
        what = f" that brought out a hidden need: {found.rstrip('.')}" if found else " invites the customer to explain"
        note("exploration", 3, "open_question", f"an open question{what}.")
    if "summary" in moves:
        note("exploration", 2, "summary", "checking your understanding shows you listened.")
    if "closed_question" in moves and "open_question" not in moves and before.count("closed_question") >= 1 \
            and before.count("open_question") == 0:
        note("exploration", -1, "closed_question", "another closed question: it gets a short answer and little else.",
             "ask an open question ('what matters most to you?', 'how does this affect you?') so the "
             "customer tells you what matters.")
    if "rationale" in moves:
        note("transparency", 2, "rationale", "you explained the reasons and numbers behind your position.")
    if "value_add" in moves:
        met = [e.split(":", 1)[1] for e in events if e.startswith("satisfied:")]
        known = before.revealed + reaction.state.revealed
        met_revealed = [i for i in persona.interests if i.id in met and i.id in known]
        if met_revealed:
            need = met_revealed[0]
            # quote the words that name the extra meeting this need, not just the first extra in the turn
            def meets(words: str) -> bool:
                return bool(set(mentioned_extras(persona, words)) & set(need.satisfied_by))

            said = next((c for d in analysis.detections if d.move in {"value_add", "conditional_trade", "concession"}
                         for c in (d.quote, d.trigger) if meets(c)), None) or \
                next((part.strip() for part in re.split(r"[,;]|\band\b", analysis.text) if meets(part)), None)
            notes.append(Note("value_creation", 4, said or quote("value_add"),
                              f"a non-price option that meets a need the customer told you about "
                              f"({need.description})."))
        else:
            note("value_creation", 2, "value_add", "a non-price option widens the deal beyond the price.")
    if "conditional_trade" in moves:
        note("value_creation", 3, "conditional_trade", "you tied what you give to something in return: a fair trade.")
    went_back = next((e.split(":", 1)[1] for e in events if e.startswith("went_back:")), None)
    if went_back is not None:
        notes.append(Note("transparency", -3, quote("concession"),
                          f"you asked {persona.money(reaction.offer or 0)}, more than the "
                          f"{persona.money(float(went_back))} you had already offered: the customer stops "
                          "believing your numbers.",
                          "never go back up on a number you've offered; if the terms must change, trade: ask for "
                          "something in return for what you add."))
    elif "same_offer" in events:
        notes.append(Note("concession_discipline", 0, quote("concession"),
                          f"the same {persona.money(reaction.offer or 0)} again: repeating a number moves nothing.",
                          "add a reason or something of value, or ask what is still missing."))
    elif reaction.offer is not None:
        said = quote("concession") if "concession" in moves else quote("conditional_trade")
        notes.extend(_concession_notes(persona, before, analysis, reaction, said))
        best = next((e.split(":", 1)[1] for e in events if e.startswith("below_best:")), None)
        if best is not None:
            notes.append(Note("transparency", -2, said, f"you called {persona.money(float(best))} your best, then "
                              f"offered {persona.money(reaction.offer)}: the customer stops believing your limits.",
                              "only call a number your best or final when it is; say 'I can look at it' instead."))
    elif "concession" in moves:
        if not _explored(before):
            note("concession_discipline", -2, "concession",
                 "conceding before exploring interests: you gave something away before learning what matters.",
                 "ask an open question first; the need you uncover may cost less than a discount.")
        if not any(a.offered for a in analysis.amounts):  # "a one-off $2,000 credit" has its figure
            note("concession_discipline", 0, "concession",
                 "a concession with no figure is hard for the customer to weigh.",
                 "state the exact price or amount and what it saves.")
    if "hold_position" in moves:
        note("collaborative_tone", -2, "hold_position",
             "you restated your position without engaging the customer's needs.",
             "explain why the price is what it is and ask what would make it work for them.")
    if "pressure" in moves:
        note("collaborative_tone", -4, "pressure", "pressure or an ultimatum cost the customer's trust.",
             "stay assertive without threats: set out the options and let the customer choose.")
    if "close" in moves:
        if "accepted" in events:
            note("closing", 3, "close", "you checked the customer was happy and confirmed the terms.")
        elif "?" not in quote("close") and reaction.state.offers:
            # "great, I'll send the contract for $46 today" before any yes: writing the deal up is not agreeing it
            note("closing", 0, "close", f"you wrote the deal up before {persona.name} had said yes.",
                 "ask whether the terms work for them first ('does that work for you?'), and confirm after a yes.")
        else:
            note("closing", 1, "close", "you moved towards agreement and next steps.")
    offered_in = next((m for m in ("concession", "conditional_trade", "close") if m in moves), "concession")
    notes.extend(_counter_below_floor(persona, reaction, quote(offered_in)))
    notes.extend(_not_ready(persona, events, quote(offered_in)))
    if "accepted" in events and "close" not in moves:
        notes.append(Note("closing", 0, quote("concession"), f"{persona.name} has agreed.",
                          "Now confirm the agreed price, when it starts and what happens next: your next "
                          "message wraps up the session.", heads_up=True))
    return _turn_score(before, analysis, reaction, notes)


def _turn_score(before: CustomerState, analysis: Analysis, reaction: Reaction, notes: List[Note]) -> TurnScore:
    spans = {m: analysis.quotes(m) for m in analysis.moves if analysis.quotes(m)}
    return TurnScore(before.turn + 1, analysis.text, analysis.moves, sum(n.points for n in notes), tuple(notes),
                     reaction.events, reaction.offer, spans)


def _wrap_up_notes(persona: Persona, before: CustomerState, reaction: Reaction, analysis: Analysis, moves: set,
                   events: set, quote: Callable[[str], str]) -> List[Note]:
    """The turn after the customer said yes: confirm and close; don't reopen or give more."""
    notes = []
    said = reaction.offer  # the price the wrap-up names, read once by the engine
    agreed = before.deal_price
    if "reneged" in events:
        return [Note("transparency", -4, analysis.text, f"you went back on the deal {persona.name} had just agreed "
                     f"at {persona.money(agreed or 0)}, and lost it.",
                     "once you have a yes, honour it; if something really changed, say so openly and ask, "
                     "don't announce a new price.")]
    if said is not None and agreed is not None and said != agreed:
        if said > agreed:  # a lower figure is a new, lower price: the customer takes it (see gave_after_deal)
            notes.append(Note("closing", -1, quote("concession"), f"you quoted {persona.money(said)}, but the deal is "
                              f"at {persona.money(agreed)}.", f"confirm the agreed {persona.money(agreed)} exactly; "
                              "a different figure in writing reopens the deal."))
        floor = persona.company.floor_price
        if said < floor:
            notes.append(Note("concession_discipline", -5, quote("concession"), f"outside the company's parameters: "
                              f"{persona.money(said)} is below the floor of {persona.money(floor)}, now in writing.",
                              f"never go below {persona.money(floor)}."))
    elif "close" in moves and (said == agreed or _NEXT_STEP.search(analysis.text)) or \
            agreed in analysis.prices and _NEXT_STEP.search(analysis.text):  # "gr8, 23 from next order, ill email u"
        notes.append(Note("closing", 3, quote("close"), "you confirmed the agreed terms and the next steps."))
    else:  # "sounds good, I'll sort it" agrees to something, but nobody could say what
        notes.append(Note("closing", 0, quote("close") if "close" in moves else analysis.text,
                          f"{persona.name} had agreed, but the terms and next steps were left unconfirmed.",
                          "after a yes, restate the price, when it starts and what happens next."))
    if "appreciation" in moves:
        notes.append(Note("rapport", 1, quote("appreciation"), "ending on thanks keeps the relationship warm."))
    if "gave_after_deal" in events:
        cut = f"you cut the price to {persona.money(said)} after {persona.name} had agreed at " \
              f"{persona.money(agreed)}" if said is not None and agreed is not None and said < agreed else \
              "you offered more after the customer had already agreed"
        notes.append(Note("concession_discipline", -2, analysis.text, f"{cut}: that gives value away.",
                          "once you have a yes, confirm it; keep extras for the next negotiation."))
    if moves & {"pressure", "hold_position"}:
        notes.append(Note("collaborative_tone", -2, analysis.text, "a hard line after a yes sours a good deal.",
                          "end on the agreement and what happens next."))
    return notes


# a wrap-up that says when or how the deal happens: "from your next order", "I'll email the contract today"
_NEXT_STEP = re.compile(
    r"\b(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|this (?:week|afternoon|month)|"
    r"next (?:week|month|order|invoice|bill|billing|renewal|delivery|quarter)|from (?:the|your|next|now|today)|"
    r"starting|start(?:s)? (?:on|from|with|next)|effective|send|sending|email|e-mail|paperwork|contract|"
    r"agreement|invoice|confirmation|in writing|written|follow up|set (?:it|that|this) up|update (?:your|the)|"
    r"sign|signature|renewal date|\d{1,2}(?:st|nd|rd|th)\b)", re.I)


def _concession_notes(persona: Persona, before: CustomerState, analysis: Analysis, reaction: Reaction,
                      said: str) -> List[Note]:
    notes = []
    offer = reaction.offer or 0.0
    floor, list_price = persona.company.floor_price, persona.briefing.list_price
    explored = _explored(before)
    if not explored:
        notes.append(Note("concession_discipline", -2, said,
                          "conceding before exploring interests: you offered a price before learning what matters.",
                          "ask an open question first; the need you uncover may cost less than a discount."))
    if "leap" in reaction.events:
        previous = before.offers[-1] if before.offers else list_price
        notes.append(Note("concession_discipline", -2, said,
                          f"a leap from {persona.money(previous)} to {persona.money(offer)} in one go invites "
                          "more pushing.",
                          "concede in small steps, each with a reason."))
    if offer == floor and not before.offers:
        notes.append(Note("concession_discipline", -1, said,
                          f"your first offer was already your floor ({persona.money(floor)}): nothing is left to "
                          "trade.", "open above the floor so each later step can buy something in return."))
    if offer < floor:
        cut = round(100 * (list_price - offer) / list_price)
        notes.append(Note("concession_discipline", -5, said,
                          f"outside the company's parameters: {persona.money(offer)} ({cut}% off) is below the floor "
                          f"of {persona.money(floor)}.",
                          f"never go below {persona.money(floor)}; trade extras instead of price."))
    meets_their_ask = before.counter is not None and offer <= before.counter  # their number needs no case made
    # the case may come just before the number: "their price jumps in year two..." then "would $33 do it?";
    # a trade is its own reason ("if you commit to three years, I can do $27"), and so is loyalty
    # named with the offer ("$24 as a thank-you for five years of orders")
    reasons = {"rationale", "conditional_trade", "appreciation"}
    reasoned = bool(reasons & set(analysis.moves)) or bool({"rationale", "conditional_trade"} & set(before.last_moves))
    if not reasoned and not meets_their_ask:
        notes.append(Note("transparency", -1, said, "the offer came with no reason.",
                          "say why you can offer it (loyalty, volume, commitment) and what it saves."))
    if explored and "leap" not in reaction.events and offer >= floor:
        notes.append(Note("concession_discipline", 2, said, "a measured concession inside the company's limits."))
    return notes


def _counter_below_floor(persona: Persona, reaction: Reaction, said: str) -> List[Note]:
    """Customers don't know the floor; the trainee does, and must not follow them below it."""
    counter, floor = reaction.state.counter, persona.company.floor_price
    if counter is None or counter >= floor or not {"countered", "pushed_for_more"} & set(reaction.events):
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


def _not_ready(persona: Persona, events: set, said: str) -> List[Note]:
    """An offer the customer could take was turned down: say what is missing, never how close the price was."""
    need = next((n for n in ("rapport", "heard", "trust") if f"not_ready:{n}" in events), None)
    if need is None:
        return []
    return [Note("concession_discipline", 0, said, _NOT_READY[need].format(name=persona.name),
                 _READY_BETTER[need].format(name=persona.name), heads_up=True)]


def _explored(before: CustomerState) -> bool:
    """Has the trainee explored interests yet: an open question or summary asked, or a need revealed?"""
    return bool(before.revealed) or before.count("open_question") + before.count("summary") > 0


def criteria(persona: Persona, turns: Sequence[TurnScore], state: CustomerState) -> Dict[str, int]:
    """The seven criteria, 0-100, from the evidence gathered turn by turn."""
    def count(move: str) -> int:
        return sum(move in t.moves for t in turns)

    def noted(criterion: str, sign: int) -> List[Note]:
        return [n for t in turns for n in t.notes if n.criterion == criterion and n.points * sign > 0]

    fatigue = sum("sympathy_fatigue" in t.events for t in turns)
    early = any({"empathy", "appreciation"} & set(t.moves) for t in turns[:2])
    rapport = 20 + 40 * bool(count("empathy")) + 30 * bool(count("appreciation")) + 10 * early - 15 * fatigue
    revealed = len(state.revealed) / max(1, len(persona.interests))
    asked = sum("open_question" in t.moves and "off_topic" not in t.events for t in turns)
    exploration = 15 + 60 * revealed + 12.5 * min(asked, 2) + 20 * bool(count("summary"))
    offers = [t for t in turns if t.offer is not None]
    below_floor = any((t.offer or 0) < persona.company.floor_price for t in offers)
    deal_ok = state.outcome == "deal" and not below_floor
    met_by_extras = len([n for n in noted("value_creation", 1) if n.points >= 4])
    # value is created while negotiating; extras thrown in after the yes are given away, not traded
    negotiating = [t for t in turns if "wrapped_up" not in t.events]
    options = sum(t.put_options for t in negotiating)
    value = (30 + 20 * min(options, 2) + 15 * min(met_by_extras, 2)
             + 25 * any("conditional_trade" in t.moves for t in negotiating) + 15 * deal_ok)
    penalties = noted("concession_discipline", -1)
    # trading extras instead of price is discipline shown; with nothing on the table there is little to judge
    shown = offers or state.outcome == "deal" or count("value_add") or count("conditional_trade")
    discipline = (100 if shown else 70) + sum(n.points * 10 for n in penalties)
    if below_floor:
        discipline = min(discipline, 20)
    unreasoned = len([n for n in noted("transparency", -1)])
    transparency = 40 + 30 * min(count("rationale"), 2) - 15 * unreasoned
    tone = 100 - 35 * count("pressure") - 15 * count("hold_position")
    # a close that earned its points; a wrap-up that left the terms vague or misquoted them is not one
    loose = bool(noted("closing", -1))
    closed = bool(noted("closing", 1)) and not loose
    if state.outcome == "deal":
        closing = 60 + 40 * closed - 20 * loose
    elif state.outcome == "walked_away":
        closing = 10 * closed
    else:
        closing = 20 + 30 * closed
    raw = {"rapport": rapport, "exploration": exploration, "value_creation": value,
           "concession_discipline": discipline, "transparency": transparency, "collaborative_tone": tone,
           "closing": closing}
    return {k: int(round(max(0, min(100, v)))) for k, v in raw.items()}


def overall(scores: Dict[str, int], outcome: dict) -> int:
    """Four fifths for how the trainee negotiated, one fifth for where it ended."""
    if outcome["deal"]:
        ending = 20 if outcome["within_parameters"] else 5
    else:
        ending = 8 if outcome["customer_retained"] else 0
    return int(round(0.8 * sum(scores.values()) / len(scores) + ending))


def _short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
