"""Who may do what on the running Rasa server: the HTTP API needs the token, browsers may call Rasa
only from the trainee page's origin, and REST callers cannot reach Slack users' conversations."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import ROOT, Conversation, Stack, free_port, run_sh_env
from tests.e2e.test_slack import block_text, is_report, say

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
        assert len(token) >= 32 and str(token_file) in log.read_text() and token not in log.read_text()
        ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        assert token not in ps  # handed over in the environment, not on the command line
        rasa = f"http://127.0.0.1:{rasa_port}"
        assert requests.get(f"{rasa}/status", timeout=10).status_code == 401
        assert requests.get(f"{rasa}/status", params={"token": token}, timeout=10).json()["model_id"]
        r = requests.post(f"{rasa}/webhooks/rest/webhook", json={"sender": "run-sh", "message": "hello"}, timeout=60)
        assert r.status_code == 200 and "/start_session" in r.json()[0]["text"]
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
