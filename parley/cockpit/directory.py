"""People, teams, channel identities and cockpit accounts: adding, linking, signing in, forgetting."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, List

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from parley.accounts_store import (
    Account,
    AssignmentTarget,
    Comment,
    CriterionScore,
    CriterionWeek,
    Identity,
    Person,
    ResultWeek,
    SessionResult,
    Team,
    XapiDelivery,
)
from parley.cockpit.auth import ACCOUNT_ROLES, Role, Viewer, hash_password, verify_password
from parley.store import Report, Trainee, TrainingSession, Turn

MIN_PASSWORD = 10


class DirectoryError(ValueError):
    """A clear, user-facing reason an operation was refused."""


def clean_name(name: str, what: str = "name") -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DirectoryError(f"The {what} is empty.")
    if len(name) > 100:
        raise DirectoryError(f"The {what} is longer than 100 characters.")
    return name


def team(db: Session, name: str | None) -> Team | None:
    if not name:
        return None
    name = clean_name(name, "team name")
    row = db.execute(select(Team).where(Team.name == name)).scalar_one_or_none()
    if row is None:
        row = Team(name=name)
        db.add(row)
        db.flush()
    return row


def add_account(db: Session, username: str, password: str, role: str, team_name: str | None = None,
                slack_user_id: str | None = None) -> Account:
    username = clean_name(username, "user name")
    if role not in {r.value for r in ACCOUNT_ROLES}:
        raise DirectoryError(f"Role must be one of: {', '.join(r.value for r in ACCOUNT_ROLES)}.")
    if role == Role.lead.value and not team_name:
        raise DirectoryError("A lead leads a team: give --team NAME.")
    if len(password) < MIN_PASSWORD:
        raise DirectoryError(f"The password needs at least {MIN_PASSWORD} characters.")
    if db.execute(select(Account.id).where(Account.username == username)).first():
        raise DirectoryError(f"There is already an account called {username!r}.")
    t = team(db, team_name)
    row = Account(username=username, password_hash=hash_password(password), role=role, team_id=t.id if t else None,
                  slack_user_id=slack_user_id or None)
    db.add(row)
    db.flush()
    return row


def authenticate(db: Session, username: str, password: str) -> Viewer | None:
    row = db.execute(select(Account).where(Account.username == (username or "").strip())).scalar_one_or_none()
    if row is None:
        verify_password(password or "", "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 43 + "=")  # same time
        return None
    if not verify_password(password or "", row.password_hash):
        return None
    return Viewer(row.username, Role(row.role), team_id=row.team_id)


def add_person(db: Session, name: str, team_name: str | None = None, slack_user_id: str | None = None) -> Person:
    """The person called `name` (made if new); a team or Slack id given is set on them."""
    name = clean_name(name)
    row = db.execute(select(Person).where(Person.name == name)).scalar_one_or_none()
    if row is None:
        row = Person(name=name)
        db.add(row)
    t = team(db, team_name)
    if t is not None:
        row.team_id = t.id
    if slack_user_id:
        row.slack_user_id = slack_user_id
    db.flush()
    return row


def person(db: Session, name: str) -> Person | None:
    return db.execute(select(Person).where(Person.name == clean_name(name))).scalar_one_or_none()


def link(db: Session, person_row: Person, sender: str, create: bool = True) -> bool:
    """The channel sender id `sender` is `person_row` from now on (and for its past sessions).

    A channel's own process creates a sender's `trainees` row when its first session starts; a channel
    linking a sender at the same moment passes create=False and gets False while the row is not there
    yet (then `link_when_ready` waits for it), so the two never race to insert the same row."""
    trainee = db.execute(select(Trainee).where(Trainee.external_id == sender)).scalar_one_or_none()
    if trainee is None:
        if not create:
            return False
        trainee = Trainee(external_id=sender)
        db.add(trainee)
        db.flush()
    existing = db.get(Identity, trainee.id)
    if existing is None:
        db.add(Identity(trainee_id=trainee.id, person_id=person_row.id))
    else:
        existing.person_id = person_row.id
    db.flush()
    return True


def link_when_ready(open_db: Callable[[], Session], person_id: int, sender: str, timeout: float = 30.0,
                    interval: float = 0.25) -> bool:
    """Links `sender` to the person as soon as its first session has created its `trainees` row."""
    deadline = time.monotonic() + timeout
    while True:
        with open_db() as db, db.begin():
            person_row = db.get(Person, person_id)
            if person_row is None:
                return False
            if link(db, person_row, sender, create=False):
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


def person_for_sender(db: Session, sender: str) -> Person | None:
    return db.execute(select(Person).join(Identity, Identity.person_id == Person.id)
                      .join(Trainee, Trainee.id == Identity.trainee_id)
                      .where(Trainee.external_id == sender)).scalar_one_or_none()


@dataclass(frozen=True)
class Forgotten:
    name: str
    sessions: int
    senders: int


def forget(db: Session, name: str) -> Forgotten:
    """Erase a person: their sessions, turns, reports, results, comments, identities and the person row."""
    row = person(db, name)
    if row is None:
        raise DirectoryError(f"Nobody called {name!r} is known.")
    trainee_ids = list(db.execute(select(Identity.trainee_id).where(Identity.person_id == row.id)).scalars())
    session_ids = select(TrainingSession.id).where(TrainingSession.trainee_id.in_(trainee_ids)).scalar_subquery()
    sessions = db.execute(select(func.count()).select_from(TrainingSession)
                          .where(TrainingSession.trainee_id.in_(trainee_ids))).scalar_one()
    for model in (CriterionScore, SessionResult, Comment, Turn, Report, XapiDelivery):
        db.execute(delete(model).where(model.session_id.in_(session_ids)),
                   execution_options={"synchronize_session": False})
    for rollup in (CriterionWeek, ResultWeek):
        db.execute(delete(rollup).where(rollup.trainee_id.in_(trainee_ids)))
    db.execute(delete(TrainingSession).where(TrainingSession.trainee_id.in_(trainee_ids)))
    db.execute(delete(Identity).where(Identity.person_id == row.id))
    db.execute(delete(Trainee).where(Trainee.id.in_(trainee_ids)))
    db.execute(delete(AssignmentTarget).where(AssignmentTarget.person_id == row.id))
    db.delete(row)
    db.flush()
    return Forgotten(name=row.name, sessions=int(sessions), senders=len(trainee_ids))


def people(db: Session, viewer: Viewer) -> List[Person]:
    query = select(Person).order_by(Person.name)
    if viewer.role == Role.lead:
        query = query.where(Person.team_id == viewer.team_id)
    elif viewer.role == Role.trainee:
        query = query.where(Person.id == viewer.person_id)
    return list(db.execute(query).scalars())


def set_shared(db: Session, session_id: int, person_id: int, shared: bool) -> bool:
    """A trainee shows (or hides) one of their practice transcripts to their lead; False if not theirs."""
    result = db.execute(update(SessionResult).where(
        SessionResult.session_id == session_id,
        SessionResult.trainee_id.in_(select(Identity.trainee_id).where(Identity.person_id == person_id)),
    ).values(shared=shared).execution_options(synchronize_session=False))
    return bool(result.rowcount)


def merge(db: Session, keep_id: int, other_id: int) -> Person:
    """`other` is the same trainee as `keep` (e.g. "Slack U123" and "Ann" on the web): their channel ids,
    Slack id, team and assignments move to `keep`, and `other` is removed."""
    keep, other = db.get(Person, keep_id), db.get(Person, other_id)
    if keep is None or other is None or keep.id == other.id:
        raise DirectoryError("Pick two different trainees to join.")
    db.execute(update(Identity).where(Identity.person_id == other.id).values(person_id=keep.id)
               .execution_options(synchronize_session=False))
    mine = set(db.execute(select(AssignmentTarget.assignment_id).where(AssignmentTarget.person_id == keep.id))
               .scalars())
    for target in db.execute(select(AssignmentTarget).where(AssignmentTarget.person_id == other.id)).scalars():
        if target.assignment_id in mine:
            db.delete(target)
        else:
            target.person_id = keep.id
    db.flush()
    slack, team = other.slack_user_id, other.team_id
    db.delete(other)
    db.flush()
    keep.slack_user_id = keep.slack_user_id or slack
    keep.team_id = keep.team_id or team
    db.flush()
    return keep
