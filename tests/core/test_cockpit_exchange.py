"""Exports (CSV, JSON) and xAPI: statements checked by Learning Locker's xapi-validation (npm), the LRS
client's retries against a local fake LRS, and the delivery outbox."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import List

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from parley.accounts_store import Person, XapiDelivery
from parley.cockpit import directory, exports, results, xapi
from parley.cockpit.auth import Role, Viewer
from parley.moves import detect
from parley.session import Trainer
from parley.store import Store

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = ROOT / "tests" / "xapi_validate.js"
TRAINER = Viewer("tina", Role.trainer)


def validate(statements: List[dict]) -> List[list]:
    """Problems per statement, from the xapi-validation npm package (no hand-written schema)."""
    node = shutil.which("node")
    if node is None or not (ROOT / "parley_web" / "node_modules" / "xapi-validation").exists():
        pytest.fail("node and parley_web/node_modules are needed: run `bash scripts/setup.sh`")
    out = subprocess.run([node, str(VALIDATOR)], input=json.dumps(statements), capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout)


@pytest.fixture()
def world(tmp_path, personas):
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    trainer = Trainer(personas, store, detect)
    ids = {}
    for sender, mode in (("web-ann", "practice"), ("web-ann", "assessment"), ("web-bo", "assessment")):
        trainer.start(sender, "price_increase_charlie", "normal", mode)
        ids[(sender, mode)] = store.active_session(sender).id
        trainer.turn(sender, "I'm sorry about the surprise, Charlie. What matters most to you?")
        trainer.turn(sender, "=HYPERLINK(\"http://evil\") I can offer $23 if you sign for a year.")
        trainer.end(sender)
    db = sessionmaker(store.engine, future=True)
    with db() as s, s.begin():
        ann = directory.add_person(s, "Ann", "Billing")
        directory.link(s, ann, "web-ann")
        bo = directory.add_person(s, "=cmd|' /C calc'!A0", "Renewals")  # a name that is a spreadsheet formula
        directory.link(s, bo, "web-bo")
        results.refresh(s, results.floors(personas))
    return db, ids


def test_xapi_statements_pass_learning_lockers_validator(world, personas):
    db, ids = world
    settings = xapi.Settings(base="https://parley.example.com")
    trusts = xapi.start_trusts(personas)
    with db() as s:
        practice = xapi.statements(s, ids[("web-ann", "practice")], settings, trusts)
        assessment = xapi.statements(s, ids[("web-ann", "assessment")], settings, trusts)
    problems = validate(practice + assessment)
    assert problems == [[] for _ in practice + assessment]
    broken = {**assessment[1], "verb": {"id": "completed"}, "result": {"score": {"scaled": 3}}}
    assert {p["path"] for p in validate([broken])[0]} >= {"statement.verb.id", "statement.result.score.scaled"}
    verbs = [st["verb"]["id"].rsplit("/", 1)[-1] for st in assessment]
    assert verbs[:2] == ["attempted", "completed"] and verbs[2] in ("passed", "failed")
    assert verbs.count("responded") == 2 and "passed" not in [st["verb"]["id"][-6:] for st in practice]
    assert len({st["context"]["registration"] for st in assessment}) == 1  # one registration per session
    assert practice[0]["context"]["registration"] != assessment[0]["context"]["registration"]
    completed = assessment[1]["result"]
    assert completed["score"]["min"] == 0 and completed["score"]["max"] == 100
    assert completed["score"]["scaled"] == round(completed["score"]["raw"] / 100, 4)
    turn = [st for st in assessment if st["verb"]["id"].endswith("responded")][0]
    ext = turn["result"]["extensions"]
    assert "empathy" in ext["https://parley.example.com/xapi/moves"]
    assert ext["https://parley.example.com/xapi/trust-change"] is not None
    assert "sorry" in turn["result"]["response"]
    assert all("response" not in st.get("result", {}) for st in practice)  # practice words stay private
    with db() as s:  # the same statements (ids) every time: a resend is idempotent
        assert [st["id"] for st in xapi.statements(s, ids[("web-ann", "assessment")], settings, trusts)] == \
            [st["id"] for st in assessment]


class FakeLRS:
    """Answers with the given status codes in turn (then 200) and keeps what it received."""

    def __init__(self, codes: List[int]) -> None:
        self.codes, self.received, self.auth = list(codes), [], []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.auth.append((self.headers.get("Authorization"), self.headers.get("X-Experience-API-Version")))
                code = fake.codes.pop(0) if fake.codes else 200
                if code == 200:
                    fake.received.append(json.loads(body))
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"[]")

            def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xAPI/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_lrs_client_retries_server_errors_with_backoff_and_stops_on_a_refusal():
    lrs = FakeLRS([503, 502])
    waits: List[float] = []
    settings = xapi.Settings(url=lrs.url, user="parley", password="secret", backoff=0.5)
    try:
        assert xapi.send([{"id": "x"}], settings, waits.append) == 3
        assert waits == [0.5, 1.0] and len(lrs.received) == 1
        assert lrs.auth[-1][0].startswith("Basic ") and lrs.auth[-1][1] == "1.0.3"
        lrs.codes = [400]
        with pytest.raises(xapi.LRSError, match="HTTP 400"):
            xapi.send([{"id": "y"}], settings, waits.append)
        assert len(waits) == 2  # a refusal is not retried
        lrs.codes = [409]
        assert xapi.send([{"id": "x"}], settings, waits.append) == 1  # already stored: done
    finally:
        lrs.close()
    with pytest.raises(xapi.LRSError, match="gave up after 3 tries"):
        xapi.send([{"id": "z"}], xapi.Settings(url=lrs.url, tries=3, timeout=1), waits.append)


def test_the_outbox_delivers_each_finished_session_once_and_keeps_failures_for_later(world, personas):
    db, ids = world
    lrs = FakeLRS([503, 503])
    settings = xapi.Settings(url=lrs.url, tries=2, backoff=0)
    try:
        assert xapi.deliver_pending(db, settings, xapi.start_trusts(personas), sleep=lambda _: None) == 0
        with db() as s:
            failed = s.execute(select(XapiDelivery)).scalars().all()
            assert len(failed) == 1 and failed[0].sent_at is None and "503" in failed[0].last_error
        assert xapi.deliver_pending(db, settings, {}, sleep=lambda _: None) == 3
        assert xapi.deliver_pending(db, settings, {}, sleep=lambda _: None) == 0  # nothing left
        assert len(lrs.received) == 3
        with db() as s:
            assert xapi.pending(s) == []
    finally:
        lrs.close()


def test_exports_filter_and_scope_and_never_run_as_formulas(world):
    db, _ = world
    with db() as s:
        everything = list(exports.rows(s, TRAINER, exports.Filters()))
        assert len(everything) == 3 and set(everything[0]["criteria"]) >= {"rapport", "closing"}
        assert [r["mode"] for r in exports.rows(s, TRAINER, exports.Filters(trainee="Ann"))] == \
            ["practice", "assessment"]
        assert list(exports.rows(s, TRAINER, exports.Filters(persona="loyal_customer"))) == []
        team = s.execute(select(Person.team_id).where(Person.name == "Ann")).scalar_one()
        lead = Viewer("leo", Role.lead, team_id=team)
        assert {r["trainee"] for r in exports.rows(s, lead, exports.Filters())} == {"Ann"}
        table = list(csv.reader(io.StringIO("".join(exports.to_csv(exports.rows(s, TRAINER, exports.Filters()))))))
        assert table[0][:3] == ["session_id", "trainee", "team"] and len(table) == 4
        assert "'=cmd|' /C calc'!A0" in [row[1] for row in table]  # shown as text in a spreadsheet
        data = json.loads(exports.to_json(exports.rows(s, TRAINER, exports.Filters(team="Renewals"))))
        assert [r["team"] for r in data["sessions"]] == ["Renewals"] and data["criteria_names"]["rapport"]


def test_xapi_of_a_not_assessed_session_has_no_score_and_passes_the_validator(tmp_path, personas):
    store = Store(f"sqlite:///{tmp_path / 'short.db'}")
    trainer = Trainer(personas, store, detect)
    trainer.start("web-cy", "price_increase_charlie", "normal", "assessment")
    session_id = store.active_session("web-cy").id
    trainer.turn("web-cy", "Hello.")
    trainer.end("web-cy")
    assert store.latest_report("web-cy")["overall"] is None  # too short to assess
    db = sessionmaker(store.engine, future=True)
    settings = xapi.Settings(base="https://parley.example.com")
    with db() as s:
        statements = xapi.statements(s, session_id, settings, xapi.start_trusts(personas))
    assert [st["verb"]["display"]["en-US"] for st in statements[:2]] == ["attempted", "completed"]
    assert not any(st["verb"]["display"]["en-US"] in ("passed", "failed") for st in statements)
    assert "score" not in statements[1]["result"]
    assert validate(statements) == [[] for _ in statements]
