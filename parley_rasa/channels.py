"""Rasa's REST channel with one addition: a turn that produced no reply gets a clear and true one.

Every Parley action answers, so a turn without a reply has one of three causes, told apart here:

- Rasa's own control commands `/restart`, `/back` and `/session_start` run Rasa's default actions,
  which say nothing. None of them touches Parley's store: the practice session and its turns stay
  as they are (there is no undo in a negotiation). The trainee is told so, and how to carry on,
  finish (`/end_session`) or really start over (`/start_session{...}`).
- Otherwise a service is missing. The action server's `/health` is checked, so the trainee is told
  it is unreachable only when it is; Rasa would return `[]` with a 200 and leave them waiting.
- Or Rasa itself failed on the message: a store gave way mid-turn (the Redis lock of a conversation
  vanished in a restart while the message waited for it, a database that did not come back in time).
  Rasa's REST channel logs it and answers `[]`; the socket.io and Slack channels answer nothing. Here
  the trainee is told to send it again (`delivered`, `NOT_FINISHED`): a resend with the same message
  id is answered from the store if the first one was recorded after all, never played twice.

`Silence` is shared with the socket.io channel (parley_rasa/webchat.py).

The REST channel also guards its input, since anyone who can reach the webhook can post to it:
- a body that is not a JSON object gets a 400 with a JSON explanation (Rasa's own channel answers
  500); a `message` that is missing or null counts as an empty message (the trainer's nudge), any
  other non-string gets a bot message asking for text; nothing reaches Rasa or the store then;
- sender ids in another channel's namespace (`slack:<user>`) are refused with a bot message, so an
  anonymous REST caller cannot speak in a Slack trainee's session or read its report;
- text with lone surrogates (invalid code points, e.g. half an emoji) is repaired with U+FFFD, so
  the turn is understood and stored instead of failing in spaCy or the database.

And every channel (REST, socket.io, Slack) shares the limits of docs/security.md: a body over
`MAX_BODY_BYTES` gets a 413 with an explanation; a message over `MAX_MESSAGE_CHARS` reaches Rasa as an
empty text with a refusal in its metadata (`screened`), which the action server stores as refused; a
sender id must pass `parley.text.sender_problem`; the REST webhook takes only `application/json`, which
a cross-site form or a `no-cors` fetch cannot send.  After each message a long Rasa tracker is cut
down (parley_rasa/history.py), so a turn costs the same at turn 10 and turn 1,500.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Awaitable, Callable, Dict, Iterable

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from rasa.shared.core.constants import (
    DEFAULT_CATEGORICAL_SLOT_VALUE,
    USER_INTENT_BACK,
    USER_INTENT_RESTART,
    USER_INTENT_SESSION_START,
)
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.utils.endpoints import EndpointConfig
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from parley.text import MAX_MESSAGE_CHARS, MAX_SENDER_CHARS, REFUSED_KEY, repair_unicode, screen_message, sender_problem
from parley_rasa import history
from parley_rasa.logs import install_redaction

logger = logging.getLogger(__name__)

NO_REPLY = ("The trainer could not answer just now (its action server is not reachable), so this message was "
            "not recorded. Please send it again in a moment.")
NO_ANSWER = ("The trainer could not answer that message just now (its action server is up but sent no reply), so "
             "it may not have been recorded. Please send it again.")
NOT_FINISHED = ("The trainer could not finish handling that message (one of its services failed while it was being "
                "answered), so it may not have been recorded. Please send it again.")

CARRY_ON = "Carry on with your next line to the customer, or send /end_session for your report."
NEW_SESSION = 'To begin a new session, send /start_session{{"persona": "<id>"}}{personas}.'
START = 'To start a session (or a new one), send /start_session{{"persona": "<id>"}}{personas}.'
# (intent, the last Parley action in Rasa's tracker said a session is open) -> reply. Without that
# word from Parley (no session yet, or the tracker was wiped by /restart, which Rasa keeps no events
# before) the reply claims nothing about a session: it says what is true either way.
CONTROL_REPLIES = {
    (USER_INTENT_RESTART, True): ("/restart does not reset your practice: the session with the customer is still "
                                  "open and every turn so far stays on the record. " + CARRY_ON + " " + NEW_SESSION),
    (USER_INTENT_RESTART, False): ("/restart does not reset a practice session: it stays open, with every turn on the "
                                   "record, until you send /end_session. " + START),
    (USER_INTENT_BACK, True): ("There is no undo in a practice session: the customer has heard your last message and "
                               "it stays on the record, as in a real conversation. " + CARRY_ON),
    (USER_INTENT_BACK, False): ("There is no undo in a practice session: every message the customer has heard stays "
                                "on the record. " + START),
    (USER_INTENT_SESSION_START, True): ("/session_start changes nothing here: your practice session with the customer "
                                        "is still open. " + CARRY_ON + " " + NEW_SESSION),
    (USER_INTENT_SESSION_START, False): "/session_start does not start a practice session. " + START,
}
CONTROL_INTENTS = {intent for intent, _ in CONTROL_REPLIES}

# Sender ids other channels own: Slack conversations are "slack:<user id>" (parley_rasa/slack.py).
SLACK_SENDER_PREFIX = "slack:"
RESERVED_SENDER_PREFIXES = (SLACK_SENDER_PREFIX,)
RESERVED_SENDER = ("The sender id '{sender}' is reserved for another channel (ids starting with {prefixes} belong to "
                   "Slack), so this message was not recorded. Pick another sender id.")
SEND_TEXT = ('Parley reads text: send {"sender": "<your id>", "message": "<what you say to the customer>"} with '
             '"message" as a string. This message was not recorded.')
NEED_SENDER = ('"sender" must be your own id, a non-empty string: {"sender": "<your id>", "message": "<what you '
               'say to the customer>"}. Without one, every caller would share one conversation. This message was '
               'not recorded.')
BAD_SENDER = ('"sender" is {problem}: use a short id of letters, digits and punctuation (at most {limit} '
              'characters). This message was not recorded.')
NOT_JSON = ('The REST webhook takes only Content-Type: application/json bodies such as {"sender": "<your id>", '
            '"message": "<what you say to the customer>"}.')
MAX_BODY_BYTES = 1024 * 1024  # a message of MAX_MESSAGE_CHARS is at most ~120 KB of JSON
TOO_LARGE = (f"That request is larger than {MAX_BODY_BYTES // 1024} KB and was not read, so it was not recorded. "
             f"Messages are limited to {MAX_MESSAGE_CHARS:,} characters; please send a shorter one.")
BAD_BODY = ('The body must be a JSON object such as {"sender": "<your id>", "message": "<what you say to the '
            'customer>"}.')


def clean_text(text: Any) -> Any:
    """Lone surrogates (not valid Unicode, unencodable as UTF-8) replaced by U+FFFD; other values unchanged."""
    return repair_unicode(text) if isinstance(text, str) else text


# "/End_Session", "/end session", "/endsession please", "/start session {...}": the commands as typed
_COMMAND = re.compile(r"^/\s*(start|end)[\s_-]*session(?![a-z])[\s_-]*(.*)$", re.IGNORECASE | re.DOTALL)


def canonical_command(text: Any) -> Any:
    """A mistyped session command as the contract spells it, so Rasa routes it as one; other text unchanged.

    `/end_session` with a few words after it ("please", "now") ends the session; `/start_session`
    keeps its JSON options, and one word after it is taken as the persona id.
    """
    found = _COMMAND.match(text.strip()) if isinstance(text, str) else None
    if found is None:
        return text
    command, rest = found.group(1).lower(), found.group(2).strip()
    if command == "end":
        return "/end_session" if len(rest.split()) <= 3 and not rest.startswith("{") else text
    if not rest or rest.startswith("{"):
        return "/start_session" + rest
    return "/start_session" + json.dumps({"persona": rest}) if len(rest.split()) == 1 else text


def incoming(text: Any) -> Any:
    """What a channel hands Rasa for the text a trainee sent: valid Unicode, commands spelled right."""
    return canonical_command(clean_text(text))


def reserved_sender(sender: Any) -> str | None:
    """The refusal for a sender id in another channel's namespace or not valid; None when the id is fine."""
    problem = sender_problem(sender)
    if problem is not None and problem != "missing":
        return BAD_SENDER.format(problem=problem, limit=MAX_SENDER_CHARS)
    if isinstance(sender, str) and sender.strip().lower().startswith(RESERVED_SENDER_PREFIXES):
        return RESERVED_SENDER.format(sender=clean_text(sender)[:100], prefixes=", ".join(RESERVED_SENDER_PREFIXES))
    return None


def control_reply(intent: str, session_open: bool, personas: Iterable[str] = ()) -> str | None:
    """What a trainee is told after one of Rasa's silent control commands; None for anything else."""
    template = CONTROL_REPLIES.get((intent, bool(session_open)))
    if template is None:
        return None
    names = [p for p in personas if p != DEFAULT_CATEGORICAL_SLOT_VALUE]
    return template.format(personas=f" (personas: {', '.join(names)})" if names else "")


def health_url(endpoint: EndpointConfig | None) -> str | None:
    """The rasa-sdk `/health` URL next to the action endpoint's `/webhook`."""
    if endpoint is None or not endpoint.url:
        return None
    base = endpoint.url.rstrip("/")
    if base.endswith("/webhook"):
        base = base[: -len("/webhook")]
    return f"{base}/health"


async def action_server_is_up(endpoint: EndpointConfig | None, timeout: float = 3.0) -> bool:
    url = health_url(endpoint)
    if url is None:
        return False
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            # Parley's action server answers only with the shared secret the endpoint sends (headers)
            async with session.get(url, headers=dict(endpoint.headers or {})) as response:
                return response.status == 200
    except Exception:  # noqa: BLE001  # refused, timed out (asyncio.TimeoutError), bad URL: not reachable
        return False


class Silence:
    """Finds the true reason a turn got no reply, from the running Rasa server's agent and tracker."""

    def __init__(self) -> None:
        self.app: Sanic | None = None

    def watch(self, blueprint: Blueprint) -> Blueprint:
        """Remembers the Sanic app (and through it Rasa's agent) when the server starts."""

        @blueprint.listener("before_server_start")
        async def remember_app(app: Sanic, _loop: Any) -> None:
            self.app = app
            limit_bodies(app)
            install_redaction()  # Rasa's warnings may quote a trainee's text (parley_rasa/logs.py)

        return blueprint

    def agent(self) -> Any:
        return getattr(getattr(self.app, "ctx", None), "agent", None) if self.app is not None else None

    async def handled(self, sender_id: str) -> None:
        """After a message: keeps the sender's Rasa tracker short (parley_rasa/history.py)."""
        try:
            await history.compact(self.agent(), sender_id)
        except Exception:  # noqa: BLE001  # housekeeping must never cost the trainee their answer
            logger.exception("could not shorten a conversation's history")

    async def reply(self, sender_id: str) -> str:
        agent = self.agent()
        if agent is None:
            return NO_REPLY
        intent, session_open = None, False
        try:
            tracker = await agent.tracker_store.retrieve_full_tracker(sender_id)
            for event in tracker.events if tracker else []:
                if isinstance(event, UserUttered):
                    intent = event.intent_name
                elif isinstance(event, SlotSet) and event.key == "session_active":
                    session_open = bool(event.value)  # set by every Parley action
        except Exception:  # noqa: BLE001  # the explanation must not break the turn
            logger.exception("could not read the tracker of %s", sender_id)
        personas = next((s.values for s in agent.domain.slots if s.name == "persona" and hasattr(s, "values")), [])
        answer = control_reply(intent or "", session_open, personas)
        if answer is not None:
            return answer
        return NO_ANSWER if await action_server_is_up(agent.action_endpoint) else NO_REPLY


async def why_silent(silence: Silence | None, sender_id: str, failed: bool) -> str:
    """What a trainee is told when a message got no reply: Rasa failed on it (`delivered`), or `Silence`'s reason."""
    if failed:
        return NOT_FINISHED
    return await silence.reply(sender_id) if silence is not None else NO_REPLY


async def delivered(on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage) -> bool:
    """Hands the message to Rasa; False when Rasa raised on it (logged here), so the channel can say so.

    A reply already sent stays sent: the turn was recorded by the action server before Rasa failed after it."""
    try:
        await on_new_message(message)
        return True
    except Exception:  # noqa: BLE001  # a LockError, a store that stayed away: the trainee still gets an answer
        logger.exception("Rasa could not handle a message from %s", message.sender_id)
        return False


def answering(on_new_message: Callable[[UserMessage], Awaitable[Any]],
              silence: Silence | None = None) -> Callable[[UserMessage], Awaitable[None]]:
    async def handle(message: UserMessage) -> None:
        message.text, message.metadata = screened(message.text, message.metadata)
        failed = not await delivered(on_new_message, message)
        output = message.output_channel
        if isinstance(output, CollectingOutputChannel) and not output.messages:
            await output.send_text_message(message.sender_id, await why_silent(silence, message.sender_id, failed))
        if silence is not None:
            await silence.handled(message.sender_id)

    return handle


def screened(text: Any, metadata: Dict[str, Any] | None) -> tuple[Any, Dict[str, Any]]:
    """(text, metadata) as a channel hands them to Rasa: an over-long text becomes "" with its refusal in the
    metadata (a client's own `parley_refused` key is always dropped), other text goes through `incoming`."""
    text, refusal = screen_message(text)
    metadata = {key: value for key, value in (metadata or {}).items() if key != REFUSED_KEY}
    if refusal is not None:
        metadata[REFUSED_KEY] = refusal.to_dict()
    return (text if refusal else incoming(text)), metadata


def limit_bodies(app: Sanic) -> None:
    """Rasa's server reads at most MAX_BODY_BYTES of a request (Sanic's default is 100 MB) and says why."""
    from sanic.exceptions import PayloadTooLarge

    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES

    def too_large(_request: Request, _exception: Exception) -> HTTPResponse:
        return response.json({"error": "payload_too_large", "message": TOO_LARGE}, status=413)

    app.error_handler.add(PayloadTooLarge, too_large)


def _bot_says(sender: Any, text: str) -> HTTPResponse:
    """A 200 with one bot message, the shape Rasa's REST channel answers in."""
    return response.json([{"recipient_id": sender if isinstance(sender, str) else None, "text": text}])


def check_rest_body(raw: bytes) -> HTTPResponse | None:
    """The answer to a REST body Parley refuses before Rasa sees it; None for a usable one."""
    try:
        body = json.loads(raw or b"")
    except ValueError:  # empty, not JSON, not UTF-8
        body = None
    if not isinstance(body, dict):
        return response.json({"error": "bad_request", "message": BAD_BODY}, status=400)
    sender = body.get("sender")
    problem = sender_problem(sender)
    if problem not in (None, "missing"):
        return response.json({"error": "bad_request",
                              "message": BAD_SENDER.format(problem=problem, limit=MAX_SENDER_CHARS)}, status=400)
    if not isinstance(sender, str) or not sender.strip():
        # Rasa would file it under "default", one conversation shared by every such caller: a trainee's
        # /end_session would read out someone else's report
        return response.json({"error": "bad_request", "message": NEED_SENDER}, status=400)
    refusal = reserved_sender(sender)
    if refusal is not None:
        return _bot_says(sender, refusal)
    if body.get("message") is not None and not isinstance(body["message"], str):
        return _bot_says(sender, SEND_TEXT)
    return None


class RestInput(RasaRestInput):
    """Registered in credentials.yml by module path; keeps the URL /webhooks/rest/webhook."""

    def _extract_message(self, req: Request) -> str:
        return req.json.get("message") or ""  # missing or null: an empty message, which gets the nudge

    def get_metadata(self, request: Request) -> Dict[str, Any] | None:
        metadata = request.json.get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        silence = Silence()
        webhook = silence.watch(super().blueprint(answering(on_new_message, silence)))

        @webhook.middleware("request")
        async def refuse_bad_input(request: Request) -> HTTPResponse | None:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
                # a cross-site form or fetch(..., {mode: "no-cors"}) can only send text/plain or a form
                return response.json({"error": "unsupported_media_type", "message": NOT_JSON}, status=415)
            return check_rest_body(request.body)

        return webhook
