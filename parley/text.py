"""Input hygiene shared by every way a trainee's text comes in (Rasa channels, NLU, the session core).

Limits, checked once at every entry point (docs/security.md):

- a message is at most `MAX_MESSAGE_CHARS` characters. A longer one is refused: the channel hands
  Rasa an empty text with a `Refusal` in the message metadata, so nothing large ever enters Rasa's
  tracker (which travels to the action server on every turn); the action server stores the refusal
  (not a scored turn) and the session goes on.
- a sender id is 1..`MAX_SENDER_CHARS` characters with no control characters (PostgreSQL refuses
  NUL; the trainees table holds 255).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

MAX_MESSAGE_CHARS = 20_000  # a long paste (about ten pages) still gets the "short version" answer
MAX_SENDER_CHARS = 128
EXCERPT_CHARS = 200  # what is kept of a refused message: enough to recognise it
REFUSED_KEY = "parley_refused"  # the message-metadata key a channel sets (and always overwrites)

_SURROGATE = re.compile("[\ud800-\udfff]")


def repair_unicode(text: str) -> str:
    """Lone surrogates (half an emoji) cannot be encoded, by spaCy or the database: shown as U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True)
class Refusal:
    """A message not handed to the customer, and why: what the store keeps and the trainee is told."""

    reason: str  # "too_long"
    chars: int
    limit: int
    excerpt: str

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Refusal | None:
        """From message metadata; None for anything that is not a well-formed refusal."""
        if not isinstance(data, dict) or data.get("reason") != "too_long":
            return None
        try:
            return cls("too_long", int(data["chars"]), int(data["limit"]),
                       repair_unicode(str(data.get("excerpt", "")))[:EXCERPT_CHARS])
        except (KeyError, TypeError, ValueError):
            return None


def screen_message(text: Any) -> tuple[Any, Refusal | None]:
    """(text for Rasa, refusal): an over-long text becomes "" and a `Refusal`; anything else passes."""
    if isinstance(text, str) and len(text) > MAX_MESSAGE_CHARS:
        excerpt = repair_unicode(text[:EXCERPT_CHARS])
        return "", Refusal("too_long", len(text), MAX_MESSAGE_CHARS, excerpt)
    return text, None


def sender_problem(sender: Any) -> str | None:
    """Why a sender id cannot be used (to tell the caller); None when it is fine."""
    if not isinstance(sender, str) or not sender.strip():
        return "missing"
    if len(sender) > MAX_SENDER_CHARS:
        return f"longer than {MAX_SENDER_CHARS} characters"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in sender):
        return "contains control or invisible characters"
    return None
