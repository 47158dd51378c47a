"""Who is practising: the channels tell the cockpit which person a sender id is.

- the web page asks the trainee's name (and team) once, or takes a sign-in link a trainer sent, and
  posts it with its socket id (`web_identify`);
- Slack: the Slack user id with their display name from users.info (`slack_identify`);
- the terminal chat asks once and remembers the name in var/trainee_name (`terminal_identify`).
A name typed on the web or in the terminal is trusted as said (Parley runs inside a company network);
a sign-in link is verified.  A trainer links more ids to the same person with `parley trainee link`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy.orm import Session

from parley.accounts_store import Person, Team
from parley.cockpit import directory
from parley.cockpit.auth import unsign

SENDER = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
LINK_AGE = 14 * 24 * 3600
NAME_FILE = Path(__file__).resolve().parents[2] / "var" / "trainee_name"


@dataclass(frozen=True)
class Identified:
    person_id: int
    name: str
    team: str | None
    linked: bool = True  # False: the sender's first session has not started yet (link_when_ready follows)


def web_identify(db: Session, sender: str, name: str | None = None, team: str | None = None,
                 token: str | None = None) -> Identified:
    """Links the page's socket id to the person of the sign-in `token`, else to the person called `name`."""
    if not isinstance(sender, str) or not SENDER.match(sender):
        raise directory.DirectoryError("The page's connection id is missing or malformed.")
    if token:
        payload = unsign(token, "signin", LINK_AGE)
        person = db.get(Person, int(payload["person"])) if payload else None
        if person is None:
            raise directory.DirectoryError("This sign-in link is not valid or has expired; ask your trainer for a "
                                           "new one, or type your name.")
    else:
        person = directory.person(db, name or "")
        if person is None:
            person = directory.add_person(db, name or "", team or None)
        elif team and person.team_id is None:
            person = directory.add_person(db, person.name, team)
    return _identified(db, person, directory.link(db, person, sender, create=False))


def slack_identify(db: Session, user_id: str, display_name: str | None, sender: str | None = None) -> Identified:
    """The Slack user is a person: found by Slack id, else by display name, else made; `sender` is the
    conversation id Rasa stores the sessions under (default: the user id)."""
    from sqlalchemy import select

    person = db.execute(select(Person).where(Person.slack_user_id == user_id)).scalar_one_or_none()
    if person is None:
        name = directory.clean_name(display_name or user_id)
        person = directory.person(db, name)
        if person is not None and person.slack_user_id not in (None, user_id):
            name = f"{name} ({user_id})"  # a namesake on Slack: never merge two Slack users
            person = None
        person = person or directory.add_person(db, name)
        person.slack_user_id = user_id
    return _identified(db, person, directory.link(db, person, sender or user_id, create=False))


def terminal_identify(db_open: Callable[[], Session], sender: str, ask: Callable[[str], str],
                      name_file: Path = NAME_FILE) -> Identified | None:
    """Asks the trainee's name once (remembered in `name_file`); Enter skips."""
    name = name_file.read_text(encoding="utf-8").strip() if name_file.exists() else ""
    if not name:
        name = " ".join(ask("Your name, so your trainer can follow your practice (Enter to skip): ").split())
        if not name:
            return None
        name_file.parent.mkdir(parents=True, exist_ok=True)
        name_file.write_text(name + "\n", encoding="utf-8")
    with db_open() as db, db.begin():
        person = directory.add_person(db, name)
        who = _identified(db, person, directory.link(db, person, sender, create=False))
    if not who.linked:  # the chat starts its session after this: link as soon as it has
        threading.Thread(target=directory.link_when_ready, args=(db_open, who.person_id, sender, 120.0),
                         daemon=True).start()
    return who


def _lookup(db: Session, name: str | None, token: str | None) -> Person | None:
    if token:
        payload = unsign(token, "signin", LINK_AGE)
        person = db.get(Person, int(payload["person"])) if payload else None
        if person is None:
            raise directory.DirectoryError("This sign-in link is not valid or has expired; ask your trainer for a "
                                           "new one, or type your name.")
        return person
    return directory.person(db, name or "")


def open_assignments(db: Session, person_id: int) -> list:
    from parley.cockpit import assignments

    return [p.to_dict() for p in assignments.open_for(db, person_id)]


def _identified(db: Session, person: Person, linked: bool = True) -> Identified:
    team = db.get(Team, person.team_id).name if person.team_id else None
    return Identified(person.id, person.name, team, linked)


class WebIdentifier:
    """POST /whoami on the trainee page's server (web/server.py): JSON in, JSON out, opens the store lazily."""

    MAX_BODY = 4096

    def __init__(self, db_url: str | None = None) -> None:
        self.db_url = db_url
        self._sessions = None

    def handle(self, body: bytes, content_type: str) -> tuple[int, dict]:
        import json

        if "application/json" not in (content_type or ""):
            return 415, {"error": "send JSON"}
        try:
            data = json.loads(body.decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            return 400, {"error": "the body is not a JSON object"}
        values = {k: data.get(k) if isinstance(data.get(k), str) else None for k in ("sender", "name", "team", "token")}
        if not values["token"] and not (values["name"] or "").strip():
            return 400, {"error": "type your name, or open the sign-in link your trainer sent"}
        try:
            with self._open() as db, db.begin():
                if data.get("lookup") is True:  # before connecting: who is this, and what is assigned to them
                    person = _lookup(db, values["name"], values["token"])
                    if person is None:
                        return 200, {"name": values["name"], "team": values["team"], "assignments": []}
                    who = _identified(db, person)
                    return 200, {"name": who.name, "team": who.team,
                                 "assignments": open_assignments(db, who.person_id)}
                else:
                    who = web_identify(db, values["sender"] or "", values["name"], values["team"], values["token"])
                answer = {"name": who.name, "team": who.team, "assignments": open_assignments(db, who.person_id)}
        except directory.DirectoryError as exc:
            return 400, {"error": str(exc)}
        if not who.linked:  # the page connected and is starting its session: link once it has (this thread)
            answer["linked"] = directory.link_when_ready(self._open, who.person_id, values["sender"] or "", 20.0)
        return 200, answer

    def _open(self) -> Session:
        if self._sessions is None:
            from sqlalchemy.orm import sessionmaker

            from parley.store import make_engine
            self._sessions = sessionmaker(make_engine(self.db_url), future=True)
        return self._sessions()


def identify_terminal_safely(sender: str) -> None:
    """The terminal chat's one question; a database that cannot be opened never stops the chat."""
    from sqlalchemy.orm import sessionmaker

    from parley.store import make_engine

    try:
        sessions = sessionmaker(make_engine(), future=True)
        who = terminal_identify(sessions, sender, input)
        if who is None:
            return
        with sessions() as db:
            todo = open_assignments(db, who.person_id)
    except (OSError, EOFError, directory.DirectoryError, Exception) as exc:  # noqa: BLE001
        print(f"(Practising anonymously: {exc})")
        return
    print(f"Practising as {who.name}{' (' + who.team + ')' if who.team else ''}. To change it, delete {NAME_FILE}.")
    for a in todo:  # open assignments first
        print(f"  Assignment: {a['persona'].replace('_', ' ')} on {a['difficulty']}, {a['mode']}, score "
              f"{a['min_score']}+ by {a['due'].replace('T', ' ')} ({a['status']}). Pick it below.")
