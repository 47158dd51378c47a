"""Parley in Slack: Rasa's Slack connector with trainee commands and Slack-formatted replies.

Registered in credentials.yml as `parley_rasa.slack.SlackInput`.  On top of Rasa's `SlackInput`
(signature check, retries, one conversation per Slack user with `conversation_granularity: sender`):

- configuration from the environment: `SLACK_BOT_TOKEN` and `SLACK_SIGNING_SECRET` (values written
  in credentials.yml win).  Rasa's own `${VAR}` substitution in credentials.yml stops the server
  when a variable is unset, which would take REST and the web widget down on every machine without
  Slack; so the variables are read here, and while they are missing the channel stays off: the
  webhook answers 503 and everything else runs as usual.
- `SLACK_API_URL` (default https://slack.com/api/) is the Web API base URL replies go to; tests
  point it at a local fake.
- trainee commands: `practice <persona words> [easy|normal|hard] [assessment]` becomes
  `/start_session{...}` of the session contract, `end` / `report` / `stop` becomes `/end_session`,
  `help` / `personas` lists the personas.  Anything else is a turn for the customer.
- the session contract's custom payloads are posted as Slack blocks: the briefing card, the
  coach's note after each turn in practice mode, and the report.
- each Slack user's conversation (and Parley session) is keyed `slack:<user id>`, a namespace the
  REST channel refuses, so a REST caller cannot pose as a Slack user and read their report.
- each event is handled once: Slack's `event_id` is remembered for an hour (`SeenEvents`), so a
  signed request replayed within the five minutes its signature is valid, or a retry Slack sends
  (X-Slack-Retry-Num) after a slow answer, is acknowledged without a second turn.
- the URL-verification challenge is answered as `{"challenge": ...}` (Rasa answers a bare JSON
  string, which Slack's stricter check can refuse).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections import OrderedDict
from http import HTTPStatus
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, NamedTuple, Sequence, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot as RasaSlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from parley.session import END_HINT, START_HINT
from parley_rasa.channels import SLACK_SENDER_PREFIX, Silence, clean_text, delivered, screened, why_silent
from parley_rasa.slack_people import PEOPLE

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
TOKEN_ENV, SECRET_ENV = "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"
API_URL_ENV, CHANNEL_ENV = "SLACK_API_URL", "SLACK_CHANNEL"

DIFFICULTY_WORDS = {"easy": "easy", "normal": "normal", "medium": "normal", "hard": "hard"}
MODE_WORDS = {"assessment": "assessment", "assess": "assessment", "assessed": "assessment", "exam": "assessment",
              "test": "assessment", "practice": "practice", "practise": "practice", "coached": "practice"}
FILLER = {"with", "the", "a", "an", "on", "in", "at", "mode", "difficulty", "level", "persona", "please", "me",
          "and", "of", "for", "to", "customer", "who"}
START_WORDS = ("practice", "practise")
END_WORDS = {"end", "end session", "report", "stop", "finish", "/end_session"}
HELP_WORDS = {"help", "personas", "?", "hi parley", "menu"}
RETRY_WORDS = re.compile(r"^/?(?:retry|redo|replay)(?:_from_turn)?\s*(?:from\s*)?(?:turn\s*)?(\d{1,3})$")


# -- personas and commands ----------------------------------------------------------------------
class PersonaCard(NamedTuple):
    id: str
    name: str
    title: str
    default_difficulty: str


class _Cards:
    """The persona cards, rebuilt when a persona file changes (a few `stat` calls a message), so a
    trainer's new or edited persona is in `help` and `practice <name>` without a restart."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory  # None: the folder the action server reads (PARLEY_PERSONA_DIR)
        self.watcher: Any = None
        self.source: Dict[str, Any] | None = None
        self.cards: Tuple[PersonaCard, ...] = ()

    def current(self) -> Tuple[PersonaCard, ...]:
        try:
            from parley.personas import PersonaWatcher

            if self.watcher is None:
                self.watcher = PersonaWatcher(self.directory) if self.directory else PersonaWatcher()
            personas = self.watcher.current()  # the same dict until a file changes
        except Exception as exc:  # a broken persona folder must not take the channel down
            logger.error(f"Slack: could not load the personas ({exc}); `practice <id>` still works")
            return self.cards
        if personas is not self.source:
            self.cards = tuple(PersonaCard(p.id, p.name, p.title, p.default_difficulty)
                               for p in sorted(personas.values(), key=lambda p: p.id))
            self.source = personas
        return self.cards


_CARDS = _Cards()


def persona_cards() -> Tuple[PersonaCard, ...]:
    """The installed personas (the same files the action server reads), in a stable order."""
    return _CARDS.current()


class Command(NamedTuple):
    """What to do with a Slack message: pass `text` to Rasa, or answer with `help` directly."""

    text: str | None = None
    help: str | None = None  # the reason shown above the persona list


def _words(text: str) -> List[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def match_persona(words: Sequence[str], cards: Sequence[PersonaCard]) -> List[PersonaCard]:
    """The best-matching personas for the words after `practice` (one when it is clear)."""
    scores: Dict[str, int] = {}
    for card in cards:
        id_parts, name_words = set(card.id.split("_")), set(_words(card.name))
        title_words = {w for w in _words(card.title) if len(w) > 3}
        score = 0
        for word in words:
            if word in (card.id, card.name.lower()):
                score += 4
            elif word in id_parts or word in name_words:
                score += 2
            elif word in title_words:
                score += 1
        for i, c in enumerate(cards, 1):
            if c is card and str(i) in words:
                score += 4
        scores[card.id] = score
    best = max(scores.values(), default=0)
    return [c for c in cards if best and scores[c.id] == best]


def translate(text: str, cards: Sequence[PersonaCard]) -> Command:
    """Slack words to the session contract; anything else is a trainee turn, unchanged."""
    plain = " ".join(text.split())
    lowered = plain.lower().rstrip(".!")
    if lowered in HELP_WORDS:
        return Command(help="Here is how to practise.")
    if lowered in END_WORDS:
        return Command(text="/end_session")
    retry = RETRY_WORDS.match(lowered)
    if retry:  # "retry 3", "retry from turn 3": the session contract's /retry_from_turn
        return Command(text="/retry_from_turn" + json.dumps({"turn": int(retry.group(1))}))
    words = _words(plain)
    if not words or words[0] not in START_WORDS:
        return Command(text=plain)
    difficulty = next((DIFFICULTY_WORDS[w] for w in words[1:] if w in DIFFICULTY_WORDS), None)
    mode = next((MODE_WORDS[w] for w in words[1:] if w in MODE_WORDS), "practice")
    rest = [w for w in words[1:] if w not in DIFFICULTY_WORDS and w not in MODE_WORDS and w not in FILLER]
    if not rest:
        return Command(help="Which customer would you like to practise with?")
    if len(rest) > 3:  # "Practice makes perfect, and ..." is a turn for the customer, not a command
        return Command(text=plain)
    if not cards:  # personas could not be read here: let the trainer answer for the id given
        found = "_".join(rest)
    else:
        matches = match_persona(rest, cards)
        if len(matches) != 1:
            said = " ".join(rest)
            reason = (f"Several personas match '{said}'." if matches else f"I don't know a persona called '{said}'.")
            return Command(help=reason)
        found = matches[0].id
    options = {"persona": found, "mode": mode, **({"difficulty": difficulty} if difficulty else {})}
    return Command(text="/start_session" + json.dumps(options))


# -- Slack formatting ---------------------------------------------------------------------------
def escape(text: Any) -> str:
    """Slack's three control characters; everything else is shown as typed."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(text: Any, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def bar(value: float, width: int = 10) -> str:
    filled = max(0, min(width, int(round(float(value) / 100 * width))))
    return "\u2588" * filled + "\u2591" * (width - filled)


def money(value: Any, currency: str = "$") -> str:
    try:
        return f"{currency}{float(value):,.2f}".replace(".00", "")
    except (TypeError, ValueError):
        return "?"


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, 150), "emoji": True}}


def help_message(reason: str, cards: Sequence[PersonaCard]) -> Tuple[str, List[dict]]:
    lines = [f"{i}. *{escape(c.name)}* \u2014 {escape(c.title)}  (`practice {escape(c.name.lower())}`)"
             for i, c in enumerate(cards, 1)]
    blocks = [
        _section(f"{escape(reason)} I play a customer; you are the rep. Start a session with "
                 "`practice <persona> [easy|normal|hard] [assessment]`, e.g. `practice charlie` or "
                 "`practice loyal hard`. Type your replies as plain messages; say `end` for your report."),
        _section("*Personas*\n" + ("\n".join(lines) or "_none installed_")),
        _context("Practice mode coaches you after every turn; assessment mode keeps the feedback for the report."),
    ]
    return f"{reason} Say `practice <persona>` to start.", blocks


def briefing_message(b: dict) -> Tuple[str, List[dict]]:
    cur = str(b.get("currency") or "$")
    price = f"{money(b.get('list_price'), cur)} per {escape(b.get('unit') or 'unit')}"
    if b.get("previous_price"):
        price += f" (was {money(b.get('previous_price'), cur)})"
    tradables = ", ".join(escape(t) for t in b.get("tradables") or []) or "none"
    fields = [
        ("Customer", escape(b.get("customer", ""))),
        ("Situation", escape(b.get("situation", ""))),
        ("Product", f"{escape(b.get('product', ''))}, {price}"
                    + (f"; about {escape(b['monthly_volume'])} a month" if b.get("monthly_volume") else "")),
        ("Your limits", f"lowest price {money(b.get('floor_price'), cur)}; extras you may trade: {tradables}"),
    ]
    name = b.get("name") or "the customer"
    blocks = [
        _header(f"Briefing: {b.get('title') or name}"),
        _context(f"*{escape(b.get('difficulty', ''))}* difficulty \u00b7 *{escape(b.get('mode', ''))}* mode"),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{clip(v, 1900)}"} for k, v in fields]},
        _section(f"*Your goal*\n{escape(b.get('goal', ''))}"),
        _context(f"{escape(name)} speaks next. Reply as the rep; say `end` at any time for your report."),
    ]
    return f"Briefing: {clip(b.get('title') or name, 200)}", blocks


def feedback_message(f: dict) -> Tuple[str, List[dict]]:
    points = int(f.get("points") or 0)
    moves = ", ".join(escape(m) for m in f.get("moves") or []) or "none"
    line = f":compass: *Coach* \u00b7 {points:+d} pts \u00b7 moves: {moves}"
    tip = f.get("tip") or f.get("feedback")
    if tip:
        line += f"\n{escape(clip(tip, 1500))}"
    return f"Coach: {points:+d} points", [_context(line)]


def report_message(r: dict) -> Tuple[str, List[dict]]:
    o = r.get("outcome") or {}
    currency = str(r.get("currency") or "$")
    names = r.get("criteria_names") or {}
    if o.get("deal"):
        ending = f":handshake: *Deal* at {money(o.get('price'), currency)}"
        if o.get("terms"):
            ending += " with " + ", ".join(escape(t) for t in o["terms"])
    elif o.get("ended_by") == "walked_away":
        ending = ":door: *No deal*: the customer walked away"
    else:
        ending = ":pause_button: *No deal yet*: the session ended"
    yes = {True: "yes", False: "*no*"}
    facts = (f"{ending}\nWithin your limits: {yes[bool(o.get('within_parameters'))]} \u00b7 "
             f"customer retained: {yes[bool(o.get('customer_retained'))]} \u00b7 "
             f"satisfaction {int(o.get('satisfaction') or 0)}/100")
    criteria = "\n".join(f"`{bar(v)}` {int(v):>3}  {escape(names.get(k, k.replace('_', ' ')))}" if v is not None
                         else f"`{'not shown':<10}`      {escape(names.get(k, k.replace('_', ' ')))}: "
                              f"_{escape((r.get('not_shown') or {}).get(k, 'nothing to judge'))}_"
                         for k, v in (r.get("criteria") or {}).items())
    headline = (f"Session report: {int(r['overall'])}/100" if r.get("overall") is not None
                else "Session report: not assessed")
    blocks: List[dict] = [
        _header(headline),
        _section(facts),
        _section(f"*Criteria*\n{criteria}"),
        {"type": "divider"},
        _section("*Your turns*"),
    ]
    turns = r.get("turns") or []
    shown = turns[:30]  # Slack allows 50 blocks a message
    for i, t in enumerate(shown, 1):
        moves = ", ".join(escape(m) for m in t.get("moves") or []) or "none"
        blocks.append(_section(f"*{i}.* \u201c{escape(clip(t.get('text', ''), 600))}\u201d\n"
                               f"_{moves}_ \u00b7 *{int(t.get('points') or 0):+d}*\n"
                               f"{escape(clip(t.get('feedback', ''), 1800))}"))
    if len(turns) > len(shown):
        blocks.append(_context(f"\u2026and {len(turns) - len(shown)} more turns (see the web report)."))
    hidden = r.get("hidden") or {}
    missed = [d for k, d in (hidden.get("interests") or {}).items() if k not in (hidden.get("revealed") or [])]
    if missed:
        blocks.append(_section("*Needs you did not uncover*\n" + "\n".join(f"\u2022 {escape(d)}" for d in missed)))
    behind = []
    if hidden.get("reservation_price") is not None:
        behind.append("\u2022 The most they would have paid before any need was met: "
                      f"{money(hidden['reservation_price'], currency)}")
    if hidden.get("batna"):
        behind.append(f"\u2022 Their alternative: {escape(clip(str(hidden['batna']), 600))}")
    if behind:
        blocks.append(_section("*Behind the scenes*\n" + "\n".join(behind)))
    plan = r.get("improvement_plan") or []
    blocks.append(_section("*Improvement plan*\n" + "\n".join(f"{i}. {escape(s)}" for i, s in enumerate(plan, 1))))
    if r.get("not_assessed"):
        blocks.insert(1, _section(f"_{escape(str(r['not_assessed']).capitalize())}._"))
    rubric = r.get("rubric") or {}
    if rubric.get("name"):
        blocks.insert(1, _context(f"Scored with the '{escape(rubric['name'])}' rubric"
                                  + (f", pass mark {int(rubric['pass_mark'])}" if rubric.get("pass_mark") is not None
                                     else "")))
    retries = [int(m["turn"]) for m in r.get("moments") or [] if isinstance(m.get("turn"), int)]
    again = " or ".join(f"`retry {n}`" for n in retries)
    blocks.append(_context("Say `practice <persona>` to go again, " + (f"{again} to replay to that turn and try it "
                                                                        "again, " if again else "")
                           + "or `help` for the list."))
    deal = f"deal at {money(o.get('price'), currency)}" if o.get("deal") else "no deal"
    return f"{headline}, {deal}", blocks


# -- output ---------------------------------------------------------------------------------------
class SlackBot(RasaSlackBot):
    """Posts through a Web API client whose base URL is configurable; Parley payloads as blocks.

    While a trainee's message is handled (`hold`), the turn's messages are collected and posted by
    `flush()`, so the readable text that precedes a briefing or report payload is replaced by its
    blocks instead of being posted twice.
    """

    def __init__(self, token: str, slack_channel: str | None = None, thread_id: str | None = None,
                 proxy: str | None = None, api_url: str = DEFAULT_API_URL, hold: bool = False) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token=token, base_url=api_url, proxy=proxy)
        self.hold = hold
        self.replied = False
        self._held: List[Tuple[str, Any]] = []

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        self.replied = True
        await super().send_response(recipient_id, message)

    def _recipient(self, recipient_id: str) -> str:
        if recipient_id.startswith(SLACK_SENDER_PREFIX):  # the conversation id, not a Slack id
            recipient_id = recipient_id[len(SLACK_SENDER_PREFIX):].split("_", 1)[0]
        return self.slack_channel or recipient_id

    async def _post(self, recipient_id: str, text: str, blocks: List[dict] | None = None) -> None:
        extra = {"blocks": blocks} if blocks else {}
        await self._post_message(channel=self._recipient(recipient_id), text=text, unfurl_links=False, **extra)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        text = text.replace(START_HINT, "`practice <persona>` (say `help` for the list)").replace(END_HINT, "`end`")
        if self.hold:
            self._held.append(("text", (recipient_id, text)))
        else:
            await self._post(recipient_id, escape(text))

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        if not any(k in json_message for k in ("briefing", "report", "turn_feedback")):
            await self.flush()
            await super().send_custom_json(recipient_id, json_message, **kwargs)  # raw Slack JSON
            return
        if self.hold:
            if (any(k in json_message for k in ("briefing", "report")) and self._held
                    and self._held[-1][0] == "text"):
                self._held.pop()  # the payload's blocks say the same, better
            self._held.append(("custom", (recipient_id, json_message)))
        else:
            await self._post_payload(recipient_id, json_message)

    async def _post_payload(self, recipient_id: str, payload: Dict[str, Any]) -> None:
        if "briefing" in payload:
            await self._post(recipient_id, *briefing_message(payload["briefing"]))
        if "turn_feedback" in payload:
            await self._post(recipient_id, *feedback_message(payload["turn_feedback"]))
        if "report" in payload:
            await self._post(recipient_id, *report_message(payload["report"]))

    async def send_help(self, recipient_id: str, reason: str) -> None:
        await self._post(recipient_id, *help_message(reason, persona_cards()))

    async def flush(self) -> None:
        held, self._held = self._held, []
        for kind, (recipient_id, item) in held:
            if kind == "text":
                await self._post(recipient_id, escape(item))
            else:
                await self._post_payload(recipient_id, item)


# -- input ----------------------------------------------------------------------------------------
class SlackOff(InputChannel):
    """Stands in for the Slack channel while it is not configured: the webhook answers 503."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = list(missing)

    @classmethod
    def name(cls) -> str:
        return "slack"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        off = Blueprint("slack_webhook_off", __name__)
        message = f"Slack is not configured on this Parley server: set {' and '.join(self.missing)}."

        @off.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "off", "missing": self.missing})

        @off.route("/webhook", methods=["GET", "POST"])
        async def webhook(_: Request) -> HTTPResponse:
            return response.text(message, status=HTTPStatus.SERVICE_UNAVAILABLE)

        return off


class SeenEvents:
    """Slack event ids handled in the last `ttl` seconds (at most `size`): a replay or retry is seen once.

    Per Rasa process: behind a load balancer, route Slack to one server (docs/security.md)."""

    def __init__(self, ttl: float = 3600, size: int = 50_000) -> None:
        self.ttl, self.size = ttl, size
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, event_id: str, now: float | None = None) -> bool:
        """True the first time `event_id` is offered (and remembers it), False after that."""
        now = time.monotonic() if now is None else now
        while self._seen and (next(iter(self._seen.values())) < now - self.ttl or len(self._seen) >= self.size):
            self._seen.popitem(last=False)
        if event_id in self._seen:
            return False
        self._seen[event_id] = now
        return True


class SlackInput(RasaSlackInput):
    """Rasa's Slack input channel, configured from the environment, speaking Parley."""

    def __init__(self, *args: Any, api_url: str = DEFAULT_API_URL, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.seen = SeenEvents()

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        credentials = dict(credentials or {})
        token = credentials.get("slack_token") or os.environ.get(TOKEN_ENV, "")
        secret = credentials.get("slack_signing_secret") or os.environ.get(SECRET_ENV, "")
        missing = [name for name, value in ((TOKEN_ENV, token), (SECRET_ENV, secret)) if not value]
        if missing:
            log = logger.error if len(missing) == 1 else logger.info
            log(f"Slack channel off: {' and '.join(missing)} not set (docs/slack.md). REST and the web widget "
                f"are not affected.")
            return SlackOff(missing)
        return cls(
            token,
            credentials.get("slack_channel") or os.environ.get(CHANNEL_ENV) or None,
            credentials.get("proxy"),
            credentials.get("slack_retry_reason_header", "x-slack-retry-reason"),
            credentials.get("slack_retry_number_header", "x-slack-retry-num"),
            credentials.get("errors_ignore_retry", None),
            credentials.get("use_threads", False),
            secret,
            credentials.get("conversation_granularity", "sender"),
            api_url=credentials.get("slack_api_url") or os.environ.get(API_URL_ENV) or DEFAULT_API_URL,
        )

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> OutputChannel:
        return SlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.proxy, api_url=self.api_url)

    def _get_conversation_id(self, sender_id: str | None, channel_id: str | None,
                             thread_id: str | None) -> str | None:
        # Slack's own namespace: REST callers choose their sender id freely and must not reach these
        conversation_id = super()._get_conversation_id(sender_id, channel_id, thread_id)
        return f"{SLACK_SENDER_PREFIX}{conversation_id}" if conversation_id else conversation_id

    @staticmethod
    def _is_user_message(slack_event: Dict[str, Any]) -> bool:
        # joins, edits, deletions and the like carry a subtype; people's messages do not
        subtype = (slack_event.get("event") or {}).get("subtype")
        return RasaSlackInput._is_user_message(slack_event) and subtype in (None, "file_share", "thread_broadcast")

    async def process_message(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                              text: str, sender_id: str | None, metadata: Dict | None) -> Any:
        event_id = _event_id(request)
        if event_id is not None and not self.seen.first_time(event_id):  # signature checked already
            logger.info("Slack event %s was already handled (retry #%s); acknowledged, not a new turn", event_id,
                        request.headers.get(self.retry_num_header) or 0)
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        command = translate(clean_text(unescape(text or "")), persona_cards())

        async def handle(message: UserMessage) -> None:
            output = message.output_channel
            if isinstance(output, SlackBot):
                output.hold = True
                await PEOPLE.identify(output.client, sender_id, message.sender_id)  # the cockpit's person
            try:
                if command.help is not None and isinstance(output, SlackBot):
                    await output.send_help(message.sender_id or "", command.help)
                elif isinstance(output, SlackBot) and await PEOPLE.answer(output, message.sender_id or "", sender_id,
                                                                          command.text):
                    pass  # `assignments` / `team` (parley_rasa/slack_people.py)
                else:
                    failed = not await delivered(on_new_message, message)
                    if isinstance(output, SlackBot) and not output.replied:  # a Rasa command, missing service, failure
                        text = await why_silent(getattr(self, "silence", None), message.sender_id or "", failed)
                        await output.send_text_message(message.sender_id or "", text)
            finally:
                if isinstance(output, SlackBot):
                    await output.flush()
            silence = getattr(self, "silence", None)
            if silence is not None:
                await silence.handled(message.sender_id or "")

        text, metadata = screened(command.text or "", metadata)
        return await super().process_message(request, handle, text, sender_id, metadata)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        self.silence = Silence()  # says truly why a turn got no reply (parley_rasa/channels.py)
        self.silence.watch(webhook)
        PEOPLE.watch(webhook, self)  # the cockpit's App Home and assignment reminders

        @webhook.middleware("request")
        async def url_verification(request: Request) -> HTTPResponse | None:
            if (request.method != "POST" or request.headers.get("content-type") != "application/json"
                    or not request.path.endswith("/webhook")):
                return None
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                return None
            if isinstance(body, dict) and body.get("type") == "url_verification" and "challenge" in body:
                if not self.is_request_from_slack_authentic(request):
                    return response.text("Message is not properly signed with a valid X-Slack-Signature header",
                                         status=HTTPStatus.BAD_REQUEST)
                return response.json({"challenge": body["challenge"]})
            return None

        return webhook


def _event_id(request: Request) -> str | None:
    """Slack's id of the event in a JSON event callback; None for anything else (buttons, forms)."""
    try:
        body = request.json if request.headers.get("content-type") == "application/json" else None
    except Exception:  # noqa: BLE001  # not JSON: Rasa's handler answers it
        return None
    event_id = body.get("event_id") if isinstance(body, dict) else None
    return event_id if isinstance(event_id, str) and event_id else None
