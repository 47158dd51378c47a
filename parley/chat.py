"""A terminal chat client for the running trainer, over Rasa's REST channel (the session contract)."""

from __future__ import annotations

import json
import re
import sys
import textwrap
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence

from parley.personas import DIFFICULTIES, Persona, PersonaError, load_personas

MODES = ("practice", "assessment")


def post(url: str, sender: str, message: str, timeout: float = 60, message_id: str | None = None) -> List[dict]:
    """One message over the REST channel.  `message_id` (the contract's `metadata.message_id`) lets the
    trainer answer a resend of a message it already took from the stored turn instead of counting it twice."""
    payload: Dict[str, object] = {"sender": sender, "message": message}
    if message_id:
        payload["metadata"] = {"message_id": message_id}
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(f"{url.rstrip('/')}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8") or "[]")


# Parley's own words (notices, instructions), as opposed to the customer's: session.py and the channels
NOTICE_STARTS = ("(", "No practice session", "There is no", "Pick a persona", "The persona", "That session",
                 "Parley reads text", "The sender id", "The trainer could not", "/restart", "/session_start")


def show(messages: List[dict], customer: str) -> str:
    """Prints a reply; returns the customer's name (a new briefing may bring another customer)."""
    for m in messages:
        custom = m.get("custom") or {}
        if "turn_feedback" in custom:
            fb = custom["turn_feedback"]
            print(f"    [coach] {', '.join(fb['moves'])} ({fb['points']:+d}) - {fb['tip']}")
        elif "briefing" in custom:
            customer = str(custom["briefing"].get("name") or customer)
        elif "text" in m:
            text = m["text"]
            if text.startswith(("BRIEFING", "SESSION REPORT")) or "\n" in text:
                print("\n" + text + "\n")
            elif text.startswith(NOTICE_STARTS):  # not the customer speaking
                notice = text[1:-1] if text.startswith("(") and text.endswith(")") else text
                print(textwrap.fill(f"[Parley] {notice}", width=100, subsequent_indent="    "))
            else:
                print(textwrap.fill(f"{customer}: {text}", width=100, subsequent_indent="    "))
    return customer


_RETRY = re.compile(r"^/retry(?:_from_turn)?\s*(?:from\s*)?(?:turn\s*)?(\d+)\s*$", re.IGNORECASE)


def retry_command(line: str) -> str | None:
    """`/retry 3` (or `/retry from turn 3`) as the session contract's `/retry_from_turn{"turn": 3}`."""
    found = _RETRY.match(line.strip())
    return f"/retry_from_turn{json.dumps({'turn': int(found.group(1))})}" if found else None


def ask(prompt: str) -> str | None:
    """A line from the trainee; None at end of input (Ctrl-D), which ends the chat without a traceback."""
    try:
        return input(prompt)
    except EOFError:
        print()
        return None


def pick_persona(ids: List[str], titles: List[str], default: str | None = None) -> str | None:
    """The persona chosen by number (or id); asks again until the answer is one of them."""
    print("Who would you like to practise with?")
    for i, title in enumerate(titles, 1):
        print(f"  {i}. {title}")
    first = ids.index(default) + 1 if default in ids else 1
    while True:
        answer = ask(f"Number [1-{len(ids)}, default {first}]: ")
        if answer is None:
            return None
        choice = answer.strip().lower() or str(first)
        if choice.isdigit() and 0 < int(choice) <= len(ids):
            return ids[int(choice) - 1]
        if choice in ids:
            return choice
        print(f"Please type a number from 1 to {len(ids)}.")


def pick_option(what: str, options: Sequence[str], default: str) -> str | None:
    """One of `options` by number or name (Enter keeps the default); asks again until it is one of them."""
    listed = ", ".join(f"{i}. {o}" for i, o in enumerate(options, 1))
    while True:
        answer = ask(f"{what.capitalize()}? {listed} [default {default}]: ")
        if answer is None:
            return None
        choice = answer.strip().lower()
        if not choice:
            return default
        if choice.isdigit() and 0 < int(choice) <= len(options):
            return options[int(choice) - 1]
        matches = [o for o in options if o.startswith(choice)]
        if len(matches) == 1:
            return matches[0]
        print(f"Please type one of: {', '.join(options)} (or a number from 1 to {len(options)}).")


YES, NO = {"y", "yes", "yeah", "yep", "sure", "ok", "okay"}, {"n", "no", "nope", "q", "quit", "exit", "/quit"}


def ask_yes_no(prompt: str, also: Callable[[str], str | None] | None = None) -> bool | str:
    """True for yes, False for no or end of input; anything else is asked again (a typo never ends it).
    `also` reads another accepted answer (a command): what it returns is returned as it is."""
    while True:
        answer = ask(prompt)
        if answer is None:
            return False
        command = also(answer) if also else None
        if command:
            return command
        word = answer.strip().lower().rstrip(".!")
        if word in YES:
            return True
        if word in NO:
            return False
        print("Please answer y (yes) or n (no).")


@dataclass
class Choice:
    """What the trainee picked for a session."""

    persona: str
    difficulty: str | None
    mode: str

    def command(self) -> str:
        start = {"persona": self.persona, "mode": self.mode,
                 **({"difficulty": self.difficulty} if self.difficulty else {})}
        return f"/start_session{json.dumps(start)}"


def choose(personas: Dict[str, Persona], previous: Choice | None, persona: str | None = None,
           difficulty: str | None = None, mode: str | None = None) -> Choice | None:
    """Persona, difficulty and mode: asked for whatever the command line did not fix, the last
    session's choice as each default (None when the trainee stops typing)."""
    if persona is None:
        ids = sorted(personas)
        persona = pick_persona(ids, [personas[pid].title for pid in ids], previous.persona if previous else None)
        if persona is None:
            return None
    if difficulty is None:
        known = personas.get(persona)
        default = (previous.difficulty if previous and previous.difficulty else
                   known.default_difficulty if known else "normal")
        difficulty = pick_option("difficulty", DIFFICULTIES, default)
        if difficulty is None:
            return None
    if mode is None:
        mode = pick_option("mode (practice: a tip after every turn; assessment: the report only)", MODES,
                           previous.mode if previous else "practice")
        if mode is None:
            return None
    return Choice(persona, difficulty, mode)


def run_chat(url: str, persona: str | None, difficulty: str | None, mode: str | None, sender: str,
             make_run: bool = False) -> int:
    """The chat; under `make run` (make_run) the servers stop with it and persona saves are reported here."""
    live = None
    if make_run:
        from parley.live_reload import LiveReload

        live = LiveReload(lambda message: print(f"\n[Parley] {message}", flush=True)).start()
    try:
        return _chat(url, persona, difficulty, mode, sender, make_run)
    finally:
        if live is not None:
            live.stop()


def _chat(url: str, persona: str | None, difficulty: str | None, mode: str | None, sender: str,
          stops_servers: bool) -> int:
    # a byte that is not UTF-8 (a Latin-1 terminal, a pasted binary) must not cost the turn: shown as U+FFFD
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")
    personas = load_personas()
    if persona is not None:  # named on the command line (a script, a test): nothing else is asked
        choice: Choice | None = Choice(persona, difficulty, mode or "practice")
    else:
        choice = choose(personas, None, persona, difficulty, mode)
    if choice is None:
        return 0
    name = personas[choice.persona].name if choice.persona in personas else "Customer"
    try:
        name = show(post(url, sender, choice.command()), name)
    except (urllib.error.URLError, OSError) as exc:
        print(f"Cannot reach the trainer at {url} ({exc}). Is it running? Start it with: make run")
        return 1
    leave = "/quit to leave" + (" (the servers stop with it)" if stops_servers else "")
    print(f"(Type your replies as the rep. /end_session for your report, /retry N to replay to turn N and try "
          f"it again, {leave}.)")
    unanswered: Dict[str, str] = {}  # a line the trainer did not answer -> its message id, kept for a resend
    while True:
        line = ask("You: ")
        if line is None or line.strip() in {"/quit", "/exit"}:
            return 0
        message_id = unanswered.pop(line, None) or uuid.uuid4().hex
        try:
            messages = post(url, sender, retry_command(line) or line, message_id=message_id)
        except (urllib.error.URLError, OSError) as exc:
            unanswered = {line: message_id}
            print(f"(The trainer did not answer: {exc}. Send the same line again: if it did arrive, it is not "
                  f"counted twice.)")
            continue
        name = show(messages, name)
        kinds = [k for m in messages for k in (m.get("custom") or {}) if k in ("report", "briefing")]
        if kinds and kinds[-1] == "report":  # a report with no new briefing after it: the session is over
            stop = " (no stops the servers)" if stops_servers else ""
            again = ask_yes_no(f"Start another session? [y/n, or /retry N to replay to turn N and try it again]{stop} ",
                               also=retry_command)
            if isinstance(again, str):  # /retry N: the same session replayed to that turn
                name = show(post(url, sender, again), name)
                continue
            if not again:
                return 0
            try:
                personas = load_personas()  # a persona a trainer added meanwhile shows up
            except PersonaError as exc:
                print(f"(Some persona files have problems; the list below may be short.)\n{exc.report()}")
            choice = choose(personas, choice)
            if choice is None:
                return 0
            name = show(post(url, sender, choice.command()), name)
