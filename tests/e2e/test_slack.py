"""Parley in Slack without Slack: signed Events API requests to the real Rasa server, replies
captured by a local fake of the Slack Web API (`FakeSlack` in conftest.py).

Requests are signed the way Slack signs them (slack_sdk's SignatureVerifier: HMAC-SHA256 of
`v0:{timestamp}:{body}` with the signing secret) and posted with `Content-Type: application/json`
exactly, as Slack does.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests
import yaml
from slack_sdk.signature import SignatureVerifier

from parley_rasa.slack import PersonaCard, SlackInput, SlackOff, report_message, translate
from tests.e2e.conftest import ROOT, Stack

SEED = yaml.safe_load((Path(__file__).parent / "conversations" / "charlie_seed_000.yml").read_text())


# -- helpers --------------------------------------------------------------------------------------
def event(user: str, channel: str, text: str, **extra: Any) -> Dict[str, Any]:
    """An Events API `message.im` callback as Slack sends it."""
    now = time.time()
    return {
        "token": "legacy-verification-token", "team_id": "T0PARLEY", "api_app_id": "A0PARLEY",
        "type": "event_callback", "event_id": f"Ev{uuid.uuid4().hex[:10]}", "event_time": int(now),
        "authorizations": [{"enterprise_id": None, "team_id": "T0PARLEY", "user_id": "UPARLEYBOT", "is_bot": True}],
        "event": {"type": "message", "channel": channel, "user": user, "text": text, "ts": f"{now:.6f}",
                  "event_ts": f"{now:.6f}", "channel_type": "im", **extra},
    }


def post(stack: Stack, body: Dict[str, Any], *, secret: str | None = None, timestamp: int | None = None,
         signature: str | None = None, content_type: str = "application/json") -> requests.Response:
    raw = json.dumps(body)
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = signature or SignatureVerifier(secret or stack.slack_secret).generate_signature(timestamp=ts, body=raw)
    return requests.post(f"{stack.rasa_url}/webhooks/slack/webhook", data=raw.encode(), timeout=30,
                         headers={"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
                                  "X-Slack-Signature": sig})


def say(stack: Stack, user: str, channel: str, text: str, expect: int = 1) -> List[dict]:
    """Sends one message and waits for at least `expect` new posts in the channel."""
    before = len(stack.slack.posts(channel))
    r = post(stack, event(user, channel, text))
    assert r.status_code == 200, r.text
    return stack.slack.wait_for(channel, lambda posts: len(posts) >= before + expect)[before:]


def block_text(message: dict) -> str:
    """Everything a person reads in a posted message (fallback text and every block)."""
    parts = [message.get("text", "")]
    for block in message.get("blocks") or []:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [f["text"] for f in block.get("fields", []) + block.get("elements", [])]
    return "\n".join(parts)


def is_report(message: dict) -> bool:
    return any(b.get("type") == "header" and b["text"]["text"].startswith("Session report")
               for b in message.get("blocks") or [])


# -- without a server -----------------------------------------------------------------------------
CARDS = [PersonaCard("competitor_switcher", "Jordan", "Jordan - holding a rival quote", "normal"),
         PersonaCard("loyal_customer", "Dana", "Dana - eight-year subscriber", "normal"),
         PersonaCard("price_increase_charlie", "Charlie", "Charlie - angry about a price rise", "normal")]


@pytest.mark.parametrize("text, expected", [
    ("practice charlie", {"persona": "price_increase_charlie", "mode": "practice"}),
    ("Practice loyal hard", {"persona": "loyal_customer", "mode": "practice", "difficulty": "hard"}),
    ("practise Jordan, assessment please", {"persona": "competitor_switcher", "mode": "assessment"}),
    ("practice competitor switcher easy", {"persona": "competitor_switcher", "mode": "practice",
                                           "difficulty": "easy"}),
])
def test_practice_words_become_the_start_session_contract(text: str, expected: dict) -> None:
    command = translate(text, CARDS)
    assert command.help is None and command.text.startswith("/start_session")
    assert json.loads(command.text[len("/start_session"):]) == expected


def test_end_help_and_ordinary_turns() -> None:
    assert translate("end", CARDS).text == translate("Report", CARDS).text == "/end_session"
    assert translate("help", CARDS).help and translate("practice", CARDS).help
    assert "don't know" in translate("practice bob", CARDS).help
    turn = "Practice makes perfect, and I can offer you free shipping on every order"
    assert translate(turn, CARDS).text == turn  # a long sentence is a turn for the customer


def test_without_slack_variables_the_channel_is_off_and_the_others_still_start(monkeypatch) -> None:
    import rasa.core.run
    import rasa.shared.utils.io
    from rasa.shared.exceptions import RasaException

    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "SLACK_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
    channels = rasa.core.run.create_http_input_channels(None, str(ROOT / "credentials.yml"))
    assert sorted(c.name() for c in channels) == ["parley", "rest", "slack", "socketio"]  # parley: readiness
    off = next(c for c in channels if c.name() == "slack")
    assert isinstance(off, SlackOff) and off.missing == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]
    routes = {r.uri: r.handler for r in off.blueprint(None)._future_routes}  # type: ignore[arg-type]
    answer = asyncio.run(routes["/webhook"](None))
    assert answer.status == 503 and b"SLACK_SIGNING_SECRET" in answer.body
    # why the variables are not written as ${...} in credentials.yml: Rasa refuses to start
    with pytest.raises(RasaException, match="SLACK_NEVER_SET_HERE"):
        rasa.shared.utils.io.read_yaml("slack:\n  slack_token: ${SLACK_NEVER_SET_HERE}\n")

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    on = SlackInput.from_credentials({"conversation_granularity": "sender"})
    assert isinstance(on, SlackInput) and on.api_url == "http://127.0.0.1:9/api/"
    assert str(on.get_output_channel("D1").client.base_url) == "http://127.0.0.1:9/api/"


def test_report_blocks_stay_inside_slack_limits() -> None:
    turn = {"text": "<b>x</b> & " + "word " * 400, "moves": ["pressure"], "points": -5, "feedback": "f " * 1500}
    report = {"overall": 40, "criteria": {"rapport": 40}, "criteria_names": {"rapport": "Rapport & empathy"},
              "outcome": {"deal": False, "ended_by": "walked_away", "within_parameters": True,
                          "customer_retained": False, "satisfaction": 5},
              "turns": [turn] * 60, "improvement_plan": ["Ask first."]}
    text, blocks = report_message(report)
    assert len(blocks) <= 50 and all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    assert "&lt;b&gt;x&lt;/b&gt; &amp;" in block_text({"blocks": blocks})  # shown as typed, never as markup
    assert "walked away" in block_text({"blocks": blocks}) and text.startswith("Session report: 40/100")


# -- against the running Rasa server --------------------------------------------------------------
@pytest.mark.e2e
def test_practice_charlie_posts_the_briefing_then_charlies_opening(stack: Stack) -> None:
    briefing, opening = say(stack, "U1", "D1", "practice charlie", expect=2)[:2]
    assert briefing["channel"] == "D1"
    assert briefing["blocks"][0]["type"] == "header" and "Charlie" in briefing["blocks"][0]["text"]["text"]
    shown = block_text(briefing)
    assert "practice* mode" in shown and "lowest price $22" in shown and "Your goal" in shown
    assert "BRIEFING -" not in json.dumps(stack.slack.posts("D1"))  # the blocks replace the plain text
    assert opening["text"] and "blocks" not in opening and "Briefing" not in opening["text"]  # Charlie speaks
    calls = [c for c in stack.slack.calls if c["method"] == "chat.postMessage"]
    assert all(c["auth"] == f"Bearer {stack.slack_token}" for c in calls)


@pytest.mark.e2e
def test_each_slack_user_has_their_own_session(stack: Stack) -> None:
    charlie = say(stack, "U1", "D1", "practice charlie", expect=2)
    dana = say(stack, "U2", "D2", "practice loyal hard", expect=2)
    assert "Charlie" in block_text(charlie[0]) and "Dana" in block_text(dana[0])
    assert "*hard* difficulty" in block_text(dana[0])

    # U2 ends their session: a report with no turns, and U1's session is untouched
    report = say(stack, "U2", "D2", "end")[-1]
    assert is_report(report) and "No deal yet" in block_text(report)
    turn = "I'm sorry about the surprise, Charlie. What would make this work for you?"
    replies = say(stack, "U1", "D1", turn, expect=2)
    assert "No practice session" not in json.dumps(replies)
    assert replies[0].get("text") and ":compass: *Coach*" in block_text(replies[1])  # practice mode coaching
    report = say(stack, "U1", "D1", "report")[-1]
    assert is_report(report) and "What would make this work for you?" in block_text(report)


@pytest.mark.e2e
def test_the_seed_dialogue_ends_with_a_slack_formatted_report(stack: Stack) -> None:
    say(stack, "U3", "D3", "practice charlie", expect=2)
    start = len(stack.slack.posts("D3"))
    for line in SEED["turns"]:
        say(stack, "U3", "D3", " ".join(line.split()), expect=2)  # Charlie's answer and the coach's note
    posted = stack.slack.wait_for("D3", lambda posts: any(is_report(m) for m in posts[start:]))[start:]
    report = next(m for m in posted if is_report(m))
    (ROOT / "test-artifacts").mkdir(exist_ok=True)  # the whole exchange as Slack received it, for people
    (ROOT / "test-artifacts" / "slack-seed-dialogue.json").write_text(json.dumps(stack.slack.posts("D3"), indent=1))
    assert [m["text"].startswith("Coach") for m in posted].count(True) == len(SEED["turns"])
    text = block_text(report)
    assert report["text"].startswith("Session report") and "deal at $23" in report["text"]
    assert ":handshake: *Deal* at $23" in text and "Within your limits: yes" in text
    criteria = next(b["text"]["text"] for b in report["blocks"] if b.get("text", {}).get("text", "").startswith(
        "*Criteria*"))
    assert len(criteria.splitlines()) == 8 and "\u2588" in criteria  # a heading and seven bars
    assert "Rapport &amp; empathy" in criteria
    assert "\u201cThank you for reaching out Charlie." in text and "*Improvement plan*" in text
    assert "*Behind the scenes*" in text and "The most they would have paid before any need was met: $" in text
    overall = int(report["blocks"][0]["text"]["text"].split(": ")[1].split("/")[0])
    assert overall >= SEED["expect"]["overall_at_least"]
    assert not any("SESSION REPORT" in m.get("text", "") for m in stack.slack.posts("D3"))
    # after Charlie's yes the trainee is told to wrap up, in Slack's words (`end`, not /end_session)
    assert any(m["text"].startswith("(Deal agreed at $23. Wrap up") and "`end`" in m["text"] for m in posted)
    assert not any("/end_session" in m.get("text", "") for m in stack.slack.posts("D3"))


@pytest.mark.e2e
def test_help_lists_the_personas_without_a_session(stack: Stack) -> None:
    reply = say(stack, "U4", "D4", "help")[-1]
    text = block_text(reply)
    assert "`practice charlie`" in text and "Dana" in text and "Jordan" in text


@pytest.mark.e2e
def test_forged_and_stale_signatures_are_rejected(stack: Stack) -> None:
    body = event("U9", "D9", "practice charlie")
    forged = post(stack, body, secret="not-the-signing-secret")
    assert forged.status_code == 400 and "not properly signed" in forged.text
    stale = post(stack, body, timestamp=int(time.time()) - 301)  # correctly signed, but over five minutes old
    assert stale.status_code == 400
    tampered = SignatureVerifier(stack.slack_secret).generate_signature(timestamp=str(int(time.time())), body="{}")
    assert post(stack, body, signature=tampered).status_code == 400  # signature of another body
    # what Rasa does with a signed request whose Content-Type is not exactly application/json: 200, dropped
    assert post(stack, body, content_type="application/json; charset=utf-8").status_code == 200
    time.sleep(5)
    assert stack.slack.posts("D9") == []


@pytest.mark.e2e
def test_url_verification_challenge_is_answered_when_signed(stack: Stack) -> None:
    challenge = {"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                 "type": "url_verification"}
    answer = post(stack, challenge)
    assert answer.status_code == 200 and answer.json() == {"challenge": challenge["challenge"]}
    assert post(stack, challenge, secret="wrong").status_code == 400


@pytest.mark.e2e
def test_practice_again_mid_session_posts_the_running_sessions_report_first(stack: Stack) -> None:
    say(stack, "U6", "D6", "practice charlie", expect=2)
    say(stack, "U6", "D6", "I'm sorry about the surprise, Charlie. What would make this work for you?", expect=2)
    posted = say(stack, "U6", "D6", "practice loyal", expect=4)
    reports = [i for i, m in enumerate(posted) if is_report(m)]
    briefings = [i for i, m in enumerate(posted) if "Briefing" in m.get("text", "")]
    assert reports and briefings and reports[0] < briefings[0], [m.get("text") for m in posted]
    assert "was still running" in posted[0]["text"]
    assert "What would make this work for you?" in block_text(posted[reports[0]])
