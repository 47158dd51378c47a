"""A terminal chat client for the running trainer, over Rasa's REST channel (the session contract)."""

from __future__ import annotations

import json
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


def show(messages: List[dict], customer: str) -> None:
    for m in messages:
        custom = m.get("custom") or {}
        if "turn_feedback" in custom:
            fb = custom["turn_feedback"]
            print(f"    [coach] {', '.join(fb['moves'])} ({fb['points']:+d}) - {fb['tip']}")
        elif "text" in m:
            text = m["text"]
            if text.startswith(("BRIEFING", "SESSION REPORT")) or "\n" in text:
                print("\n" + text + "\n")
            else:
                print(textwrap.fill(f"{customer}: {text}", width=100, subsequent_indent="    "))


def run_chat(url: str, persona: str | None, difficulty: str | None, mode: str, sender: str) -> int:
    # a byte that is not UTF-8 (a Latin-1 terminal, a pasted binary) must not cost the turn: shown as U+FFFD
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")
    personas = load_personas()
    if persona is None:
        ids = sorted(personas)
        print("Who would you like to practise with?")
        for i, pid in enumerate(ids, 1):
            print(f"  {i}. {personas[pid].title}")
        choice = input("Number [1]: ").strip() or "1"
        persona = ids[int(choice) - 1] if choice.isdigit() and 0 < int(choice) <= len(ids) else choice
    name = personas[persona].name if persona in personas else "Customer"
    start = {"persona": persona, "mode": mode, **({"difficulty": difficulty} if difficulty else {})}
    try:
        show(post(url, sender, f"/start_session{json.dumps(start)}"), name)
    except (urllib.error.URLError, OSError) as exc:
        print(f"Cannot reach the trainer at {url} ({exc}). Is it running? Start it with: make run")
        return 1
    print("(Type your replies as the rep. /end_session for your report, /quit to leave.)")
    while True:
        try:
            line = input("You: ")
        except EOFError:
            line = "/quit"
        if line.strip() in {"/quit", "/exit"}:
            return 0
        try:
            messages = post(url, sender, line)
        except (urllib.error.URLError, OSError) as exc:
            print(f"(The trainer did not answer: {exc}. Your turn was not sent; try again.)")
            continue
        show(messages, name)
        kinds = [k for m in messages for k in (m.get("custom") or {}) if k in ("report", "briefing")]
        if kinds and kinds[-1] == "report":  # a report with no new briefing after it: the session is over
            again = input("Start another session? [y/N] ").strip().lower()
            if again != "y":
                return 0
            show(post(url, sender, f"/start_session{json.dumps(start)}"), name)
