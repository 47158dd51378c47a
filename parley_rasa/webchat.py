"""Rasa's socket.io channel, fixed for custom payloads, for the rasa-webchat widget in web/.

Rasa 3.6's `SocketIOOutput.send_custom_json` spreads the payload into `sio.emit(**payload)`, so a
custom payload such as `{"briefing": {...}}` raises a TypeError (`emit()` has no `briefing`
argument) and the turn's remaining messages are lost.  This channel emits custom payloads as one
`bot_uttered` message `{"custom": {...}}`, the same shape the REST channel returns.

While a trainee's message is being handled the messages are held and sent together when the turn
is done, so the readable text Parley sends just before a `briefing` or `report` payload travels
in the same message as that payload (`{"text": ..., "custom": ...}`).  rasa-webchat shows no bubble
for a message with a custom payload, so the page renders the briefing card and the report from
the payload and the chat is not flooded with the long text version; other socket.io clients still
get the text.

Rasa creates its socket.io server with an empty allowed-origins list, which turns the Origin check
off: any web page could open a conversation.  Here the check is on, against the same list as Rasa's
CORS (`rasa run --cors ...`, scripts/run.sh: the trainee page only); clients that send no Origin
(not browsers) are not affected.  Messages over the size limit are refused as on every channel
(parley_rasa/channels.py).  Registered in credentials.yml as `parley_rasa.webchat.WebchatInput`; the options
are the same as Rasa's `socketio` channel.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Tuple

import rasa.shared.utils.io
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio import AsyncServer

from parley_rasa.channels import SEND_TEXT, Silence, delivered, reserved_sender, screened, why_silent

logger = logging.getLogger(__name__)

# Custom payloads that replace the text sent just before them (session contract, DESIGN.md).
MERGED_WITH_TEXT = ("briefing", "report")
OTHER_KINDS = ("quick_replies", "buttons", "image", "attachment", "elements")


class WebchatOutput(SocketIOOutput):
    """Emits custom payloads as `{"custom": ...}`; holds a turn's messages until `flush()`."""

    def __init__(self, sio: AsyncServer, bot_message_evt: str, hold: bool = False) -> None:
        super().__init__(sio, bot_message_evt)
        self.hold = hold
        self.replied = False
        self._held: List[Tuple[str, Dict[str, Any]]] = []

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if self.hold:
            self._held.append((recipient_id, {"text": text}))
        else:
            await super().send_text_message(recipient_id, text, **kwargs)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        if not self.hold:
            await self._send_message(recipient_id, {"custom": json_message})
            return
        last = self._held[-1][1] if self._held and self._held[-1][0] == recipient_id else None
        if last is not None and set(last) == {"text"} and any(k in json_message for k in MERGED_WITH_TEXT):
            last["custom"] = json_message
        else:
            self._held.append((recipient_id, {"custom": json_message}))

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        self.replied = True
        if not (self.hold and any(message.get(k) for k in OTHER_KINDS)):
            await super().send_response(recipient_id, message)
            return
        # buttons, images and the like keep Rasa's behaviour, sent in order after what is held
        await self.flush()
        self.hold = False
        try:
            await super().send_response(recipient_id, message)
        finally:
            self.hold = True

    async def flush(self) -> None:
        held, self._held = self._held, []
        for recipient_id, message in held:
            if set(message) == {"text"}:
                await super().send_text_message(recipient_id, message["text"])  # split on blank lines
            else:
                await self._send_message(recipient_id, message)


class WebchatInput(SocketIOInput):
    """Rasa's socket.io input channel with `WebchatOutput` as its output."""

    def get_output_channel(self) -> WebchatOutput | None:
        if self.sio is None:
            return super().get_output_channel()  # type: ignore[return-value]
        return WebchatOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        silence = Silence()  # says truly why a turn got no reply (parley_rasa/channels.py)
        silence.watch(webhook)
        sio = self.sio
        assert sio is not None
        origins = CorsOrigins(silence)
        sio.eio.cors_allowed_origins = origins.allows  # checked by engine.io on every request
        sio.eio._cors_headers = lambda environ: []  # Rasa's CORS (sanic-cors) already sends the headers

        # replaces Rasa's handler for the same event (python-socketio keeps one handler per event)
        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Dict) -> None:
            data = data if isinstance(data, dict) else {}
            if self.session_persistence:
                if not data.get("session_id"):
                    rasa.shared.utils.io.raise_warning(
                        "A message without a valid session_id was received and is ignored. Set a session id "
                        "with the `session_request` socketIO event.")
                    return
                sender_id = data["session_id"]
            else:
                sender_id = sid
            output = WebchatOutput(sio, self.bot_message_evt, hold=True)
            text = data.get("message")
            refusal = reserved_sender(sender_id) or (None if text is None or isinstance(text, str) else SEND_TEXT)
            if refusal is not None:  # answered here: nothing reaches Rasa or the store
                await output.send_text_message(sender_id, refusal)
                await output.flush()
                return
            text, metadata = screened(text or "", self._metadata(data))
            message = UserMessage(text, output, sender_id, input_channel=self.name(), metadata=metadata)
            try:
                failed = not await delivered(on_new_message, message)
                if not output.replied:  # every Parley action answers: a Rasa command, a missing service, a failure
                    await output.send_text_message(sender_id, await why_silent(silence, sender_id, failed))
            finally:
                await output.flush()
            await silence.handled(sender_id)

        return webhook

    def _metadata(self, data: Dict) -> Dict[str, Any]:
        """The client's metadata as an object; bad JSON or a non-object is dropped, not the message."""
        metadata = data.get(self.metadata_key) or {}
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                logger.warning("socket.io: metadata that is not JSON was ignored")
                metadata = {}
        return metadata if isinstance(metadata, dict) else {}


class CorsOrigins:
    """The origins Rasa's CORS allows (`--cors`), read from the running app's sanic-cors settings."""

    def __init__(self, silence: Silence) -> None:
        self.silence = silence

    def allowed(self) -> List[str] | None:
        """The allowed origins; None means any ("*"); [] means none."""
        app = self.silence.app
        options = getattr(getattr(getattr(app, "ctx", None), "sanic_cors", None), "_options", None) or {}
        resources = options.get("resources") or {}
        origins = next(iter(resources.values()), {}).get("origins") if isinstance(resources, dict) else None
        if isinstance(origins, str):
            origins = [origins] if origins else []
        origins = list(origins or [])
        return None if "*" in origins else origins

    def allows(self, origin: str | None) -> bool:
        allowed = self.allowed()
        return allowed is None or origin in allowed
