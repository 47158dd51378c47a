"""Input hygiene shared by every way a trainee's text comes in (Rasa channels, NLU, the session core)."""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def repair_unicode(text: str) -> str:
    """Lone surrogates (half an emoji) cannot be encoded, by spaCy or the database: shown as U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)
