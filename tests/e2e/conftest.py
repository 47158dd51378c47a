"""Real servers for end-to-end tests: the trained model, `rasa run actions` and `rasa run`.

Started once per test session on free ports, with Parley's database in a temporary folder.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def latest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        subprocess.run(["bash", str(ROOT / "scripts" / "train.sh")], check=True, cwd=ROOT)
        models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1]


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


class Stack:
    """Handles to the running servers and a way to talk to them."""

    def __init__(self, rasa_url: str, actions_url: str, db_url: str, workdir: Path):
        self.rasa_url, self.actions_url, self.db_url, self.workdir = rasa_url, actions_url, db_url, workdir

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


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("stack")
    model = latest_model()
    rasa_port, actions_port = free_port(), free_port()
    db_url = f"sqlite:///{workdir / 'parley.db'}"
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
    env = {**os.environ, "PARLEY_DB_URL": db_url, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    logs = [workdir / "actions.log", workdir / "rasa.log"]
    procs = [
        subprocess.Popen([str(BIN / "rasa"), "run", "actions", "--port", str(actions_port)], cwd=ROOT, env=env,
                         stdout=logs[0].open("w"), stderr=subprocess.STDOUT),
        subprocess.Popen([str(BIN / "rasa"), "run", "--enable-api", "--port", str(rasa_port), "--model", str(model),
                          "--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml"),
                          "--cors", "*"], cwd=ROOT, env=env, stdout=logs[1].open("w"), stderr=subprocess.STDOUT),
    ]
    rasa_url, actions_url = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}"
    try:
        wait_until(lambda: requests.get(f"{actions_url}/health", timeout=2).ok, 180, "action server", procs, logs)
        wait_until(lambda: requests.get(f"{rasa_url}/status", timeout=2).json().get("model_id"), 300, "rasa server",
                   procs, logs)
        yield Stack(rasa_url, actions_url, db_url, workdir)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
