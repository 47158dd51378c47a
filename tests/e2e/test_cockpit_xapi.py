"""xAPI to a learning record store never blocks a trainee: while the LRS hangs and then fails, turns over
Rasa's REST channel are answered as usual; once the LRS answers, the finished session's statements
arrive, and they pass Learning Locker's xapi-validation.  Real Rasa, action server and cockpit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, List

import pytest
import requests

from tests.core.test_cockpit_exchange import validate
from tests.e2e.conftest import ROOT, Stack, free_port, wait_until


class SlowLRS:
    """Hangs on the first request past the client's time-out, answers 503 to the second, then stores."""

    def __init__(self) -> None:
        self.requests = 0
        self.statements: List[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests += 1
                if fake.requests == 1:
                    time.sleep(6)
                code = 503 if fake.requests <= 2 else 200
                if code == 200:
                    fake.statements.extend(json.loads(body))
                try:
                    self.send_response(code)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"[]")
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xAPI/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def lrs(stack: Stack) -> Iterator[SlowLRS]:
    fake = SlowLRS()
    port = free_port()
    log = stack.workdir / "cockpit-xapi.log"
    env = {**os.environ, "PARLEY_LRS_URL": fake.url, "PARLEY_LRS_SECONDS": "1", "PARLEY_LRS_BACKOFF": "0.5",
           "PARLEY_LRS_TRIES": "2", "PARLEY_SECRET_KEY": "xapi-test"}
    proc = subprocess.Popen([sys.executable, "-m", "parley_web", "--port", str(port), "--db-url", stack.db_url],
                            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/login", timeout=5).ok, 90, "cockpit", [proc], [log])
        yield fake
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        fake.server.shutdown()


@pytest.mark.e2e
def test_statements_reach_a_slow_lrs_without_slowing_any_turn(stack: Stack, lrs: SlowLRS) -> None:
    sender = "xapi-trainee"
    turns = ["I'm sorry about the surprise, Charlie. What matters most to you?",
             "I can do $23 a cartridge if you stay with us for a year.",
             "Great, I'll send the new terms today."]
    timings = []
    stack.send(sender, '/start_session{"persona": "price_increase_charlie", "mode": "assessment"}')
    for text in turns:
        started = time.monotonic()
        replies = stack.send(sender, text)
        timings.append(time.monotonic() - started)
        assert any(r.get("text") for r in replies)
        if any("report" in (r.get("custom") or {}) for r in replies):
            break
    else:
        stack.send(sender, "/end_session")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(
            st["actor"]["account"]["name"] == f"sender-{sender}" for st in lrs.statements):
        time.sleep(1)
    mine = [st for st in lrs.statements if st["actor"]["account"]["name"] == f"sender-{sender}"]
    assert mine, f"no statements arrived after {lrs.requests} requests"
    assert lrs.requests >= 3  # hung, refused, then delivered: the cockpit retried on its own
    assert validate(mine) == [[] for _ in mine]
    verbs = {st["verb"]["id"].rsplit("/", 1)[-1] for st in mine}
    assert {"attempted", "completed", "responded"} <= verbs and verbs & {"passed", "failed"}
    # the hung LRS (6 s) never showed in a turn: turns do not wait for the LRS at all
    assert all(t < 5.5 for t in timings) or max(timings) < min(timings) + 5, timings
