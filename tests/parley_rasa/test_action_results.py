"""The cached action-response validator accepts and rejects exactly what Rasa's own check does."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import parley_rasa  # noqa: F401 - installs the cached validator
from parley_rasa.action_results import _validate_action_result

GOOD = {"events": [{"event": "slot", "name": "session_active", "value": True}],
        "responses": [{"text": "hi"}, {"custom": {"report": {"overall": 80}}}]}
BAD = {"events": [{"name": "no event key"}], "responses": []}


def test_rasa_uses_the_cached_validator() -> None:
    assert RemoteAction._validate_action_result is _validate_action_result


def test_same_verdicts_as_jsonschema_validate() -> None:
    spec = RemoteAction.action_response_format_spec()
    action = RemoteAction("action_customer_turn", None)
    jsonschema.validate(GOOD, spec)
    assert action._validate_action_result(GOOD) is True
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(BAD, spec)
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(BAD)

