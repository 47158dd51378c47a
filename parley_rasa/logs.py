"""Logging for Parley's processes: timestamps and levels, and trainees' words only at debug level.

Rasa and rasa-sdk log the text of a message in some warnings (a message Rasa could not parse, a slot
it could not fill).  A trainee's words are personal data kept in Parley's database, which is private
(0600); logs are often shipped elsewhere.  `RedactText` rewrites such records above debug level so
the operator still sees that something happened, without the words.
"""

from __future__ import annotations

import logging
import os
import re

LEVEL_ENV = "PARLEY_LOG_LEVEL"
FORMAT = "%(asctime)s %(levelname)-7s %(name)s - %(message)s"
# Rasa's warnings quote the message: "Failed to parse arguments in line '<text>'", "message '<text>'", ...
_QUOTED_TEXT = re.compile(r"""((?:message|text|utterance|user said|input|line)\W{0,3}\s*)(['"]).*?\2(?=[.,;:)\s]|$)""",
                          re.IGNORECASE | re.DOTALL)
# ... and name what it found in it: "but found <intent>." / "but found {'<entity>'}."
_FOUND = re.compile(r"(but found )(\{.*?\}|\S+?)(\.(?:\s|$|[A-Z]))", re.DOTALL)


class RedactText(logging.Filter):
    """Above debug level, a quoted message text in a log record is replaced by its length."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno <= logging.DEBUG:
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001  # a broken record is logged as it is
            return True
        redacted = _QUOTED_TEXT.sub(lambda m: f"{m.group(1)}<{len(m.group(0)) - len(m.group(1)) - 2} chars>",
                                    message)
        redacted = _FOUND.sub(lambda m: f"{m.group(1)}<redacted>{m.group(3)}", redacted)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def configure_logging(level: str | None = None) -> None:
    """The root logger at PARLEY_LOG_LEVEL (default INFO), with the redaction on every handler."""
    name = (level or os.environ.get(LEVEL_ENV) or "INFO").upper()
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format=FORMAT)
    root.setLevel(getattr(logging, name, logging.INFO))
    install_redaction()


def install_redaction() -> None:
    """Adds `RedactText` to every handler of the root logger (idempotent); Python warnings (Rasa's
    `raise_warning` quotes messages it could not parse) go through logging, and so through the filter."""
    logging.captureWarnings(True)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactText) for f in handler.filters):
            handler.addFilter(RedactText())
