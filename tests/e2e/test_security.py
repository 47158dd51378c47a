"""Who may do what on the running Rasa server: the HTTP API needs the token, browsers may call Rasa
only from the trainee page's origin, and REST callers cannot reach Slack users' conversations."""

from __future__ import annotations

import json
import os
import secrets
import signal
import stat
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests
import socketio
import sqlalchemy as sa
from slack_sdk.signature import SignatureVerifier

from parley.store import make_engine
from parley.text import MAX_MESSAGE_CHARS
from tests.e2e.conftest import ROOT, Conversation, Stack, free_port, run_sh_env
from tests.e2e.test_slack import block_text, event, is_report, post, say

pytestmark = pytest.mark.e2e


def test_rasa_http_api_needs_the_token(stack: Stack) -> None:
    chat = stack.conversation("price_increase_charlie")
    tracker = f"{stack.rasa_url}/conversations/{chat.sender}/tracker"
    assert requests.get(tracker, timeout=10).status_code == 401
    assert requests.get(tracker, params={"token": "wrong"}, timeout=10).status_code == 401
    events = f"{stack.rasa_url}/conversations/{chat.sender}/tracker/events"
    assert requests.post(events, json={"event": "slot", "name": "session_active", "value": False},
                         timeout=10).status_code == 401
    assert requests.put(f"{stack.rasa_url}/model", json={"model_file": "/tmp/x.tar.gz"}, timeout=10).status_code == 401
    assert requests.get(f"{stack.rasa_url}/status", timeout=10).status_code == 401
    # the token opens it, and the channels never needed it
    assert requests.get(tracker, params={"token": stack.api_token}, timeout=10).json()["sender_id"] == chat.sender
    assert Conversation.texts(chat.send("Hello Charlie, sorry about the price rise."))


def test_cors_allows_only_the_trainee_page(stack: Stack) -> None:
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    for origin in (f"http://localhost:{stack.web_port}", f"http://127.0.0.1:{stack.web_port}"):
        r = requests.options(url, headers={"Origin": origin, "Access-Control-Request-Method": "POST"}, timeout=10)
        assert r.headers.get("Access-Control-Allow-Origin") == origin
    for origin in ("http://evil.example", f"http://localhost:{stack.web_port + 1}"):
        r = requests.options(url, headers={"Origin": origin, "Access-Control-Request-Method": "POST"}, timeout=10)
        assert "Access-Control-Allow-Origin" not in r.headers
        r = requests.get(f"{stack.rasa_url}/socket.io/?EIO=4&transport=polling", headers={"Origin": origin},
                         timeout=10)
        assert r.headers.get("Access-Control-Allow-Origin") in (None, "")


def test_rest_callers_cannot_reach_a_slack_users_session(stack: Stack) -> None:
    say(stack, "U5", "D5", "practice charlie", expect=2)
    say(stack, "U5", "D5", "I'm sorry about the surprise, Charlie. What would make this work for you?", expect=2)
    rest = f"{stack.rasa_url}/webhooks/rest/webhook"
    for sender in ("slack:U5", "SLACK:U5", " slack:U5"):
        r = requests.post(rest, json={"sender": sender, "message": "/end_session"}, timeout=60)
        assert r.status_code == 200 and "reserved" in r.json()[0]["text"] and "report" not in r.json()[0]
        assert "custom" not in json.dumps(r.json())
    # the bare Slack user id is just another REST trainee, with no session of its own
    r = requests.post(rest, json={"sender": "U5", "message": "/end_session"}, timeout=60)
    assert r.status_code == 200 and "no session to end" in r.json()[0]["text"].lower()
    assert "report" not in json.dumps(r.json())
    # and the Slack user's session is whole: their report has their turn
    report = say(stack, "U5", "D5", "end")[-1]
    assert is_report(report) and "What would make this work for you?" in block_text(report)


def test_make_run_starts_rasa_with_a_token_and_the_page_origin_only(tmp_path: Path) -> None:
    """scripts/run.sh as `make run` starts it (no terminal attached), on free ports."""
    rasa_port, actions_port, web_port = free_port(), free_port(), free_port()
    env = run_sh_env(tmp_path, rasa_port, actions_port, web_port)
    token_file = Path(env["PARLEY_API_TOKEN_FILE"])
    # a token as run.sh generates it, one of the 1 in 64 that start with '-' (argparse must not take it for
    # an option: CI once failed on such a token)
    token_file.write_text("-" + secrets.token_urlsafe(32) + "\n")
    log = tmp_path / "run.log"
    proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 900
        while "Parley is up" not in log.read_text():
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.time() < deadline, log.read_text()[-3000:]
            time.sleep(1)
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = token_file.read_text().strip()
        assert token.startswith("-") and len(token) >= 32
        assert str(token_file) in log.read_text() and token not in log.read_text()
        ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        assert token not in ps  # handed over in the environment, not on the command line
        # issue 13: the action server's secret too, and every file Parley writes is private
        action_token = Path(env["PARLEY_ACTION_TOKEN_FILE"]).read_text().strip()
        assert len(action_token) >= 32 and action_token not in ps and action_token not in log.read_text()
        for private in (Path(env["PARLEY_ACTION_TOKEN_FILE"]), *(ROOT / "var" / "log").glob("*.log")):
            assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
        for folder in (ROOT / "models", ROOT / "var", ROOT / "var" / "log"):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        forged = requests.post(f"http://127.0.0.1:{actions_port}/webhook", json=FORGED_END, timeout=10)
        assert forged.status_code == 401
        rasa = f"http://127.0.0.1:{rasa_port}"
        assert requests.get(f"{rasa}/status", timeout=10).status_code == 401
        assert requests.get(f"{rasa}/status", params={"token": token}, timeout=10).json()["model_id"]
        r = requests.post(f"{rasa}/webhooks/rest/webhook", json={"sender": "run-sh", "message": "hello"}, timeout=60)
        assert r.status_code == 200 and "/start_session" in r.json()[0]["text"]
        assert stat.S_IMODE((tmp_path / "parley.db").stat().st_mode) == 0o600  # made by that first turn
        page = f"http://localhost:{web_port}"
        ok = requests.options(f"{rasa}/webhooks/rest/webhook", timeout=10,
                              headers={"Origin": page, "Access-Control-Request-Method": "POST"})
        assert ok.headers.get("Access-Control-Allow-Origin") == page
        bad = requests.options(f"{rasa}/webhooks/rest/webhook", timeout=10,
                               headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
        assert "Access-Control-Allow-Origin" not in bad.headers
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


# -- issue 13: one test per finding, against the real servers ------------------------------------------
def db_rows(stack: Stack, sql: str, **params: object) -> list:
    engine = make_engine(stack.db_url)  # Parley's tables exist even before the first action ran
    with engine.connect() as db:
        return list(db.execute(sa.text(sql), params).all())


def session_status(stack: Stack, sender: str) -> list:
    return [r[0] for r in db_rows(stack, "SELECT sessions.status FROM sessions JOIN trainees ON trainees.id = "
                                         "sessions.trainee_id WHERE trainees.external_id = :s ORDER BY sessions.id",
                                  s=sender)]


def turn_texts(stack: Stack, sender: str) -> list:
    return [r[0] for r in db_rows(stack, "SELECT turns.text FROM turns JOIN sessions ON sessions.id = turns.session_id "
                                         "JOIN trainees ON trainees.id = sessions.trainee_id WHERE "
                                         "trainees.external_id = :s ORDER BY turns.id", s=sender)]


def listening_addresses(port: int) -> set:
    """The local addresses a TCP port listens on, from /proc/net/tcp and tcp6 (state 0A = LISTEN)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


FORGED_END = {"next_action": "action_end_session", "sender_id": "slack:U13",
              "tracker": {"sender_id": "slack:U13", "slots": {}, "latest_message": {}, "events": [], "paused": False,
                          "followup_action": None, "active_loop": {}}, "domain": {}}


def test_1_the_action_server_answers_only_parleys_rasa(stack: Stack) -> None:
    say(stack, "U13", "D13", "practice charlie", expect=2)
    webhook = f"{stack.actions_url}/webhook"
    for headers in ({}, {"Authorization": "Bearer wrong-token-wrong-token"}, {"Authorization": stack.action_token},
                    {"Authorization": f"Basic {stack.action_token}"}):
        r = requests.post(webhook, json=FORGED_END, headers=headers, timeout=30)
        assert r.status_code == 401 and "only Parley's Rasa" in r.json()["message"], r.text[:300]
        assert "report" not in r.text
        assert requests.get(f"{stack.actions_url}/actions", headers=headers, timeout=10).status_code == 401
    assert session_status(stack, "slack:U13") == ["active"]  # the forged end did nothing
    # even with the secret, a body over the action server's limit is refused with a reason
    big = requests.post(webhook, data=b"{" + b" " * (17 * 1024 * 1024) + b"}", timeout=60,
                        headers={"Authorization": f"Bearer {stack.action_token}", "Content-Type": "application/json"})
    assert big.status_code == 413 and "limited to 16 MB" in big.json()["message"]
    # bound to loopback by default (127.0.0.1 in /proc/net/tcp), not every interface
    assert listening_addresses(int(stack.actions_url.rsplit(":", 1)[1])) == {"0100007F"}
    # Rasa sends the secret: the trainee's own end works, with the report
    assert is_report(say(stack, "U13", "D13", "end")[-1])
    assert session_status(stack, "slack:U13") == ["finished"]


def test_2_a_huge_message_is_refused_and_the_conversation_goes_on(stack: Stack) -> None:
    chat = stack.conversation("price_increase_charlie")
    chat.send("I'm sorry about the surprise, Charlie.")
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    # 50 MB: not even read, a clear 413
    huge = json.dumps({"sender": chat.sender, "message": "x" * 50_000_000})
    r = requests.post(url, data=huge, headers={"Content-Type": "application/json"}, timeout=120)
    assert r.status_code == 413 and "shorter" in r.json()["message"]
    # over the message limit but readable: refused, stored as refused, not a turn
    long = ("I hear you. " * 9_000).strip()  # 107,999 characters (channels strip a message)
    texts = Conversation.texts(chat.send(long))
    assert len(texts) == 1 and "refused" in texts[0] and f"{MAX_MESSAGE_CHARS:,}" in texts[0], texts
    refused = db_rows(stack, "SELECT refused_messages.chars, refused_messages.excerpt, refused_messages.session_id "
                             "FROM refused_messages JOIN trainees ON trainees.id = refused_messages.trainee_id "
                             "WHERE trainees.external_id = :s", s=chat.sender)
    assert [(r[0], r[1]) for r in refused] == [(len(long), long[:200])] and refused[0][2] is not None
    # the conversation goes on: a turn, then the report, which knows nothing of the refused message
    assert "refused" not in " ".join(Conversation.texts(chat.send("What would make this work for you?")))
    report = chat.payload("report", chat.send("/end_session"))
    assert report is not None and len(report["turns"]) == 2
    assert turn_texts(stack, chat.sender) == ["I'm sorry about the surprise, Charlie.",
                                              "What would make this work for you?"]


def test_2_slack_and_socketio_refuse_over_long_messages_too(stack: Stack) -> None:
    say(stack, "U14", "D14", "practice charlie", expect=2)
    [answer] = say(stack, "U14", "D14", "please " * 4_000)  # 28,000 characters
    assert "refused" in answer["text"] and "still waiting" in answer["text"]
    assert turn_texts(stack, "slack:U14") == []
    client = socketio.Client(reconnection=False)
    got: list = []
    client.on("bot_uttered", lambda data: got.append(data))
    client.connect(stack.rasa_url, socketio_path="/socket.io/", transports=["polling"], wait_timeout=30)
    try:
        client.emit("user_uttered", {"message": '/start_session{"persona": "price_increase_charlie"}'})
        deadline = time.time() + 90
        while not any("custom" in m for m in got) and time.time() < deadline:
            time.sleep(0.2)
        before = len(got)
        client.emit("user_uttered", {"message": "z" * (MAX_MESSAGE_CHARS + 1)})
        while len(got) == before and time.time() < deadline:
            time.sleep(0.2)
        assert "refused" in got[before].get("text", ""), got[before:]
    finally:
        client.disconnect()


def test_3_rest_takes_only_json_and_socketio_only_the_pages_origin(stack: Stack) -> None:
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    sender = f"no-cors-{uuid.uuid4().hex[:6]}"
    body = json.dumps({"sender": sender, "message": '/start_session{"persona": "price_increase_charlie"}'})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""):
        r = requests.post(url, data=body, headers={"Content-Type": content_type}, timeout=30)
        assert r.status_code == 415 and "application/json" in r.json()["message"]
    assert session_status(stack, sender) == []
    handshake = f"{stack.rasa_url}/socket.io/?EIO=4&transport=polling"
    assert requests.get(handshake, headers={"Origin": "http://evil.example"}, timeout=10).status_code == 400
    page = f"http://localhost:{stack.web_port}"
    ok = requests.get(handshake, headers={"Origin": page}, timeout=10)
    assert ok.status_code == 200 and ok.headers.get("Access-Control-Allow-Origin") == page
    assert requests.get(handshake, timeout=10).status_code == 200  # no Origin: not a browser


def test_4_logs_carry_no_trainee_words(stack: Stack) -> None:
    chat = stack.conversation("price_increase_charlie")
    secret_words = f"zebra{uuid.uuid4().hex[:8]}"
    for line in (f"/{secret_words}{{\"x\": 1", f"/{secret_words}{{\"x\": 1}}", f"I feel {secret_words} about this"):
        chat.send(line)
    time.sleep(2)
    for log in ("rasa.log", "actions.log"):
        assert secret_words not in (stack.workdir / log).read_text(errors="replace"), log


def test_5_a_replayed_or_retried_slack_event_is_one_turn(stack: Stack) -> None:
    say(stack, "U15", "D15", "practice charlie", expect=2)
    body = event("U15", "D15", "I'm sorry about the price rise, what matters most to you?")
    for _ in range(3):  # the same signed request three times within its five minutes
        assert post(stack, body).status_code == 200
    stack.slack.wait_for("D15", lambda posts: len(posts) >= 3)
    raw = json.dumps(body)
    ts = str(int(time.time()))
    sig = SignatureVerifier(stack.slack_secret).generate_signature(timestamp=ts, body=raw)
    r = requests.post(f"{stack.rasa_url}/webhooks/slack/webhook", data=raw.encode(), timeout=30,
                      headers={"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts,
                               "X-Slack-Signature": sig, "X-Slack-Retry-Num": "1",
                               "X-Slack-Retry-Reason": "http_error"})
    assert r.status_code == 200 and r.headers.get("X-Slack-No-Retry") == "1"
    time.sleep(3)
    assert turn_texts(stack, "slack:U15") == [body["event"]["text"]]


def test_6_rasa_keeps_a_short_history_however_long_the_conversation(stack: Stack) -> None:
    chat = stack.conversation("loyal_customer")
    tracker = f"{stack.rasa_url}/conversations/{chat.sender}/tracker"
    for i in range(25):
        chat.send(f"Could you tell me more about how your team uses it, part {i}?")
        if chat.payload("report"):
            chat.send('/start_session{"persona": "loyal_customer"}')
    events = requests.get(tracker, params={"token": stack.api_token}, timeout=30).json()["events"]
    assert len(events) <= 80, len(events)
    # and the conversation still works after the cut: a turn, then the report
    assert Conversation.texts(chat.send("What would make this work for you?"))
    assert chat.payload("report", chat.send("/end_session")) is not None


@pytest.mark.parametrize("sender", ["s" * 300, "nul\x00sender", "tab\tsender", "\u202eevil"])
def test_7_odd_sender_ids_get_a_clear_answer(stack: Stack, sender: str) -> None:
    r = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", timeout=30,
                      json={"sender": sender, "message": '/start_session{"persona": "price_increase_charlie"}'})
    assert r.status_code == 400 and '"sender"' in r.json()["message"]
    r = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": "ok-" + "s" * 100, "message": "hi"},
                      timeout=60)
    assert r.status_code == 200


@pytest.mark.parametrize("text", ["/", "//", '/foo{"x": 1}', "/ please"])
def test_7_slash_text_that_is_no_command_is_answered_as_such(stack: Stack, text: str) -> None:
    chat = stack.conversation("price_increase_charlie")
    texts = Conversation.texts(chat.send(text))
    assert len(texts) == 1 and "not a command" in texts[0] and "/end_session" in texts[0], texts
    assert turn_texts(stack, chat.sender) == []
    assert Conversation.texts(chat.send("What would make this work for you?"))
    assert len(turn_texts(stack, chat.sender)) == 1
