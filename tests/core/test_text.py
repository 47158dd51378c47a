"""Input limits shared by every channel (parley/text.py, docs/security.md)."""

from __future__ import annotations

import pytest

from parley.text import EXCERPT_CHARS, MAX_MESSAGE_CHARS, MAX_SENDER_CHARS, Refusal, screen_message, sender_problem


def test_a_message_at_the_limit_passes_and_one_over_is_refused_with_an_excerpt() -> None:
    assert screen_message("a" * MAX_MESSAGE_CHARS) == ("a" * MAX_MESSAGE_CHARS, None)
    text, refusal = screen_message("b" * (MAX_MESSAGE_CHARS + 1))
    assert text == "" and refusal == Refusal("too_long", MAX_MESSAGE_CHARS + 1, MAX_MESSAGE_CHARS,
                                             "b" * EXCERPT_CHARS)
    assert Refusal.from_dict(refusal.to_dict()) == refusal
    assert screen_message(None) == (None, None) and screen_message(5) == (5, None)


@pytest.mark.parametrize("data", [None, "too_long", {}, {"reason": "other", "chars": 1, "limit": 1},
                                  {"reason": "too_long", "chars": "many", "limit": 1}, {"reason": "too_long"}])
def test_malformed_refusals_in_metadata_are_ignored(data: object) -> None:
    assert Refusal.from_dict(data) is None


@pytest.mark.parametrize("sender, problem", [
    ("", "missing"), ("  ", "missing"), (None, "missing"), (42, "missing"),
    ("s" * (MAX_SENDER_CHARS + 1), f"longer than {MAX_SENDER_CHARS} characters"),
    ("a\x00b", "contains control or invisible characters"), ("tab\there", "contains control or invisible characters"),
    ("\u202eevil", "contains control or invisible characters"), ("zero\u200bwidth", "contains control or invisible "
                                                                                   "characters"),
])
def test_unusable_sender_ids_say_why(sender: object, problem: str) -> None:
    assert sender_problem(sender) == problem


@pytest.mark.parametrize("sender", ["e2e-1234", "slack:U123", "s" * MAX_SENDER_CHARS, "Zoë Müller", "a b"])
def test_ordinary_sender_ids_pass(sender: str) -> None:
    assert sender_problem(sender) is None
