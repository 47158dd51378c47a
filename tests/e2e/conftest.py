"""Real servers for end-to-end tests: the trained model, `rasa run actions` and `rasa run`.

Started once per test session on free ports, with Parley's database in a temporary folder.  Rasa
runs with the Slack channel on (a test bot token and signing secret) and its Slack Web API base
URL pointed at `FakeSlack`, a local stand-in that records what the connector posts.  The
`web_page` fixture adds the trainee page server (web/server.py) in front of the same Rasa.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List
from urllib.parse import parse_qsl

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


_handed_out: set[int] = set()


def ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def free_port() -> int:
    """A port free now and outside the kernel's ephemeral range.

    A port from bind(0) is an ephemeral one: until the server binds it (Rasa does so only after loading
    its model, a minute later) any outgoing connection on the machine may take it as its local port,
    and the server then dies with 'address already in use'."""
    low, high = ephemeral_range()
    candidates = [p for p in range(20000, 30000) if not low <= p <= high and p not in _handed_out]
    random.shuffle(candidates)
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))  # Rasa and the action server listen on every interface
            except OSError:
                continue
        _handed_out.add(port)
        return port
    with socket.socket() as s:  # this machine's ephemeral range covers them all: take the kernel's pick
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_sh_env(tmp_path: Path, rasa_port: int, actions_port: int, web_port: int) -> Dict[str, str]:
    """The environment for scripts/run.sh (as `make run` starts it) on these ports, with its token file and
    database under tmp_path and Slack off."""
    env = {**os.environ, "RASA_PORT": str(rasa_port), "ACTIONS_PORT": str(actions_port), "WEB_PORT": str(web_port),
           "WEB_HOST": "127.0.0.1", "PARLEY_API_TOKEN_FILE": str(tmp_path / "api_token"),
           "PARLEY_ACTION_TOKEN_FILE": str(tmp_path / "action_token"),
           "PARLEY_DB_URL": f"sqlite:///{tmp_path / 'parley.db'}", "COCKPIT_PORT": str(free_port())}
    for name in ("PARLEY_API_TOKEN", "PARLEY_ACTION_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        env.pop(name, None)
    return env


def latest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        subprocess.run(["bash", str(ROOT / "scripts" / "train.sh")], check=True, cwd=ROOT)
        models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1]


def web_origins(web_port: int) -> List[str]:
    """The trainee page's origins, the only ones Rasa's CORS allows (as scripts/run.sh sets it)."""
    return [f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}"]


def wait_until(check, timeout: float, what: str, procs: List[subprocess.Popen], logs: List[Path]) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        for proc, log in zip(procs, logs):
            if proc.poll() is not None:
                raise RuntimeError(f"{what}: a server exited early:\n{log.read_text()[-4000:]}")
        try:
            if check():
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not come up in {timeout:.0f}s:\n" + "\n".join(f.read_text()[-3000:] for f in logs))


class FakeSlack:
    """A local Slack Web API: records every call (`chat.postMessage` and anything else) and says ok."""

    def __init__(self, port: int = 0) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    body = json.loads(raw or "{}")
                else:
                    body = dict(parse_qsl(raw))
                method = self.path.rstrip("/").rsplit("/", 1)[-1]
                with fake.lock:
                    fake.calls.append({"method": method, "body": body, "auth": self.headers.get("Authorization")})
                    ts = f"{time.time():.6f}"
                answer = {"ok": True, "channel": body.get("channel"), "ts": ts}
                if method == "auth.test":
                    answer = {"ok": True, "user_id": "UPARLEYBOT", "bot_id": "BPARLEY"}
                if method == "users.info":  # the cockpit names Slack trainees by their display name
                    user = str(body.get("user"))
                    answer = {"ok": True, "user": {"id": user, "name": user.lower(),
                                                   "profile": {"display_name": f"Slack {user}", "real_name": ""}}}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def posts(self, channel: str | None = None) -> List[Dict[str, Any]]:
        """The bodies of `chat.postMessage` calls, in order, optionally for one channel."""
        with self.lock:
            return [c["body"] for c in self.calls
                    if c["method"] == "chat.postMessage" and (channel is None or c["body"].get("channel") == channel)]

    def wait_for(self, channel: str, check: Callable[[List[Dict[str, Any]]], bool], timeout: float = 90) -> List[dict]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            posts = self.posts(channel)
            if check(posts):
                return posts
            time.sleep(0.2)
        raise AssertionError(f"Slack posts to {channel} never matched; got {json.dumps(self.posts(channel))[:3000]}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Stack:
    """Handles to the running servers and a way to talk to them."""

    def __init__(self, rasa_url: str, actions_url: str, db_url: str, workdir: Path,
                 slack: FakeSlack | None = None, slack_secret: str = "", slack_token: str = "",
                 api_token: str = "", web_port: int = 0, spare_web_port: int = 0, action_token: str = ""):
        self.rasa_url, self.actions_url, self.db_url, self.workdir = rasa_url, actions_url, db_url, workdir
        self.slack, self.slack_secret, self.slack_token = slack, slack_secret, slack_token
        self.api_token = api_token  # Rasa's HTTP API wants it (?token=); the channels do not
        self.web_port = web_port  # the trainee page's port: an origin Rasa's CORS allows
        self.spare_web_port = spare_web_port  # allowed too, for a test's own page server (one at a time)
        self.action_token = action_token  # the action server's shared secret (Rasa sends it)

    def send(self, sender: str, message: str, timeout: float = 60) -> List[dict]:
        r = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                          timeout=timeout)
        assert r.status_code == 200, f"{r.status_code}: {r.text[:500]}"
        return r.json()

    def conversation(self, persona: str | None = None, **options: str) -> Conversation:
        return Conversation(self, f"e2e-{uuid.uuid4().hex[:10]}", persona, options)


class Conversation:
    def __init__(self, stack: Stack, sender: str, persona: str | None, options: Dict[str, str]):
        self.stack, self.sender = stack, sender
        self.log: List[dict] = []
        self.opening: List[dict] = []
        if persona:
            self.opening = self.send("/start_session" + json.dumps({"persona": persona, **options}))

    def send(self, text: str) -> List[dict]:
        replies = self.stack.send(self.sender, text)
        self.log.extend(replies)
        return replies

    @staticmethod
    def texts(replies: List[dict]) -> List[str]:
        return [r["text"] for r in replies if "text" in r]

    def payload(self, key: str, replies: List[dict] | None = None) -> dict | None:
        for r in replies if replies is not None else self.log:
            if key in (r.get("custom") or {}):
                return r["custom"][key]
        return None


def play(stack: Stack, persona: str, difficulty: str | None, turns: List[str]) -> Conversation:
    """A scripted trainee: every line must get a customer reply; ends with a report one way or another."""
    chat = stack.conversation(persona, **({"difficulty": difficulty} if difficulty else {}))
    for line in turns:
        replies = chat.send(line)
        assert Conversation.texts(replies), f"no customer reply to {line!r}"
        if chat.payload("report"):
            break
    if not chat.payload("report"):
        chat.send("/end_session")
    return chat


def stop(procs: List[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("stack")
    model = latest_model()
    rasa_port, actions_port, web_port, spare_web_port = free_port(), free_port(), free_port(), free_port()
    api_token = uuid.uuid4().hex  # as scripts/run.sh does: Rasa's HTTP API is never open without a token
    db_url = f"sqlite:///{workdir / 'parley.db'}"
    endpoints = workdir / "endpoints.yml"
    action_token = uuid.uuid4().hex  # the shared secret, as scripts/run.sh hands it to both servers
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
                         '  headers:\n    Authorization: Bearer ${PARLEY_ACTION_TOKEN}\n')
    slack, slack_secret, slack_token = FakeSlack(), uuid.uuid4().hex, f"xoxb-parley-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PARLEY_DB_URL": db_url, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3",
           "SLACK_BOT_TOKEN": slack_token, "SLACK_SIGNING_SECRET": slack_secret, "SLACK_API_URL": f"{slack.url}/api/",
           "PARLEY_ACTION_TOKEN": action_token,
           "PARLEY_REMINDER_SECONDS": "2"}  # the cockpit's due-tomorrow Slack reminders, checked often
    logs = [workdir / "actions.log", workdir / "rasa.log"]
    procs = [
        subprocess.Popen([sys.executable, "-m", "parley_rasa.action_server", "--port", str(actions_port)], cwd=ROOT,
                         env=env, stdout=logs[0].open("w"), stderr=subprocess.STDOUT),
        subprocess.Popen([str(BIN / "rasa"), "run", "--enable-api", "--auth-token", api_token, "--port",
                          str(rasa_port), "--model", str(model), "--endpoints", str(endpoints), "--credentials",
                          str(ROOT / "credentials.yml"), "--cors", *web_origins(web_port),
                          *web_origins(spare_web_port)],
                         cwd=ROOT, env=env, stdout=logs[1].open("w"), stderr=subprocess.STDOUT),
    ]
    rasa_url, actions_url = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}"
    try:
        wait_until(lambda: requests.get(f"{actions_url}/health", headers={"Authorization": f"Bearer {action_token}"},
                                        timeout=2).ok, 180, "action server", procs, logs)
        wait_until(lambda: requests.get(f"{rasa_url}/status", params={"token": api_token}, timeout=2).json()
                   .get("model_id"), 600, "rasa server", procs, logs)
        yield Stack(rasa_url, actions_url, db_url, workdir, slack, slack_secret, slack_token, api_token, web_port,
                    spare_web_port, action_token)
    finally:
        stop(procs)
        slack.close()


@pytest.fixture(scope="session")
def web_page(stack: Stack) -> Iterator[str]:
    """The trainee page server (web/server.py, as scripts/run.sh starts it) for the running Rasa."""
    if not (ROOT / "web" / "node_modules" / "rasa-webchat" / "lib" / "index.js").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT / "web", check=True)
    port = stack.web_port
    log = stack.workdir / "web.log"
    proc = subprocess.Popen([sys.executable, str(ROOT / "web" / "server.py"), "--port", str(port),
                             "--socket-url", stack.rasa_url, "--quiet"], cwd=ROOT, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: requests.get(f"{url}/personas.json", timeout=2).ok, 60, "web page server", [proc], [log])
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
