"""The terminal chat's `/retry N` shorthand for the session contract's retry command."""

from __future__ import annotations

from parley.chat import retry_command


def test_retry_shorthand_becomes_the_contract_command() -> None:
    assert retry_command("/retry 3") == '/retry_from_turn{"turn": 3}'
    assert retry_command("/retry from turn 12") == '/retry_from_turn{"turn": 12}'
    assert retry_command("/retry_from_turn 2") == '/retry_from_turn{"turn": 2}'
    assert retry_command("I'll retry 3 times") is None and retry_command("/retry") is None
