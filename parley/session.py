"""One training session over the contract of DESIGN.md: start, trainee turns, end.

Ties the core together (persona engine, evaluator, report, storage) behind three calls that any
channel adapter can use: the Rasa actions, the offline `parley score`, the tests.  Bad input gets a
clear answer here, never an exception.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Sequence

from parley import engine, persona_phrases, reading
from parley.engine import CustomerState
from parley.events import Event, EventKind, has
from parley.moves import Analysis
from parley.personas import DIFFICULTIES, Persona
from parley.report import RETRY_COMMAND, build_report, render_text, retry_command
from parley.rubrics import RubricError, load_rubric
from parley.scoring import TurnScore, assess_turn
from parley.store import SessionRecord, Store
from parley.text import Refusal, repair_unicode

MODES = ("practice", "assessment")
START_HINT = '/start_session{"persona": "price_increase_charlie"}'
END_HINT = "/end_session"  # channels with their own words for it (Slack: `end`) swap this out


@dataclass
class Reply:
    """What goes back to the trainee: text lines and custom payloads, in order."""

    messages: List[dict] = field(default_factory=list)
    active: bool = False  # a session is running after this reply
    ended: bool = False  # this reply closed a session (the report is in it)
    persona: str | None = None

    def say(self, text: str) -> Reply:
        self.messages.append({"text": text})
        return self

    def attach(self, payload: dict) -> Reply:
        self.messages.append({"custom": payload})
        return self

    @property
    def texts(self) -> List[str]:
        return [m["text"] for m in self.messages if "text" in m]

    def payload(self, key: str) -> dict | None:
        return next((m["custom"][key] for m in self.messages if key in m.get("custom", {})), None)


class Trainer:
    def __init__(self, personas: Dict[str, Persona], store: Store, detect: Callable[[str], Analysis]):
        self.personas = personas
        self.store = store
        self.detect = detect

    # -- start ---------------------------------------------------------------------------------
    def start(self, sender: str, persona_id: str | None, difficulty: str | None = None,
              mode: str | None = None, rubric: str | None = None) -> Reply:
        persona = self.personas.get(_choice(persona_id, tuple(self.personas)) or "")  # " Loyal_Customer " too
        if persona is None:
            known = ", ".join(sorted(self.personas))
            asked = (f"There is no persona called '{persona_id}'. " if persona_id
                     else "Pick a persona to practise with. ")
            return Reply(active=self.store.active_session(sender) is not None).say(
                f"{asked}Available: {known}. Start with /start_session{{\"persona\": \"<id>\"}}, "
                f"optionally with \"difficulty\": \"easy|normal|hard\" and \"mode\": \"practice|assessment\".")
        reply = self._close_running(sender)
        notices = []
        chosen_difficulty, chosen_mode = _choice(difficulty, DIFFICULTIES), _choice(mode, MODES)
        if difficulty not in (None, "") and chosen_difficulty is None:
            notices.append(f"There is no difficulty '{difficulty}', so this is {persona.default_difficulty} "
                           f"(choose {' | '.join(DIFFICULTIES)}).")
        if mode not in (None, "") and chosen_mode is None:
            notices.append(f"There is no mode '{mode}', so this is practice, with live tips "
                           f"(choose {' | '.join(MODES)}).")
        difficulty = chosen_difficulty or persona.default_difficulty
        mode = chosen_mode or "practice"
        chosen_rubric = None
        if rubric not in (None, ""):  # an assignment may score with another rubric than the persona's
            try:
                chosen_rubric = load_rubric(str(rubric).strip().lower()).name
            except RubricError as exc:
                notices.append(f"{str(exc)[:1].upper()}{str(exc)[1:]}, so this session is scored with "
                               f"'{persona.rubric}'.")
        params = persona.parameters(difficulty)
        # wording varies between a trainee's sessions but replays exactly for the same one
        key = f"{sender}:{persona.id}:{self.store.count_sessions(sender)}"
        state, opening = engine.start(persona, params, difficulty, engine.session_seed(key))
        state = replace(state, rubric=chosen_rubric)
        self.store.start_session(sender, persona.id, difficulty, mode, state.to_dict())
        reply.active, reply.persona = True, persona.id
        if notices:
            reply.say(f"({' '.join(notices)})")
        reply.say(briefing_text(persona, difficulty, mode))
        reply.attach({"briefing": briefing_payload(persona, difficulty, mode)})
        return reply.say(opening)

    def _close_running(self, sender: str) -> Reply:
        """A new start while a session runs: say what becomes of it before the new briefing.

        A session with turns is ended as /end_session would end it and its report comes first (text
        and payload), so nothing the trainee did is dropped in silence; one with no turns is closed.
        """
        reply = Reply()
        record = self.store.active_session(sender)
        if record is None:
            return reply
        persona = self.personas.get(record.persona_id)
        name = persona.name if persona is not None else record.persona_id
        if persona is None or not self.store.turns(record.id):
            return reply.say(f"(Your session with {name} had no turns yet, so it was closed without a report.)")
        state = CustomerState.from_dict(record.state)
        reply.say(f"(Your session with {name} was still running, so it has ended here; its report comes first, "
                  f"then your new session.)")
        self._finish(record, persona, replace(state, outcome=state.outcome or "ended"), reply)
        reply.ended = True  # a session closed in this reply, and another one opens below
        return reply

    # -- turns ---------------------------------------------------------------------------------
    def turn(self, sender: str, text: str | None, analysis: Analysis | None = None) -> Reply:
        record = self.store.active_session(sender)
        if record is None:
            return Reply().say(
                "No practice session is running, so nobody is listening yet. Start one with "
                f"{START_HINT} (personas: {', '.join(sorted(self.personas))}).")
        persona = self.personas.get(record.persona_id)
        if persona is None:
            return Reply().say(f"The persona '{record.persona_id}' is no longer installed; start a new session.")
        text = _clean(text)
        if not text:
            return Reply(active=True, persona=persona.id).say(
                f"({persona.name} is waiting for your reply. Type what you would say to the customer.)")
        meant = _meant_command(text)
        if meant is not None:  # a mistyped command is not said to the customer: not stored, costs nothing
            return Reply(active=True, persona=persona.id).say(
                f"(Did you mean {meant}? Send it exactly like that. Nothing was said to {persona.name}; "
                f"they are still waiting for your reply.)")
        if text.startswith("/"):  # "/", "//", "/foo{...}": a command that does not exist, not a line to say
            return Reply(active=True, persona=persona.id).say(
                f"{text[:40]} is not a command, so nothing was said to {persona.name}; they are still waiting for "
                f"your reply. The commands are {START_HINT} and {END_HINT}.")
        state = CustomerState.from_dict(record.state)
        if not _looks_english(text):
            analysis = Analysis(text, ("other",), ())
            reaction = engine.Reaction(replace(state, turn=state.turn + 1), (
                "Sorry, I can only do this in English. Could you say that again?",), (Event(EventKind.not_english),))
        else:
            # the NLU component's analysis of this very message (one source of truth); detect only without it
            analysis = analysis if analysis is not None else self.detect(text)
            analysis = persona_phrases.apply(persona, analysis)  # the persona's domain words (its `phrases:`)
            analysis = reading.unit_prices(persona, analysis)  # "$38,880 a year" for 120 vehicles: $27 each
            analysis = reading.at_list_price(persona, analysis)  # "$30" against a $25 list price gives nothing
            analysis = reading.refused_with_an_offer(analysis)  # "can't go lower, but I can add X" engages
            reaction = engine.react(persona, persona.parameters(record.difficulty), state, analysis)
        score = replace(assess_turn(persona, state, analysis, reaction), text=text)  # keep a long paste whole
        lines = list(reaction.lines)
        if analysis.truncated:
            lines.insert(0, "That's a lot to read in a chat. I skimmed the start; short version next time, please.")
        reply_text = " ".join(lines)
        self.store.record_turn(record.id, score.to_dict(), reply_text, reaction.state.to_dict())
        reply = Reply(active=True, persona=persona.id).say(reply_text)
        if record.mode == "practice":
            reply.attach({"turn_feedback": {"moves": list(score.moves), "points": score.points, "tip": score.tip,
                                            "feedback": score.feedback, "spans": score.spans}})
        if reaction.state.finished:
            return self._finish(record, persona, reaction.state, reply)
        if reaction.state.agreed and has(reaction.events, EventKind.accepted):
            price = persona.money(reaction.state.deal_price or 0)
            if record.mode == "practice":
                reply.say(f"(Deal agreed at {price}. Wrap up with one more message: confirm the terms and what "
                          f"happens next. Or send {END_HINT} for your report.)")
            else:  # assessment: say what happened, not what earns points
                reply.say(f"(Deal agreed at {price}. Your next message is your last to {persona.name}; or send "
                          f"{END_HINT} for your report.)")
        return reply

    def refuse(self, sender: str, refusal: Refusal) -> Reply:
        """A message over the size limit: stored as refused (not a turn, not scored); the session goes on."""
        record = self.store.active_session(sender)
        self.store.record_refused(sender, record.id if record else None, refusal.reason, refusal.chars,
                                  refusal.excerpt)
        reply = Reply(active=record is not None, persona=record.persona_id if record else None)
        waiting = " The customer did not hear it and is still waiting for your reply." if record else ""
        return reply.say(f"(That message was {refusal.chars:,} characters long; the limit is {refusal.limit:,}. It "
                         f"was refused and not scored.{waiting} Please send a shorter one.)")

    # -- end -----------------------------------------------------------------------------------
    def end(self, sender: str) -> Reply:
        record = self.store.active_session(sender)
        if record is None:
            last = self.store.latest_report(sender)
            hint = (f" Your last session ended with its report (overall {round(last.get('overall') or 0)}/100)."
                    if last else "")
            return Reply().say(f"There is no session to end.{hint} Start a new one with {START_HINT}.")
        persona = self.personas.get(record.persona_id)
        if persona is None:
            return Reply().say("That session's persona is no longer installed; start a new session.")
        state = CustomerState.from_dict(record.state)
        state = replace(state, outcome=state.outcome or "ended")
        return self._finish(record, persona, state, Reply())

    # -- retry -------------------------------------------------------------------------------
    def retry_from_turn(self, sender: str, turn: object) -> Reply:
        """`/retry_from_turn{"turn": N}`: the sender's latest session (running or finished) is played again in a
        new session, with the same customer and the same wording, up to just before turn N; the trainee
        then says turn N again. The earlier session and its report stay as they were."""
        record, last = self._latest_session(sender)
        if record is None:
            return Reply().say(f"There is no session to retry yet. Start one with {START_HINT}.")
        persona = self.personas.get(record.persona_id)
        if persona is None:
            return Reply(active=record.status == "active").say(
                f"The persona '{record.persona_id}' is no longer installed, so that session cannot be replayed.")
        texts = [t["text"] for t in self.store.turns(record.id)]
        number = _turn_number(turn)
        if number is None or not 1 <= number <= len(texts):
            span = f"1 to {len(texts)}" if texts else "none yet"
            return Reply(active=record.status == "active", persona=persona.id).say(
                f"(There is no turn {turn if turn not in (None, '') else '(missing)'} to retry in your session "
                f"with {persona.name}: its turns are {span}. Send {RETRY_COMMAND}{{\"turn\": <number>}}.)")
        first = CustomerState.from_dict(record.state)
        params = persona.parameters(record.difficulty)
        state, opening = engine.start(persona, params, record.difficulty, first.seed)  # same seed: same words
        state = replace(state, rubric=first.rubric)
        self.store.start_session(sender, persona.id, record.difficulty, record.mode, state.to_dict())
        replayed: List[dict] = []
        for text in texts[:number - 1]:
            played = self.turn(sender, text)
            replayed.append({"you": text, "customer": " ".join(t for t in played.texts[:1])})
            if played.ended:  # cannot happen for a session that went on to turn N; said plainly if it does
                return played.say(f"(The replay ended before turn {number}, so there is nothing to retry.)")
        moment = next((m for m in (last or {}).get("moments", []) if m.get("turn") == number), None)
        reply = Reply(active=True, persona=persona.id)
        # the briefing first: a channel that shows it as a card (the web page) hides the text just before it
        reply.attach({"briefing": briefing_payload(persona, record.difficulty, record.mode)})
        reply.say(f"(Replaying your session with {persona.name} up to turn {number}: "
                  f"{_plural(number - 1, 'turn')} played again exactly as before. Now say turn {number} again.)")
        script = [f"{persona.name}: {opening}"]
        for r in replayed:
            script += [f"You: {r['you']}", f"{persona.name}: {r['customer']}"]
        reply.say("\n\n".join(script))  # a blank line between speakers: one bubble each on the web page
        hint = f"Last time you said: \u201c{texts[number - 1]}\u201d"
        if moment and moment.get("better_line"):
            hint += f" A better line here: \u201c{moment['better_line']}\u201d"
        reply.say(f"({hint})")
        reply.attach({"retry": {"from_turn": number, "session": record.id, "persona": persona.id,
                                "opening": opening, "replayed": replayed, "previous": texts[number - 1],
                                "better_line": (moment or {}).get("better_line"), "command": retry_command(number)}})
        return reply

    def _latest_session(self, sender: str) -> tuple[SessionRecord | None, dict | None]:
        """The running session, else the one the latest report is about (with that report)."""
        record = self.store.active_session(sender)
        if record is not None and self.store.turns(record.id):
            return record, None
        last = self.store.latest_report(sender)
        session_id = (last or {}).get("session_id")
        if isinstance(session_id, int):
            found = self.store.session(session_id)
            if found is not None:
                return found, last
        return record, None

    def _finish(self, record: SessionRecord, persona: Persona, state: CustomerState, reply: Reply) -> Reply:
        report = build_report(persona, state, [TurnScore.from_dict(t) for t in self.store.turns(record.id)],
                              record.mode)
        report["session_id"] = record.id  # what /retry_from_turn replays
        self.store.finish(record.id, state.to_dict(), report)
        reply.ended, reply.active, reply.persona = True, False, persona.id
        return reply.say(render_text(report)).attach({"report": report})


def briefing_payload(persona: Persona, difficulty: str, mode: str) -> dict:
    b, c = persona.briefing, persona.company
    return {
        "persona": persona.id, "name": persona.name, "title": persona.title, "difficulty": difficulty, "mode": mode,
        "customer": b.customer, "situation": b.situation, "goal": b.goal, "product": b.product, "unit": b.unit,
        "currency": b.currency, "list_price": b.list_price, "previous_price": b.previous_price,
        "monthly_volume": b.monthly_volume, "floor_price": c.floor_price,
        "tradables": [t.label for t in c.tradables],
    }


def briefing_text(persona: Persona, difficulty: str, mode: str) -> str:
    b, c = persona.briefing, persona.company
    was = f" (was {persona.money(b.previous_price)})" if b.previous_price else ""
    price = f"{persona.money(b.list_price)} per {b.unit}{was}"
    extras = "; ".join(t.label for t in c.tradables) or "none"
    volume = f" They {'have' if b.counted[2] else 'buy about'} {b.volume}." if b.volume else ""
    return (f"BRIEFING - {persona.title} ({difficulty}, {mode})\n"
            f"Customer: {b.customer}{volume}\nSituation: {b.situation}\nProduct: {b.product}, list price {price}.\n"
            f"Your limits: lowest price you may offer {persona.money(c.floor_price)} per {b.unit}. "
            f"Extras you may trade: {extras}.\nYour goal: {b.goal}\nType {END_HINT} at any time for your report.")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\ufeff]")
def _clean(text: str | None) -> str:
    return repair_unicode(_CONTROL.sub("", text or "")).strip()


_SLASH_WORD = re.compile(r"^/\s*([a-z]+)", re.IGNORECASE)


def _meant_command(text: str) -> str | None:
    """The session command a slash message that Rasa did not take as one was probably meant to be."""
    found = _SLASH_WORD.match(re.sub(r"[\s_-]+", "", text))
    word = found.group(1).lower() if found else ""
    if word.startswith(("end", "stop", "finish", "quit", "report")):
        return END_HINT
    if word.startswith(("start", "begin")):
        return START_HINT
    if word.startswith(("retry", "redo", "replay")):
        return RETRY_COMMAND + '{"turn": <number>}'
    return None


def _looks_english(text: str) -> bool:
    """Text in another script gets a polite in-character request; emoji and numbers pass through."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    return latin / len(letters) >= 0.6


@dataclass
class Replay:
    """A scripted trainee played offline: the start reply, each played turn with its reply, the end."""

    start: Reply
    turns: List[tuple[str, Reply]]
    end: Reply

    @property
    def report(self) -> dict | None:
        return self.end.payload("report")


def replay(personas: Dict[str, Persona], detect: Callable[[str], Analysis], persona_id: str, turns: List[str],
           difficulty: str | None = None, mode: str = "assessment", sender: str = "offline") -> Replay:
    """Plays `turns` against a persona with an in-memory database; stops early when the customer ends it."""
    trainer = Trainer(personas, Store("sqlite:///:memory:"), detect)
    start = reply = trainer.start(sender, persona_id, difficulty, mode)
    played: List[tuple[str, Reply]] = []
    if not start.persona:
        return Replay(start, played, start)
    for text in turns:
        if reply.ended:
            break
        reply = trainer.turn(sender, text)
        played.append((text, reply))
    return Replay(start, played, reply if reply.ended else trainer.end(sender))


def _turn_number(value: object) -> int | None:
    """A turn number as a channel sends it: 3, "3", " 3 ", 3.0; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and float(value).is_integer():
        return int(value)
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isdigit() else None


def _plural(n: int, word: str) -> str:
    return f"{'no' if n == 0 else n} {word}{'' if n == 1 else 's'}"


def _choice(value: object, options: Sequence[str]) -> str | None:
    """A difficulty or mode as typed ("HARD", " Assessment"), or None when it is not one of the options."""
    text = value.strip().lower() if isinstance(value, str) else ""
    return text if text in options else None
