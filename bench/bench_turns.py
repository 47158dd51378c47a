"""Per-turn latency and throughput of Parley over Rasa's REST webhook, next to Rasa's starter bot.

Prints figures (it is not a test): p50/p95 latency and turns/s at 1 and 10 concurrent sessions for

* Parley's full turn: NLU with the MoveClassifier, the action server (persona engine, evaluator,
  SQLite write through SQLAlchemy), and
* the bot `rasa init --no-prompt` creates (trained once, cached under .parley/bench/starter),

measured in the same run on the same machine, one stack after the other so they never compete for
the CPUs, and the ratios Parley / starter.  Results also go to results/bench_turns.json.

    .venv/bin/python bench/bench_turns.py [--turns 200] [--concurrency 1 10] [--only parley]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

import aiohttp
from servers import BIN, QUIET_ENV, ROOT, Server, ServerGroup, actions_ready, free_port, latest_model, rasa_ready

# -- workloads ------------------------------------------------------------------------------------
# Realistic trainee turns per persona, in negotiation order: rapport, questions, a summary, a
# rationale, value-adds and a priced offer that is still above what the customer would accept, so
# the customer counters instead of closing. Sessions keep going; if one ends anyway (deal or
# walk-away: a report comes back) that turn is counted apart and the trainee moves to a new session.
PARLEY_SCRIPTS: Dict[str, Tuple[str, ...]] = {
    "price_increase_charlie": (
        "I'm really sorry the new price came as a surprise, Charlie. I can see why that was frustrating.",
        "Thank you for five years of orders with us; we really value your business.",
        "Can you tell me a bit more about how the new price affects your shop?",
        "So if I understand correctly, the timing hurts as much as the amount, because your budget is set per "
        "quarter.",
        "The increase comes from our supplier raising toner costs this year, which is why the list price moved for "
        "everyone.",
        "One option is quarterly invoicing, so the cost is spread over the quarter instead of landing at once.",
        "I could also include free shipping on your monthly orders.",
        "If you sign up for another twelve months, I can do $24.50 a cartridge.",
    ),
    "loyal_customer": (
        "Hi Dana, thanks for getting in touch before signing.",
        "I'm sorry the renewal quote felt like a slap after eight years; that's not how we want you to feel.",
        "What matters most to your firm in the next contract?",
        "How does the budget approval work with your partners?",
        "It sounds like you need a number you can plan around for several years, and support that holds up in tax "
        "season.",
        "Our list price went up because we added the new reporting features, so every plan was repriced this year.",
        "I can offer priority support with a named contact, so tax season tickets get answered the same day.",
        "If you renew for three years, I can lock the price at $47.75 a seat.",
    ),
    "competitor_switcher": (
        "Thanks for being straight with me, Jordan, and for four years with us.",
        "What does the RelayDesk offer give you that we don't today?",
        "Help me understand how your finance director compares the two contracts.",
        "If I've got this right, the messaging channels and the total cost over two years are what will decide it?",
        "RelayDesk's price jumps to $38 in year two, so over 24 months their total is higher than it looks.",
        "I can include the WhatsApp and SMS channels add-on free for 12 months.",
        "I can also offer a free setup session with a solutions engineer before your busy season.",
        "If you sign for 24 months, I can bring you to $34.75 an agent.",
    ),
}
# The starter bot's domain is greetings and moods: plain messages of the same kind it was built for.
STARTER_TURNS: Tuple[str, ...] = (
    "good morning",
    "I am feeling very good today",
    "my day was horrible",
    "yes",
    "I am sad",
    "not really",
    "are you a bot?",
    "see you later",
)


@dataclass(frozen=True)
class Conversation:
    sender: str
    opening: str  # sent before the timed phase, never timed
    turns: Tuple[str, ...]


@dataclass(frozen=True)
class Workload:
    name: str
    conversations: Callable[[str, int], List[Conversation]]  # (sender prefix, how many)
    ended: Callable[[List[dict]], bool]  # the reply closed the conversation
    texts: Tuple[str, ...]  # every timed text, for the NLU-only measurement


def parley_conversations(prefix: str, count: int) -> List[Conversation]:
    personas = list(PARLEY_SCRIPTS)
    out = []
    for i in range(count):
        persona = personas[i % len(personas)]
        start = "/start_session" + json.dumps({"persona": persona})
        out.append(Conversation(f"{prefix}-{i}-{uuid.uuid4().hex[:8]}", start, PARLEY_SCRIPTS[persona]))
    return out


def starter_conversations(prefix: str, count: int) -> List[Conversation]:
    n = len(STARTER_TURNS)
    return [Conversation(f"{prefix}-{i}-{uuid.uuid4().hex[:8]}", "hello",
                         tuple(STARTER_TURNS[(i + k) % n] for k in range(n))) for i in range(count)]


def has_report(replies: List[dict]) -> bool:
    return any("report" in (r.get("custom") or {}) for r in replies)


PARLEY = Workload("parley", parley_conversations, has_report,
                  tuple(t for script in PARLEY_SCRIPTS.values() for t in script))
STARTER = Workload("starter", starter_conversations, lambda _replies: False, STARTER_TURNS)
SESSION_TURNS = len(next(iter(PARLEY_SCRIPTS.values())))


# -- measurement ----------------------------------------------------------------------------------
@dataclass
class Run:
    concurrency: int
    turns: int  # timed turns that kept the conversation going
    p50_ms: float
    p95_ms: float
    mean_ms: float
    max_ms: float
    turns_per_s: float  # every turn answered in the timed window / its wall time
    wall_s: float
    ending_turns: int = 0  # turns whose reply ended the session (counted apart from the latencies)
    ending_p50_ms: float | None = None
    errors: int = 0
    first_error: str | None = None
    complete: bool = True  # False when the time limit cut the run short
    cpu_ms_per_turn: Dict[str, float] = field(default_factory=dict)  # server CPU time per answered turn
    load_avg_1m: float = 0.0  # before the run: how busy the machine was (shared with others)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process (all its threads), from /proc; None where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


async def post_turn(http: aiohttp.ClientSession, url: str, sender: str, text: str) -> List[dict]:
    async with http.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as response:
        body = await response.text()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {body[:300]}")
        return list(json.loads(body))


async def run_load(url: str, workload: Workload, concurrency: int, budget: int, time_limit: float,
                   servers: Sequence[Server], prefix: str) -> Run:
    """`concurrency` trainees play conversations until `budget` turns are answered (or time runs out)."""
    # enough conversations for the budget, plus one spare per trainee for sessions that end early
    conversations = workload.conversations(prefix, math.ceil(budget / SESSION_TURNS) + concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=concurrency)) as http:
        # openings (/start_session, "hello") happen before the clock starts, at the same concurrency
        pending = deque(conversations)

        async def opener() -> None:
            while pending:
                conversation = pending.popleft()
                await post_turn(http, url, conversation.sender, conversation.opening)

        await asyncio.gather(*(opener() for _ in range(concurrency)))

        queue = deque(conversations)
        latencies: List[float] = []
        ending: List[float] = []
        errors: List[str] = []
        issued = 0
        load = os.getloadavg()[0]
        cpu_before = {s.name: cpu_seconds(s.process.pid) for s in servers}
        began = time.perf_counter()
        deadline = began + time_limit

        async def trainee() -> None:
            nonlocal issued
            while queue:
                conversation = queue.popleft()
                for text in conversation.turns:
                    if issued >= budget or time.perf_counter() >= deadline:
                        return
                    issued += 1
                    t0 = time.perf_counter()
                    try:
                        replies = await post_turn(http, url, conversation.sender, text)
                    except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError, ValueError) as exc:
                        errors.append(f"{type(exc).__name__}: {exc}")
                        continue
                    elapsed = time.perf_counter() - t0
                    if workload.ended(replies):
                        ending.append(elapsed)
                        break  # on to a fresh, already opened conversation
                    latencies.append(elapsed)

        await asyncio.gather(*(trainee() for _ in range(concurrency)))
        wall = time.perf_counter() - began

    answered = len(latencies) + len(ending)
    cpu: Dict[str, float] = {}
    for s in servers:
        before, after = cpu_before[s.name], cpu_seconds(s.process.pid)
        if before is not None and after is not None and answered:
            cpu[s.name] = round((after - before) * 1000 / answered, 1)
    ms = [x * 1000 for x in latencies]
    return Run(
        concurrency=concurrency, turns=len(latencies),
        p50_ms=round(percentile(ms, 50), 1), p95_ms=round(percentile(ms, 95), 1),
        mean_ms=round(sum(ms) / len(ms), 1) if ms else math.nan, max_ms=round(max(ms), 1) if ms else math.nan,
        turns_per_s=round(answered / wall, 2) if wall else math.nan, wall_s=round(wall, 2),
        ending_turns=len(ending),
        ending_p50_ms=round(percentile([x * 1000 for x in ending], 50), 1) if ending else None,
        errors=len(errors), first_error=errors[0] if errors else None, complete=issued >= budget,
        cpu_ms_per_turn=cpu, load_avg_1m=round(load, 2),
    )


async def run_parse(url: str, texts: Sequence[str], requests: int) -> Dict[str, float]:
    """NLU alone over HTTP (`/model/parse`, one client): how much of a turn is understanding the text."""
    ms: List[float] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        for i in range(requests):
            t0 = time.perf_counter()
            async with http.post(f"{url}/model/parse", json={"text": texts[i % len(texts)]}) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"/model/parse: HTTP {response.status}")
            ms.append((time.perf_counter() - t0) * 1000)
    return {"requests": requests, "p50_ms": round(percentile(ms, 50), 1), "p95_ms": round(percentile(ms, 95), 1)}


def measure(rasa: Server, workload: Workload, servers: Sequence[Server], args: argparse.Namespace) -> Dict[str, Any]:
    """Warm-up, then the timed runs at each concurrency, then NLU alone."""
    for c in args.concurrency:
        # first calls load lazily (spaCy pipeline, personas, DB tables, connection pools): not timed
        warm = asyncio.run(run_load(rasa.url, workload, c, max(args.warmup, 3 * c), args.max_seconds, servers,
                                    f"warm{c}"))
        if warm.errors:
            raise RuntimeError(f"{workload.name}: warm-up failed: {warm.first_error}")
    runs = []
    for c in args.concurrency:
        print(f"    {workload.name}: {args.turns} turns at {c} concurrent session(s)...", flush=True)
        runs.append(asyncio.run(run_load(rasa.url, workload, c, args.turns, args.max_seconds, servers, f"bench{c}")))
    parse = asyncio.run(run_parse(rasa.url, workload.texts, args.parse_requests))
    return {"runs": [asdict(r) for r in runs], "nlu_parse_1_session": parse}


# -- the two stacks ---------------------------------------------------------------------------------
def write_channel_files(workdir: Path, actions_port: int | None) -> Tuple[Path, Path]:
    """Only the REST channel for both stacks, so they are served the same way."""
    credentials = workdir / "credentials.yml"
    credentials.write_text("rest:\n")
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
                         if actions_port else "{}\n")
    return credentials, endpoints


def bench_parley(args: argparse.Namespace) -> Dict[str, Any]:
    model = latest_model()
    if model is None:
        print("==> no model in models/: training (scripts/train.sh)", flush=True)
        subprocess.run(["bash", str(ROOT / "scripts" / "train.sh")], check=True, cwd=ROOT)
        model = latest_model()
        assert model is not None, "scripts/train.sh produced no model"
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        workdir = Path(tmp)
        # a fresh database per run: figures do not depend on what earlier runs left behind
        env = {"PARLEY_DB_URL": f"sqlite:///{workdir / 'parley.db'}"}
        actions_port, rasa_port = free_port(), free_port()
        credentials, endpoints = write_channel_files(workdir, actions_port)
        with ServerGroup(workdir, env) as group:
            print("==> Parley: starting the action server, then Rasa", flush=True)
            actions = group.start("actions", ["run", "actions", "--port", str(actions_port)], ROOT, actions_port,
                                  actions_ready)
            rasa = group.start("rasa", ["run", "--enable-api", "--port", str(rasa_port), "--model", str(model),
                                        "--endpoints", str(endpoints), "--credentials", str(credentials)],
                               ROOT, rasa_port, rasa_ready)
            print(f"    ready: action server {actions.startup_s:.1f} s, Rasa {rasa.startup_s:.1f} s", flush=True)
            result = measure(rasa, PARLEY, [rasa, actions], args)
    return {"model": model.name, "startup_s": {"action_server": round(actions.startup_s, 1),
                                              "rasa": round(rasa.startup_s, 1)}, **result}


def starter_project(cache: Path, rasa_version: str) -> Tuple[Path, float | None]:
    """`rasa init --no-prompt` trained in a temporary folder, kept per Rasa version (it takes minutes)."""
    project = cache / f"rasa-{rasa_version}"
    if latest_model(project / "models") is not None:
        return project, None
    print("==> training Rasa's starter bot (rasa init --no-prompt, about 2 min; cached afterwards)", flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rasa-starter-") as tmp:
        began = time.perf_counter()
        log = Path(tmp) / "init.log"
        init_dir = Path(tmp) / "starter"
        init_dir.mkdir()
        with log.open("w") as out:
            code = subprocess.run([str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(init_dir)],
                                  cwd=tmp, env={**os.environ, **QUIET_ENV}, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL).returncode
        if code != 0 or latest_model(init_dir / "models") is None:
            raise RuntimeError(f"rasa init failed (code {code}):\n{log.read_text(errors='replace')[-3000:]}")
        trained = time.perf_counter() - began
        # copied under a temporary name, then renamed: an interrupted copy is never taken for a cache
        staging = cache / f".{project.name}.{os.getpid()}"
        shutil.copytree(init_dir, staging, ignore=shutil.ignore_patterns(".rasa"))
        shutil.rmtree(project, ignore_errors=True)
        staging.rename(project)
    return project, trained


def bench_starter(args: argparse.Namespace, rasa_version: str) -> Dict[str, Any]:
    project, trained = starter_project(args.starter_cache, rasa_version)
    model = latest_model(project / "models")
    assert model is not None
    with tempfile.TemporaryDirectory(prefix="starter-bench-") as tmp:
        workdir = Path(tmp)
        rasa_port = free_port()
        credentials, endpoints = write_channel_files(workdir, None)
        with ServerGroup(workdir) as group:
            print("==> starter bot: starting Rasa", flush=True)
            rasa = group.start("rasa", ["run", "--enable-api", "--port", str(rasa_port), "--model", str(model),
                                        "--endpoints", str(endpoints), "--credentials", str(credentials)],
                               project, rasa_port, rasa_ready)
            print(f"    ready: Rasa {rasa.startup_s:.1f} s", flush=True)
            result = measure(rasa, STARTER, [rasa], args)
    return {"model": str(model.relative_to(ROOT) if model.is_relative_to(ROOT) else model),
            "trained_this_run_s": round(trained, 1) if trained else None,
            "startup_s": {"rasa": round(rasa.startup_s, 1)}, **result}


# -- report ---------------------------------------------------------------------------------------
def machine_facts() -> Dict[str, Any]:
    cpu_model = ""
    try:
        cpu_model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                          if line.startswith("model name")), "")
    except OSError:
        pass
    version = importlib.metadata.version
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu_model, "platform": platform.platform(), "python": platform.python_version(),
        "rasa": version("rasa"), "rasa_sdk": version("rasa-sdk"), "sqlalchemy": version("sqlalchemy"),
        "spacy": version("spacy"), "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def ratios(parley: Dict[str, Any], starter: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Parley / starter: above 1 means Parley's turn is slower (latency) or faster (turns/s)."""
    out = []
    starter_runs = {r["concurrency"]: r for r in starter["runs"]}
    for p in parley["runs"]:
        s = starter_runs.get(p["concurrency"])
        if s:
            out.append({"concurrency": p["concurrency"],
                        **{k: round(p[k] / s[k], 2) if s[k] else None for k in ("p50_ms", "p95_ms", "turns_per_s")}})
    return out


def print_report(facts: Dict[str, Any], stacks: Dict[str, Dict[str, Any]], rows: List[Dict[str, Any]]) -> None:
    print()
    print(f"Machine: {facts['nproc']} CPUs ({facts['cpu'] or 'unknown'}), {facts['platform']}")
    print(f"Python {facts['python']}, Rasa {facts['rasa']}, rasa-sdk {facts['rasa_sdk']}, "
          f"SQLAlchemy {facts['sqlalchemy']}, spaCy {facts['spacy']}; "
          f"load average at start {' / '.join(map(str, facts['load_avg_at_start']))}")
    print()
    head = (f"{'stack':<8} {'sessions':>8} {'turns':>6} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'turns/s':>8} "
            f"{'server CPU ms/turn':>24} {'ended':>6} {'errors':>6} {'load':>5}")
    print(head)
    print("-" * len(head))
    for name, stack in stacks.items():
        for r in stack["runs"]:
            cpu = " + ".join(f"{k} {v:g}" for k, v in r["cpu_ms_per_turn"].items()) or "n/a"
            flag = "" if r["complete"] else "  (cut short: time limit or out of sessions)"
            print(f"{name:<8} {r['concurrency']:>8} {r['turns']:>6} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
                  f"{r['mean_ms']:>8.1f} {r['turns_per_s']:>8.2f} {cpu:>24} {r['ending_turns']:>6} "
                  f"{r['errors']:>6} {r['load_avg_1m']:>5.2f}{flag}")
    print()
    for name, stack in stacks.items():
        parse = stack["nlu_parse_1_session"]
        starts = ", ".join(f"{k} {v:.1f} s" for k, v in stack["startup_s"].items())
        print(f"{name:<8} model {stack['model']}; start-up until ready: {starts}; NLU alone (/model/parse, "
              f"1 client): p50 {parse['p50_ms']:.1f} ms, p95 {parse['p95_ms']:.1f} ms")
    if rows:
        print()
        print("Parley / starter    p50    p95   turns/s   (latency above 1 = Parley slower; turns/s below 1 = slower)")
        for r in rows:
            print(f"  {r['concurrency']:>2} session(s)    {r['p50_ms']:>5.2f}  {r['p95_ms']:>5.2f}   "
                  f"{r['turns_per_s']:>7.2f}")
    for name, stack in stacks.items():
        for r in stack["runs"]:
            if r["errors"]:
                print(f"! {name} at {r['concurrency']}: {r['errors']} errors, first: {r['first_error']}")
            if r["ending_turns"]:
                print(f"! {name} at {r['concurrency']}: {r['ending_turns']} turns ended a session "
                      f"(p50 {r['ending_p50_ms']} ms), counted in turns/s but not in the latencies")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--turns", type=int, default=200, help="timed turns per configuration (default 200)")
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 10], help="concurrent sessions (default 1 10)")
    p.add_argument("--warmup", type=int, default=24, help="untimed turns per concurrency before timing")
    p.add_argument("--parse-requests", type=int, default=48, help="NLU-only requests (/model/parse)")
    p.add_argument("--max-seconds", type=float, default=300, help="time limit per configuration")
    p.add_argument("--only", choices=["parley", "starter"], help="benchmark one stack only (no ratios)")
    p.add_argument("--starter-cache", type=Path, default=ROOT / ".parley" / "bench" / "starter")
    p.add_argument("--out", type=Path, default=ROOT / "results" / "bench_turns.json")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C and `kill` (also when started in the background, where SIGINT is ignored) unwind the
    # same way, so the servers are stopped on the way out
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    facts = machine_facts()
    print(f"==> {facts['nproc']} CPUs, Python {facts['python']}, Rasa {facts['rasa']}, load average "
          f"{facts['load_avg_at_start'][0]}; {args.turns} turns per configuration at {args.concurrency} sessions",
          flush=True)
    stacks: Dict[str, Dict[str, Any]] = {}
    try:
        # one stack at a time: the two never compete for the CPUs
        if args.only in (None, "parley"):
            stacks["parley"] = bench_parley(args)
        if args.only in (None, "starter"):
            stacks["starter"] = bench_starter(args, facts["rasa"])
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped", file=sys.stderr)
        return 130
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"\nbenchmark failed: {exc}", file=sys.stderr)
        return 1
    rows = ratios(stacks["parley"], stacks["starter"]) if len(stacks) == 2 else []
    print_report(facts, stacks, rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    args.out.write_text(json.dumps({"machine": facts, "settings": {**settings, "session_turns": SESSION_TURNS},
                                    "stacks": stacks, "ratios_parley_over_starter": rows}, indent=2) + "\n")
    print(f"\nwritten: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
