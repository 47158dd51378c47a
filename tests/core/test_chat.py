"""The terminal chat: the `/retry N` shorthand, and a line resent with its message id after no answer."""

from __future__ import annotations

import urllib.error

from parley import chat
from parley.chat import retry_command


def test_retry_shorthand_becomes_the_contract_command() -> None:
    assert retry_command("/retry 3") == '/retry_from_turn{"turn": 3}'
    assert retry_command("/retry from turn 12") == '/retry_from_turn{"turn": 12}'
    assert retry_command("/retry_from_turn 2") == '/retry_from_turn{"turn": 2}'
    assert retry_command("I'll retry 3 times") is None and retry_command("/retry") is None


def test_the_terminal_resends_an_unanswered_line_with_the_same_id(monkeypatch, capsys) -> None:
    sent: list = []

    def post(url: str, sender: str, message: str, timeout: float = 60, message_id: str | None = None) -> list:
        sent.append((message, message_id))
        if len(sent) == 2:  # the first trainee line: the trainer does not answer in time
            raise urllib.error.URLError("timed out")
        return [{"text": "Go on."}]

    lines = iter(["I can do $24 a cartridge.", "I can do $24 a cartridge.", "And a free delivery?", "/quit"])
    monkeypatch.setattr(chat, "post", post)
    monkeypatch.setattr(chat, "ask", lambda prompt: next(lines))
    assert chat.run_chat("http://127.0.0.1:9", "price_increase_charlie", "normal", "practice", "t-1") == 0
    (start, start_id), (offer, first_id), (resend, resend_id), (extra, extra_id) = sent
    assert start.startswith("/start_session") and offer == resend == "I can do $24 a cartridge."
    assert first_id and resend_id == first_id and extra_id not in {first_id, start_id}
    assert "Send the same line again" in capsys.readouterr().out
