"""Validate action-server responses with a schema validator built once, not on every call.

Rasa 3.6 checks every custom action's response with `jsonschema.validate(result, spec)`, which
re-checks the spec itself against the newest JSON Schema meta-schema each time: ~30 ms of CPU per
action call with the jsonschema Rasa pins, more than the rest of a Parley turn. The check below
is the same (same spec, same validator class, same error message) with the validator built once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _validator() -> Any:
    spec = RemoteAction.action_response_format_spec()
    cls = validator_for(spec)
    cls.check_schema(spec)  # once, as jsonschema.validate would on every call
    return cls(spec)


def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    try:
        _validator().validate(result)
        return True
    except ValidationError as e:
        e.message += (f". Failed to validate Action server response from API, make sure your response from the "
                      f"Action endpoint is valid. For more information about the format visit "
                      f"{DOCS_BASE_URL}/custom-actions")
        raise e


def install_cached_validator() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
