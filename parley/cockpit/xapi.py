"""xAPI statements for each finished session and each of its turns, and the client that sends them to
a learning record store (LRS).

Statements (xAPI 1.0.3, ADL verbs):
- session: `attempted` (at its start), `completed` (at its end, with the score), and for an assessment
  also `passed` or `failed` against PARLEY_XAPI_PASS_SCORE (default 70); a session too short or off
  topic to assess (overall null) gets `completed` with no score object and no passed/failed verdict
  (extension `assessed`: false); `context.registration` is one
  UUID per session (the same in every statement of the session and its turns);
- turn: `responded`, with the turn's points as the score, its moves and the customer's trust change in
  `result.extensions`; the trainee's words go in `result.response` for assessments only (practice
  stays private, docs/cockpit.md).
Statement ids are UUIDs derived from the session, verb and turn, so a retried send is idempotent (the
LRS answers 409 or 204 for a statement it already has).

Sending never runs in a trainee's turn: the cockpit process delivers finished sessions from the
`xapi_deliveries` outbox in a background thread, with retries and backoff (`deliver_pending`).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Dict, List, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.accounts_store import Identity, Person, XapiDelivery
from parley.store import Report, Trainee, TrainingSession, Turn

logger = logging.getLogger(__name__)
NAMESPACE = uuid.UUID("5b6f8a3e-3c1f-4e38-9a59-7061726c6579")  # "parley"
ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {v: {"id": ADL + v, "display": {"en-US": v}}
         for v in ("attempted", "completed", "passed", "failed", "responded")}
SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
INTERACTION = "http://adlnet.gov/expapi/activities/interaction"
VERSION = "1.0.3"


@dataclass(frozen=True)
class Settings:
    base: str = "http://localhost:8081"  # activity and extension IRIs live under it
    pass_score: int = 70
    url: str | None = None  # the LRS endpoint (…/xAPI/); statements go to {url}statements
    user: str | None = None
    password: str | None = None
    tries: int = 4
    backoff: float = 1.0
    timeout: float = 10.0

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(base=env.get("PARLEY_XAPI_BASE", cls.base).rstrip("/"),
                   pass_score=int(env.get("PARLEY_XAPI_PASS_SCORE", cls.pass_score)),
                   url=env.get("PARLEY_LRS_URL") or None, user=env.get("PARLEY_LRS_USER") or None,
                   password=env.get("PARLEY_LRS_PASSWORD") or None,
                   tries=int(env.get("PARLEY_LRS_TRIES", cls.tries)),
                   backoff=float(env.get("PARLEY_LRS_BACKOFF", cls.backoff)))


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def _time(moment: datetime | None) -> str:
    moment = moment or datetime.utcnow()
    return moment.replace(tzinfo=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def statements(db: Session, session_id: int, settings: Settings,
               start_trust: Dict[str, float] | None = None) -> List[dict]:
    """Every statement of one finished session: attempted, completed, passed/failed, one responded per turn."""
    row = db.get(TrainingSession, session_id)
    report = db.execute(select(Report).where(Report.session_id == session_id)).scalar_one_or_none()
    if row is None or report is None:
        return []
    person = db.execute(select(Person).join(Identity, Identity.person_id == Person.id)
                        .where(Identity.trainee_id == row.trainee_id)).scalar_one_or_none()
    sender = db.get(Trainee, row.trainee_id).external_id
    base = settings.base
    actor = {"objectType": "Agent", "name": person.name if person else sender,
             "account": {"homePage": base, "name": f"person-{person.id}" if person else f"sender-{sender}"}}
    registration = _id("registration", session_id)
    persona = {"objectType": "Activity", "id": f"{base}/personas/{row.persona_id}/{row.difficulty}",
               "definition": {"type": SIMULATION, "name": {"en-US": f"{row.persona_id.replace('_', ' ')} "
                                                                     f"({row.difficulty})"}}}
    context = {"registration": registration, "platform": "Parley",
               "extensions": {f"{base}/xapi/mode": row.mode, f"{base}/xapi/difficulty": row.difficulty}}
    payload = dict(report.payload or {})
    overall = None if report.overall is None else float(report.overall)  # None: not assessed, so no score
    outcome = payload.get("outcome") or {}
    extensions = {f"{base}/xapi/criteria": payload.get("criteria") or {},  # a "not shown" criterion is null
                  f"{base}/xapi/assessed": overall is not None,
                  f"{base}/xapi/outcome": {k: outcome.get(k) for k in ("deal", "price", "ended_by", "trust")}}
    completed: dict = {"completion": True, "extensions": extensions}
    score: dict | None = None
    if overall is not None:
        score = {"scaled": round(max(0.0, min(100.0, overall)) / 100, 4), "raw": overall, "min": 0, "max": 100}
        completed = {"score": score, **completed}
    out = [
        _statement(_id(session_id, "attempted"), actor, "attempted", persona, context, row.started_at),
        _statement(_id(session_id, "completed"), actor, "completed", persona, context, row.ended_at,
                   completed),
    ]
    if row.mode == "assessment" and overall is not None and score is not None:  # not assessed: neither verdict
        passed = overall >= settings.pass_score
        out.append(_statement(_id(session_id, "passed" if passed else "failed"), actor,
                              "passed" if passed else "failed", persona, context, row.ended_at,
                              {"score": score, "success": passed, "completion": True}))
    trust = (start_trust or {}).get(f"{row.persona_id}/{row.difficulty}")
    for turn in db.execute(select(Turn).where(Turn.session_id == session_id).order_by(Turn.index, Turn.id)).scalars():
        customer = (turn.detail or {}).get("customer") or {}
        after = customer.get("trust")
        change = round(after - trust, 2) if after is not None and trust is not None else None
        trust = after if after is not None else trust
        result: dict = {"score": {"raw": turn.points, "min": -10, "max": 10,
                                  "scaled": round(max(-1.0, min(1.0, turn.points / 10)), 4)},
                        "extensions": {f"{base}/xapi/moves": list(turn.moves or []),
                                       f"{base}/xapi/trust-change": change, f"{base}/xapi/trust": after}}
        if row.mode == "assessment":
            result["response"] = turn.text[:2000]
        activity = {"objectType": "Activity", "id": f"{base}/sessions/{registration}/turns/{turn.index}",
                    "definition": {"type": INTERACTION, "name": {"en-US": f"turn {turn.index}"},
                                   "interactionType": "long-fill-in"}}
        turn_context = {**context, "contextActivities": {"parent": [persona]}}
        out.append(_statement(_id(session_id, "responded", turn.index), actor, "responded", activity, turn_context,
                              turn.created_at, result))
    return out


def _statement(sid: str, actor: dict, verb: str, obj: dict, context: dict, when: datetime | None,
               result: dict | None = None) -> dict:
    statement = {"id": sid, "actor": actor, "verb": VERBS[verb], "object": obj, "context": context,
                 "timestamp": _time(when), "version": VERSION}
    if result is not None:
        statement["result"] = result
    return statement


# -- sending ------------------------------------------------------------------------------------------
class LRSError(Exception):
    pass


def send(batch: Sequence[dict], settings: Settings, sleep: Callable[[float], None] = time.sleep) -> int:
    """POSTs the statements; retries server errors, throttling and broken connections with backoff.
    Returns the tries it took; raises LRSError when the LRS refuses them or never answers."""
    if not settings.url:
        raise LRSError("no LRS configured (PARLEY_LRS_URL)")
    url = settings.url.rstrip("/") + "/statements"
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": VERSION}
    if settings.user:
        token = base64.b64encode(f"{settings.user}:{settings.password or ''}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    body = json.dumps(list(batch)).encode()
    last = ""
    for attempt in range(1, settings.tries + 1):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, body, headers, method="POST"),
                                        timeout=settings.timeout):
                return attempt
        except urllib.error.HTTPError as exc:
            if exc.code == 409:  # the LRS has these statements already: a retry after a lost answer
                return attempt
            last = f"HTTP {exc.code}: {exc.read()[:300].decode('utf-8', 'replace')}"
            if exc.code < 500 and exc.code not in (408, 429):
                raise LRSError(last) from exc
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        if attempt < settings.tries:
            sleep(settings.backoff * 2 ** (attempt - 1))
    raise LRSError(f"gave up after {settings.tries} tries: {last}")


def pending(db: Session, limit: int = 50) -> List[int]:
    """Finished sessions (with a report) whose statements have not reached the LRS yet."""
    return list(db.execute(
        select(Report.session_id).outerjoin(XapiDelivery, XapiDelivery.session_id == Report.session_id)
        .where((XapiDelivery.session_id.is_(None)) | (XapiDelivery.sent_at.is_(None)))
        .order_by(Report.session_id).limit(limit)).scalars())


def deliver_pending(open_db: Callable[[], Session], settings: Settings, start_trust: Dict[str, float],
                    limit: int = 50, sleep: Callable[[float], None] = time.sleep) -> int:
    """Sends the outbox; each session in its own short transaction, failures recorded and retried later."""
    with open_db() as db:
        todo = pending(db, limit)
    sent = 0
    for session_id in todo:
        with open_db() as db:
            batch = statements(db, session_id, settings, start_trust)
        error, now = None, datetime.utcnow()
        try:
            send(batch, settings, sleep)
            sent += 1
        except LRSError as exc:
            error = str(exc)
            logger.warning("xAPI statements of session %s not delivered: %s", session_id, error)
        with open_db() as db, db.begin():
            row = db.get(XapiDelivery, session_id) or XapiDelivery(session_id=session_id, attempts=0)
            row.statements, row.attempts = len(batch), (row.attempts or 0) + 1
            row.sent_at, row.last_error = (None, error) if error else (now, None)
            db.add(row)
        if error:
            break  # the LRS is down: the next round tries again, in order
    return sent


def start_trusts(personas: Dict[str, object]) -> Dict[str, float]:
    """persona/difficulty -> the customer's trust before the first turn (for each turn's trust change)."""
    out = {}
    for pid, persona in personas.items():
        for difficulty in ("easy", "normal", "hard"):
            try:
                out[f"{pid}/{difficulty}"] = float(persona.parameters(difficulty).trust)  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001
                continue
    return out
