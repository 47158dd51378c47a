"""`parley users ...`, `parley trainee ...`, `parley cockpit seed|prune`: the cockpit's command line.

    parley users add NAME --role trainer|lead|admin [--team TEAM]   (password asked twice, or --password-stdin)
    parley users list
    parley trainee add NAME [--team TEAM] [--sender ID ...]         a person, and the channel ids that are them
    parley trainee link NAME SENDER                                 one more channel id is this person
    parley trainee signin-link NAME [--base URL]                    a link that shows them their own history
    parley trainee forget NAME --yes                                erase everything about a person
    parley cockpit prune [--days N]                                 delete transcripts older than N days
    parley cockpit seed [--trainees 100] [--sessions 20000]         demo / benchmark data
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker


@contextmanager
def _db(url: str | None) -> Iterator[Session]:
    from parley.store import make_engine

    engine = make_engine(url)
    with sessionmaker(engine, future=True)() as db, db.begin():
        yield db


def _fail(message: str) -> int:
    print(f"parley: {message}", file=sys.stderr)
    return 2


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (10 characters or more): ")
    if getpass.getpass("Same password again: ") != first:
        return None
    return first


def cmd_users(args: argparse.Namespace) -> int:
    from parley.accounts_store import Account, Team
    from parley.cockpit import directory

    if args.users_command == "list":
        with _db(args.url) as db:
            for account, team in db.execute(select(Account, Team.name).outerjoin(Team, Team.id == Account.team_id)
                                            .order_by(Account.username)).all():
                print(f"{account.username}\t{account.role}\t{team or ''}")
        return 0
    password = _password(args)
    if password is None:
        return _fail("the two passwords differ; nothing was saved")
    try:
        with _db(args.url) as db:
            directory.add_account(db, args.name, password, args.role, args.team, args.slack)
    except directory.DirectoryError as exc:
        return _fail(str(exc))
    print(f"Account {args.name!r} ({args.role}{', team ' + args.team if args.team else ''}) created.")
    return 0


def cmd_trainee(args: argparse.Namespace) -> int:
    from parley.cockpit import directory

    try:
        with _db(args.url) as db:
            if args.trainee_command == "add":
                person = directory.add_person(db, args.name, args.team)
                for sender in args.sender or []:
                    directory.link(db, person, sender)
                print(f"{person.name}: ready{' (' + ', '.join(args.sender) + ')' if args.sender else ''}.")
            elif args.trainee_command == "link":
                person = directory.person(db, args.name)
                if person is None:
                    return _fail(f"nobody called {args.name!r}; add them first: parley trainee add NAME")
                directory.link(db, person, args.sender)
                print(f"{args.sender} is now {person.name}.")
            elif args.trainee_command == "signin-link":
                from parley.cockpit.auth import sign

                person = directory.person(db, args.name)
                if person is None:
                    return _fail(f"nobody called {args.name!r}")
                token = sign({"person": person.id, "iat": time.time()}, "signin")
                print(f"{args.base.rstrip('/')}/signin/{token}")
            elif args.trainee_command == "forget":
                if not args.yes:
                    return _fail(f"this erases every session of {args.name!r} for good; add --yes to do it")
                gone = directory.forget(db, args.name)
                print(f"Forgot {gone.name}: {gone.sessions} sessions, {gone.senders} channel ids.")
    except directory.DirectoryError as exc:
        return _fail(str(exc))
    return 0


def cmd_cockpit(args: argparse.Namespace) -> int:
    from parley.cockpit import results, retention
    from parley.personas import load_personas

    floors = results.floors(load_personas())
    if args.cockpit_command == "prune":
        try:
            days = args.days or retention.retention_days()
        except ValueError as exc:
            return _fail(str(exc))
        if not days:
            return _fail("no retention period: set PARLEY_RETENTION_DAYS or give --days N")
        with _db(args.url) as db:
            n = retention.prune(db, days, floors)
        print(f"Deleted the transcripts of {n} sessions older than {days} days; their scores are kept.")
        return 0
    from parley.cockpit import seed
    from parley.store import TrainingSession

    with _db(args.url) as db:
        existing = db.execute(select(TrainingSession.id).limit(1)).first()
    if existing and not args.force:
        return _fail("this database already holds sessions; seeding adds made-up trainees and 20,000 sessions "
                     "to it. Seed a fresh database (--url sqlite:///var/demo.db), or add --force.")
    started = time.monotonic()
    templates = seed.play_templates(lambda msg: print(f"  {msg}", flush=True))
    with _db(args.url) as db:
        made = seed.seed(db, templates, floors, args.trainees, args.sessions, seed_value=args.seed)
    print(f"Seeded {made['trainees']} trainees in {made['teams']} teams and {made['sessions']} sessions "
          f"from {len(templates)} played conversations in {time.monotonic() - started:.0f} s.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    def url(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--url", help="SQLAlchemy database URL (default: PARLEY_DB_URL, else var/parley.db)")

    p = sub.add_parser("users", help="cockpit accounts for trainers, team leads and admins")
    usub = p.add_subparsers(dest="users_command", required=True, metavar="{add,list}")
    q = usub.add_parser("add", help="add an account (the password is asked twice)")
    q.add_argument("name")
    q.add_argument("--role", required=True, choices=["trainer", "lead", "admin"])
    q.add_argument("--team", help="the team a lead leads")
    q.add_argument("--slack", help="their Slack user id (U...): a lead then gets `team` in Slack")
    q.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    url(q)
    q.set_defaults(func=cmd_users)
    q = usub.add_parser("list", help="list the accounts")
    url(q)
    q.set_defaults(func=cmd_users)

    p = sub.add_parser("trainee", help="trainees as people: names, teams, channel ids, sign-in links, forgetting")
    tsub = p.add_subparsers(dest="trainee_command", required=True, metavar="{add,link,signin-link,forget}")
    q = tsub.add_parser("add", help="add a trainee (or set their team) and the channel ids that are them")
    q.add_argument("name")
    q.add_argument("--team")
    q.add_argument("--sender", action="append", help="a channel sender id (web, Slack user id, terminal)")
    url(q)
    q.set_defaults(func=cmd_trainee)
    q = tsub.add_parser("link", help="one more channel sender id belongs to this trainee")
    q.add_argument("name")
    q.add_argument("sender")
    url(q)
    q.set_defaults(func=cmd_trainee)
    q = tsub.add_parser("signin-link", help="print a sign-in link (14 days) that shows the trainee their history")
    q.add_argument("name")
    q.add_argument("--base", default="http://localhost:8081", help="the cockpit's address as trainees reach it")
    url(q)
    q.set_defaults(func=cmd_trainee)
    q = tsub.add_parser("forget", help="erase a trainee's sessions, transcripts, scores and identities")
    q.add_argument("name")
    q.add_argument("--yes", action="store_true", help="really erase")
    url(q)
    q.set_defaults(func=cmd_trainee)

    p = sub.add_parser("cockpit", help="cockpit data: retention and demo/benchmark seeding")
    csub = p.add_subparsers(dest="cockpit_command", required=True, metavar="{prune,seed}")
    q = csub.add_parser("prune", help="delete transcripts older than PARLEY_RETENTION_DAYS, keep the scores")
    q.add_argument("--days", type=int)
    url(q)
    q.set_defaults(func=cmd_cockpit)
    q = csub.add_parser("seed", help="make trainees and finished sessions from the persona conversation tests")
    q.add_argument("--trainees", type=int, default=100)
    q.add_argument("--sessions", type=int, default=20000)
    q.add_argument("--seed", type=int, default=7)
    q.add_argument("--force", action="store_true", help="seed even a database that already holds sessions")
    url(q)
    q.set_defaults(func=cmd_cockpit)
