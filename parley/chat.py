"""A terminal chat client for the running trainer, over Rasa's REST channel (the session contract)."""

from __future__ import annotations

import json
import re
import sys
import textwrap
import urllib.error
import urllib.request
from typing import List

from parley.personas import load_personas


def post(url: str, sender: str, message: str, timeout: float = 60) -> List[dict]:
    body = json.dumps({"sender": sender, "message": message}).encode("utf-8")
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


def pick_persona(ids: List[str], titles: List[str]) -> str | None:
    """The persona chosen by number (or id); asks again until the answer is one of them."""
    print("Who would you like to practise with?")
    for i, title in enumerate(titles, 1):
        print(f"  {i}. {title}")
    while True:
        answer = ask(f"Number [1-{len(ids)}, default 1]: ")
        if answer is None:
            return None
        choice = answer.strip().lower() or "1"
        if choice.isdigit() and 0 < int(choice) <= len(ids):
            return ids[int(choice) - 1]
        if choice in ids:
            return choice
        print(f"Please type a number from 1 to {len(ids)}.")


def run_chat(url: str, persona: str | None, difficulty: str | None, mode: str, sender: str) -> int:
    # a byte that is not UTF-8 (a Latin-1 terminal, a pasted binary) must not cost the turn: shown as U+FFFD
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")
    personas = load_personas()
    if persona is None:
        ids = sorted(personas)
        persona = pick_persona(ids, [personas[pid].title for pid in ids])
        if persona is None:
            return 0
    name = personas[persona].name if persona in personas else "Customer"
    start = {"persona": persona, "mode": mode, **({"difficulty": difficulty} if difficulty else {})}
    try:
        name = show(post(url, sender, f"/start_session{json.dumps(start)}"), name)
    except (urllib.error.URLError, OSError) as exc:
        print(f"Cannot reach the trainer at {url} ({exc}). Is it running? Start it with: make run")
        return 1
    print("(Type your replies as the rep. /end_session for your report, /retry N to replay to turn N and try it "
          "again, /quit to leave.)")
    while True:
        line = ask("You: ")
        if line is None or line.strip() in {"/quit", "/exit"}:
            return 0
        try:
            messages = post(url, sender, retry_command(line) or line)
        except (urllib.error.URLError, OSError) as exc:
            print(f"(The trainer did not answer: {exc}. Your turn was not sent; try again.)")
            continue
        name = show(messages, name)
        kinds = [k for m in messages for k in (m.get("custom") or {}) if k in ("report", "briefing")]
        if kinds and kinds[-1] == "report":  # a report with no new briefing after it: the session is over
            again = ask("Start another session? [y/N, or /retry N to replay to turn N and try it again] ")
            if again is not None and retry_command(again):
                name = show(post(url, sender, retry_command(again) or ""), name)
                continue
            if again is None or again.strip().lower() != "y":
                return 0
            name = show(post(url, sender, f"/start_session{json.dumps(start)}"), name)
