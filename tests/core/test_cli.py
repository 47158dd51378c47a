"""`parley score` and `parley detect` on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def parley(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parley.cli", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_score_replays_a_saved_transcript() -> None:
    result = parley("score", "tests/e2e/conversations/charlie_seed_000.yml", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["outcome"]["deal"] and report["outcome"]["price"] == 23


def test_score_explains_a_bad_transcript(tmp_path: Path) -> None:
    bad = tmp_path / "t.yml"
    bad.write_text("turns: [hello]\n")
    result = parley("score", str(bad))
    assert result.returncode == 2 and "needs 'persona:'" in result.stderr and "Traceback" not in result.stderr
    bad.write_text("persona: nobody\nturns: [hello]\n")
    result = parley("score", str(bad))
    assert result.returncode == 2 and "no persona called 'nobody'" in result.stderr


def test_detect_adds_moves_to_each_json_line() -> None:
    lines = [{"text": "I'm sorry about that. What would make this work for you?", "id": 1},
             {"text": "Take it or leave it.", "id": 2}]
    result = parley("detect", stdin="\n".join(json.dumps(x) for x in lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, 2]
    assert {"empathy", "open_question"} <= set(out[0]["moves"]) and "pressure" in out[1]["moves"]


def test_detect_rejects_a_line_that_is_not_json() -> None:
    result = parley("detect", stdin='{"text": "hi"}\nnot json\n')
    assert result.returncode == 2 and "stdin line 2" in result.stderr


# -- `parley chat` against a stand-in for Rasa's REST channel -------------------------------------
class FakeTrainer:
    """Answers /webhooks/rest/webhook like Parley does, recording every message it is sent."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.messages: list = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.messages.append(body["message"])
                data = json.dumps(fake.answer(body["message"])).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, message: str) -> list:
        if message.startswith("/start_session") and self.messages.count(message) == 1:
            return [{"text": "BRIEFING - Charlie\nYour goal: keep him"}, {"text": "Twenty-five dollars? Really?"}]
        if message == "/end_session":
            return [{"text": "SESSION REPORT\nOverall 50/100"}, {"custom": {"report": {"overall": 50}}}]
        if message.startswith("/start_session"):
            return [{"text": "(Your session with Charlie was still running...)"},
                    {"text": "SESSION REPORT\nOverall 40"}, {"custom": {"report": {"overall": 40}}},
                    {"text": "BRIEFING - Dana"}, {"custom": {"briefing": {}}}, {"text": "Renewal time."}]
        if message == "nudge":
            return [{"text": "(Charlie is waiting for your reply. Type what you would say to the customer.)"}]
        return [{"text": f"Charlie heard: {message}"}]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def chat(fake: FakeTrainer, stdin: bytes, *args: str) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    env.pop("PYTHONIOENCODING", None)
    return subprocess.run([sys.executable, "-m", "parley.cli", "chat", "--url", fake.url, *args], input=stdin,
                          capture_output=True, cwd=ROOT, timeout=120, env=env)


def test_chat_keeps_a_turn_with_bytes_that_are_not_utf8() -> None:
    fake = FakeTrainer()
    try:
        result = chat(fake, b"I am sorry \xff\xfe about that\nWhat would help?\n/quit\n", "--persona",
                      "price_increase_charlie")
    finally:
        fake.close()
    assert result.returncode == 0, result.stderr.decode()
    assert fake.messages[1:] == ["I am sorry \ufffd\ufffd about that", "What would help?"]
    assert "Traceback" not in result.stderr.decode()


def test_chat_does_not_offer_another_session_when_a_new_one_just_started() -> None:
    fake = FakeTrainer()
    start = '/start_session{"persona": "price_increase_charlie", "mode": "practice"}'
    try:
        result = chat(fake, f"Hello\n{start}\nHi Dana\n/quit\n".encode(), "--persona", "price_increase_charlie")
    finally:
        fake.close()
    out = result.stdout.decode()
    assert result.returncode == 0 and "Start another session?" not in out
    assert fake.messages[-1] == "Hi Dana" and "SESSION REPORT" in out


def test_chat_ends_cleanly_at_end_of_input_at_every_prompt() -> None:
    fake = FakeTrainer()
    try:
        at_persona = chat(fake, b"")
        at_again = chat(fake, b"/end_session\n", "--persona", "price_increase_charlie")
    finally:
        fake.close()
    for result in (at_persona, at_again):
        assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr.decode()
    assert b"Start another session?" in at_again.stdout


def test_chat_asks_again_for_a_persona_number_out_of_range() -> None:
    from parley.personas import load_personas

    ids = sorted(load_personas())
    fake = FakeTrainer()
    try:
        result = chat(fake, b"9\nhello\n2\n\n\n/quit\n")  # then Enter: the default difficulty and mode
    finally:
        fake.close()
    assert result.returncode == 0
    assert result.stdout.decode().count(f"Please type a number from 1 to {len(ids)}.") == 2
    level = load_personas()[ids[1]].default_difficulty
    assert fake.messages == ["/start_session" + json.dumps({"persona": ids[1], "mode": "practice",
                                                            "difficulty": level})]


def test_chat_labels_parleys_notices_apart_from_the_customer() -> None:
    fake = FakeTrainer()
    try:
        result = chat(fake, b"nudge\nHi\n/quit\n", "--persona", "price_increase_charlie")
    finally:
        fake.close()
    out = result.stdout.decode()
    assert "[Parley] Charlie is waiting for your reply." in out and "Charlie: (Charlie is waiting" not in out
    assert "Charlie: Charlie heard: Hi" in out


def test_chat_asks_for_difficulty_and_mode_and_offers_them_again_for_the_next_session() -> None:
    from parley.personas import load_personas

    ids = sorted(load_personas())
    fake = FakeTrainer()
    try:
        # persona 1, hard, assessment; the report; "maybe" is asked again, then yes: Enter keeps each choice
        result = chat(fake, b"1\nhard\n2\n/end_session\nmaybe\ny\n\n\n\n/quit\n")
    finally:
        fake.close()
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    first = "/start_session" + json.dumps({"persona": ids[0], "mode": "assessment", "difficulty": "hard"})
    assert fake.messages == [first, "/end_session", first]  # the same choices, not the default level
    assert "Please answer y (yes) or n (no)." in out  # a stray answer does not end the chat (or the servers)
    assert "[default hard]" in out and "[default assessment]" in out


def test_chat_under_make_run_says_that_no_stops_the_servers() -> None:
    fake = FakeTrainer()
    try:
        result = chat(fake, b"/end_session\nno\n", "--persona", "price_increase_charlie", "--make-run")
    finally:
        fake.close()
    out = result.stdout.decode()
    assert result.returncode == 0 and "(no stops the servers)" in out and "the servers stop with it" in out
    assert fake.messages == ['/start_session{"persona": "price_increase_charlie", "mode": "practice"}',
                             "/end_session"]


def test_make_runs_chat_shows_a_broken_persona_save_in_the_terminal(tmp_path) -> None:
    import os
    import time

    from parley.scaffold import new_persona

    new_persona("cafe_owner", tmp_path, with_test=False)
    fake = FakeTrainer()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "PARLEY_PERSONA_DIR": str(tmp_path)}
    chat_process = subprocess.Popen([sys.executable, "-m", "parley.cli", "chat", "--url", fake.url, "--persona",
                                     "cafe_owner", "--make-run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, cwd=ROOT, env=env)
    try:
        chat_process.stdin.write(b"Hello\n")
        chat_process.stdin.flush()
        deadline = time.time() + 60
        while len(fake.messages) < 2 and time.time() < deadline:  # the chat is up and talking
            time.sleep(0.2)
        path = tmp_path / "cafe_owner.yml"
        path.write_text(path.read_text(encoding="utf-8").replace("  patience: 6 ", "  patience: lots "),
                        encoding="utf-8")
        time.sleep(6)  # the watcher looks every 2 seconds
        out, err = chat_process.communicate(b"/quit\n", timeout=60)
    finally:
        fake.close()
    text = out.decode()
    assert chat_process.returncode == 0, err.decode()
    assert "[Parley] (A persona file has problems; trainees keep the last good version" in text
    assert f"{path}:" in text and "hidden.patience: must be a whole number" in text
