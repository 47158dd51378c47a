"""Personas end to end: the fourth persona is in the trained model and plays over REST, the seed
personas are unaffected, and a freshly scaffolded persona trains and plays as it is.

The scaffold test builds its own small project in a temporary folder (the repository's config,
domain, rules and personas plus `parley personas new`), trains it with `rasa train` and starts a
second action server and Rasa server on it, so the working tree and models/ are never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests
import yaml

from parley.persona_tests import check, load_cases
from parley.personas import load_personas
from parley.scaffold import new_persona
from tests.e2e.conftest import BIN, ROOT, Conversation, Stack, free_port, play, stop, wait_until

pytestmark = pytest.mark.e2e
SEEDS = ("price_increase_charlie", "loyal_customer", "competitor_switcher")
CONVERSATIONS = ROOT / "tests" / "e2e" / "conversations"


def customer_lines(chat: Conversation) -> List[str]:
    return [t for t in Conversation.texts(chat.log) if not t.startswith(("BRIEFING", "SESSION REPORT"))]


def model_personas(stack: Stack) -> List[str]:
    domain = requests.get(f"{stack.rasa_url}/domain", params={"token": stack.api_token},
                          headers={"Accept": "application/json"}, timeout=30).json()
    return [v for v in domain["slots"]["persona"]["values"] if v != "__other__"]


def test_the_trained_model_knows_every_persona_file(stack: Stack) -> None:
    assert set(model_personas(stack)) == set(load_personas()), "retrain: bash scripts/train.sh"


def test_the_procurement_manager_plays_end_to_end(stack: Stack) -> None:
    script = yaml.safe_load((CONVERSATIONS / "procurement_multi_year_deal.yml").read_text(encoding="utf-8"))
    chat = play(stack, script["persona"], script["difficulty"], script["turns"])
    briefing = chat.payload("briefing")
    assert briefing["persona"] == "procurement_manager" and briefing["name"] == "Morgan"
    assert briefing["floor_price"] == 25.5 and "three-year" in " ".join(briefing["tradables"])
    report = chat.payload("report")
    assert check(report, script["expect"], customer_lines(chat)) == []
    assert report["outcome"]["terms"] and "budget_cut" in report["hidden"]["revealed"]
    # live coaching came with every turn (practice mode) and named the moves it found
    feedback = [r["custom"]["turn_feedback"] for r in chat.log if "turn_feedback" in (r.get("custom") or {})]
    assert len(feedback) == len(report["turns"]) and "open_question" in feedback[1]["moves"]


@pytest.mark.parametrize("persona", SEEDS)
def test_the_seed_personas_are_unaffected(stack: Stack, persona: str) -> None:
    chat = stack.conversation(persona)
    on_file = load_personas()[persona]
    assert chat.payload("briefing")["persona"] == persona
    assert Conversation.texts(chat.opening)[1] in on_file.opening
    replies = chat.send("What would make this work for you?")
    assert Conversation.texts(replies) and chat.payload("turn_feedback", replies)["moves"]


def test_the_same_rep_gets_a_deal_on_easy_and_loses_charlie_on_hard(stack: Stack) -> None:
    # the middling rep of personas/tests/price_increase_charlie.yml, played at each level over REST
    cases = {c.test.difficulty: c for c in load_cases(ROOT / "personas" / "tests" / "price_increase_charlie.yml")
             if c.test.turns[0] == "Hi Charlie, thanks for getting in touch."}
    outcomes = {}
    for level in ("easy", "hard"):
        chat = play(stack, "price_increase_charlie", level, cases[level].test.turns)
        outcomes[level] = chat.payload("report")["outcome"]["ended_by"]
    assert outcomes == {"easy": "deal", "hard": "walked_away"}


# -- a scaffolded persona trains and plays as it is --------------------------------------------------
@pytest.fixture(scope="module")
def scaffold_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    project = tmp_path_factory.mktemp("scaffold_project")
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(ROOT / name, project / name)
    shutil.copytree(ROOT / "data", project / "data")
    (project / "personas").mkdir()
    for path in (ROOT / "personas").glob("*.yml"):
        shutil.copy2(path, project / "personas" / path.name)
    new_persona("scaffold_sam", project / "personas")
    (project / "credentials.yml").write_text("rest:\n", encoding="utf-8")
    if (ROOT / ".rasa" / "cache").is_dir():  # start from the project's cache, as a trainer's machine would
        shutil.copytree(ROOT / ".rasa" / "cache", project / ".rasa" / "cache")
    env: Dict[str, str] = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3",
                           "RASA_CACHE_DIRECTORY": str(project / ".rasa" / "cache"),
                           "PARLEY_PERSONA_DIR": str(project / "personas"),
                           "PARLEY_DB_URL": f"sqlite:///{project / 'parley.db'}"}
    trained = subprocess.run([str(BIN / "rasa"), "train", "--config", "config.yml", "--domain", "domain.yml", "--data",
                              "data", "--out", "models", "--fixed-model-name", "scaffold", "--quiet"], cwd=project,
                             env=env, capture_output=True, text=True, timeout=1200)
    assert trained.returncode == 0, trained.stdout[-3000:] + trained.stderr[-3000:]
    rasa_port, actions_port = free_port(), free_port()
    (project / "endpoints.yml").write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
    logs = [project / "actions.log", project / "rasa.log"]
    procs = [
        subprocess.Popen([str(BIN / "rasa"), "run", "actions", "--port", str(actions_port)], cwd=ROOT, env=env,
                         stdout=logs[0].open("w"), stderr=subprocess.STDOUT),
        subprocess.Popen([str(BIN / "rasa"), "run", "--enable-api", "--port", str(rasa_port), "--model",
                          str(project / "models" / "scaffold.tar.gz"), "--endpoints", "endpoints.yml",
                          "--credentials", "credentials.yml"], cwd=project, env=env, stdout=logs[1].open("w"),
                         stderr=subprocess.STDOUT),
    ]
    rasa_url, actions_url = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}"
    try:
        wait_until(lambda: requests.get(f"{actions_url}/health", timeout=2).ok, 300, "action server", procs, logs)
        wait_until(lambda: requests.get(f"{rasa_url}/status", timeout=2).json().get("model_id"), 600, "rasa server",
                   procs, logs)
        yield Stack(rasa_url, actions_url, env["PARLEY_DB_URL"], project)
    finally:
        stop(procs)


def test_a_scaffolded_persona_trains_and_plays_as_it_is(scaffold_stack: Stack) -> None:
    assert "scaffold_sam" in model_personas(scaffold_stack)
    persona_dir = scaffold_stack.workdir / "personas"
    personas = load_personas(persona_dir)
    cases = load_cases(persona_dir / "tests" / "scaffold_sam.yml", personas)
    assert len(cases) == 2
    for case in cases:
        chat = play(scaffold_stack, case.test.persona, case.test.difficulty, case.turns(personas))
        assert chat.payload("briefing")["name"] == "Sam"
        failures = check(chat.payload("report"), case.test.expect.dict(exclude_none=True), customer_lines(chat))
        assert failures == [], json.dumps(chat.log, indent=1)[-4000:]


def test_the_action_server_picks_up_an_edited_line_without_a_restart(scaffold_stack: Stack) -> None:
    path = scaffold_stack.workdir / "personas" / "scaffold_sam.yml"
    text = path.read_text(encoding="utf-8")
    edited = text.replace('  - "My beans went from $40 to $46 a bag overnight. That\'s not how you treat a regular."',
                          '  - "EDITED: my beans cost $46 now."').replace(
        '  - "Forty-six dollars a bag now? Nobody told me. I want to know what\'s going on."',
        '  - "EDITED: forty-six dollars a bag."')
    assert edited != text
    stat = path.stat()
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    # the file is read off the request path: live within the half second a turn waits for it, or the next one
    deadline = time.time() + 15
    chat = scaffold_stack.conversation("scaffold_sam")
    while not Conversation.texts(chat.opening)[1].startswith("EDITED:") and time.time() < deadline:
        time.sleep(0.5)
        chat = scaffold_stack.conversation("scaffold_sam")
    assert Conversation.texts(chat.opening)[1].startswith("EDITED:")


# -- reloads during a running session ----------------------------------------------------------------
def _timed(chat: Conversation, text: str) -> tuple[float, List[dict]]:
    started = time.perf_counter()
    replies = chat.send(text)
    return time.perf_counter() - started, replies


def test_a_reload_during_a_session_never_holds_up_the_trainees_turn(scaffold_stack: Stack) -> None:
    from tests.core.test_persona_limits import alias_bomb

    folder = scaffold_stack.workdir / "personas"
    chat = scaffold_stack.conversation("scaffold_sam")
    normal = min(_timed(chat, line)[0] for line in ("Hello Sam, thanks for getting in touch.",
                                                    "I'm sorry the new price came as a surprise."))
    # what the issue saw stall every trainee: an alias bomb, an 18 MB file, and an edit, saved mid-session
    (folder / "bomb_persona.yml").write_text(alias_bomb(7).replace("id: bomb", "id: bomb_persona"), encoding="utf-8")
    with (folder / "huge_persona.yml").open("w", encoding="utf-8") as f:
        f.write("id: huge_persona\n" + ("# " + "x" * 1000 + "\n") * (18 * 1024))
    sam = folder / "scaffold_sam.yml"
    stat = sam.stat()
    sam.write_text(sam.read_text(encoding="utf-8").replace("Three years of orders every single week",
                                                           "RELOADED: three years of orders"), encoding="utf-8")
    os.utime(sam, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    try:
        took, replies = _timed(chat, "What would make this work for you?")
        assert Conversation.texts(replies), "the trainee's turn got no reply"
        assert took < max(10.0, 4 * normal), f"a turn took {took:.1f}s during the reload (normal {normal:.1f}s)"
        # the turn was stored and the session goes on with the new version of Sam's file
        took, replies = _timed(chat, "What else matters to you about the beans?")
        assert took < max(10.0, 4 * normal) and Conversation.texts(replies)
        report = chat.payload("report", chat.send("/end_session"))
        assert len(report["turns"]) == 4
        # the broken files are refused, the good persona plays on
        answer = Conversation.texts(scaffold_stack.send(f"e2e-{time.time()}", '/start_session{"persona": '
                                                                             '"bomb_persona"}'))[0]
        assert "no persona called 'bomb_persona'" in answer and "scaffold_sam" in answer
    finally:
        (folder / "bomb_persona.yml").unlink()
        (folder / "huge_persona.yml").unlink()


def test_a_new_model_is_loaded_by_the_running_server_without_a_restart(stack: Stack, tmp_path_factory) -> None:
    from parley.model_state import push

    status = requests.get(f"{stack.rasa_url}/status", params={"token": stack.api_token}, timeout=30).json()
    running = Path(status["model_file"])  # Rasa reports the file's name
    running = running if running.is_absolute() else ROOT / "models" / running.name
    new_model = tmp_path_factory.mktemp("models") / f"parley-e2e{time.time_ns()}.tar.gz"
    shutil.copy2(running, new_model)  # as train.sh leaves it: a new file under models/
    chat = stack.conversation("price_increase_charlie")
    try:
        # a trainee mid-session while the server swaps models: the turn waits for the load, and is answered
        import threading

        answered: List[float] = []
        started = time.perf_counter()
        pushing = threading.Thread(target=lambda: answered.append(
            len(push(new_model, stack.rasa_url, stack.api_token))))
        pushing.start()
        time.sleep(0.2)
        took, replies = _timed(chat, "What would make this work for you?")
        pushing.join(timeout=300)
        print(f"model push took {time.perf_counter() - started:.1f}s; a turn sent during it took {took:.1f}s")
        assert Conversation.texts(replies) and answered
        status = requests.get(f"{stack.rasa_url}/status", params={"token": stack.api_token}, timeout=30).json()
        assert Path(status["model_file"]).name == new_model.name
        assert "already runs" in push(new_model, stack.rasa_url, stack.api_token)  # nothing to do twice
        assert Conversation.texts(chat.send("I'm sorry the new price came as a surprise."))  # the session goes on
        assert "answered 401" in push(new_model, stack.rasa_url, "wrong-token")
    finally:
        push(running, stack.rasa_url, stack.api_token)
