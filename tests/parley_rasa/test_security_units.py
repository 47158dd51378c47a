"""Unit checks of issue 13's pieces: the action server's secret, log redaction, Slack de-duplication,
what channels hand Rasa."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from parley.text import MAX_MESSAGE_CHARS, REFUSED_KEY
from parley_rasa.action_server import MIN_TOKEN_CHARS, TokenMissing, authorized, load_token
from parley_rasa.channels import check_rest_body, screened
from parley_rasa.logs import RedactText
from parley_rasa.slack import SeenEvents

TOKEN = "t" * 32


def test_the_token_comes_from_the_environment_then_the_file(tmp_path) -> None:
    file = tmp_path / "action_token"
    file.write_text("f" * 40 + "\n")
    assert load_token({"PARLEY_ACTION_TOKEN": TOKEN, "PARLEY_ACTION_TOKEN_FILE": str(file)}) == TOKEN
    assert load_token({"PARLEY_ACTION_TOKEN_FILE": str(file)}) == "f" * 40
    with pytest.raises(TokenMissing, match="rasa run actions"):
        load_token({"PARLEY_ACTION_TOKEN_FILE": str(tmp_path / "missing")})
    with pytest.raises(TokenMissing):
        load_token({"PARLEY_ACTION_TOKEN": "x" * (MIN_TOKEN_CHARS - 1), "PARLEY_ACTION_TOKEN_FILE": str(tmp_path)})


@pytest.mark.parametrize("header, ok", [(f"Bearer {TOKEN}", True), (f"bearer {TOKEN}", True), (TOKEN, False),
                                        (f"Bearer {TOKEN}x", False), ("Bearer ", False), ("", False),
                                        (f"Basic {TOKEN}", False)])
def test_only_the_bearer_secret_is_authorized(header: str, ok: bool) -> None:
    request = SimpleNamespace(headers={"authorization": header} if header else {})
    assert authorized(request, TOKEN) is ok  # type: ignore[arg-type]


def record(message: str, level: int = logging.WARNING, *args: object) -> logging.LogRecord:
    return logging.LogRecord("rasa", level, __file__, 1, message, args, None)


def test_quoted_trainee_text_is_redacted_above_debug() -> None:
    warning = record("Failed to parse arguments in line '/secret{\"x\": 1}'. Expected the intent to be one of "
                     "[['a']] but found secret.Continuing with given line as user text.")
    assert RedactText().filter(warning) and "secret" not in warning.getMessage()
    assert "line <" in warning.getMessage()
    debug = record("user message 'secret words'", logging.DEBUG)
    RedactText().filter(debug)
    assert "secret words" in debug.getMessage()  # debug keeps everything, for a developer's own machine
    plain = record("%s failed for sender %s", logging.ERROR, "action_end_session", "u1")
    RedactText().filter(plain)
    assert plain.getMessage() == "action_end_session failed for sender u1"


def test_an_event_id_is_handled_once_within_its_time() -> None:
    seen = SeenEvents(ttl=60, size=3)
    assert seen.first_time("Ev1", now=0) and not seen.first_time("Ev1", now=30)
    assert seen.first_time("Ev1", now=200)  # forgotten after the ttl (Slack's signature lasts 300 s)
    for n in range(2, 6):
        assert seen.first_time(f"Ev{n}", now=201)
    assert len(seen._seen) <= 3  # bounded


def test_channels_hand_rasa_an_empty_text_and_the_refusal_for_an_over_long_message() -> None:
    text, metadata = screened("z" * (MAX_MESSAGE_CHARS + 5), {"client": 1, REFUSED_KEY: "forged"})
    assert text == "" and metadata["client"] == 1 and metadata[REFUSED_KEY]["chars"] == MAX_MESSAGE_CHARS + 5
    text, metadata = screened("/End Session", {REFUSED_KEY: {"reason": "too_long", "chars": 9, "limit": 1}})
    assert text == "/end_session" and metadata == {}  # a client cannot forge a refusal


@pytest.mark.parametrize("sender", ["x" * 200, "a\x00b", "line\nbreak"])
def test_rest_refuses_unusable_sender_ids_with_a_reason(sender: str) -> None:
    import json

    answer = check_rest_body(json.dumps({"sender": sender, "message": "hi"}).encode())
    assert answer is not None and answer.status == 400 and b'\\"sender\\" is' in answer.body
