"""Team-mode load benchmark: turns/s, p50/p95 latency, memory and CPU per turn, three set-ups in one run.

    make bench-team                    # or: .venv/bin/python bench/bench_team.py --trainees 12 --seconds 45

1. single machine, today's default: 1 Rasa + 1 action server, SQLite, Rasa's in-memory tracker;
2. PostgreSQL + Redis, 1 Rasa + 1 action server behind nginx;
3. PostgreSQL + Redis, 2 Rasa + 2 action servers behind nginx.

Each set-up gets the same load: `--trainees` simulated trainees at once, each starting a session and
sending the scripted turns of tests/e2e/team/sessions.yml back to back (no think time: this saturates
the servers), a new session when a script ends, for `--seconds` after a warm-up. Printed per set-up:
turns/s, p50/p95/max latency of a trainee turn, errors, resident memory of every process, and the CPU
time all processes used, as turns per CPU-second (what sizes a deployment: a trainee sends a turn every
~30 s, so one core serves about 30 x turns-per-CPU-second trainees typing at once).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deploy.team import Team  # noqa: E402

SCRIPTS = yaml.safe_load((ROOT / "tests" / "e2e" / "team" / "sessions.yml").read_text())["scripts"]
THINK_SECONDS = 30  # a trainee reads the reply and types the next turn: about this long between turns


@dataclass
class Result:
    name: str
    latencies: List[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu_s: float = 0.0
    memory: Dict[str, float] = field(default_factory=dict)
    startup: Dict[str, float] = field(default_factory=dict)

    @property
    def turns(self) -> int:
        return len(self.latencies)

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def trainee(url: str, n: int, stop: threading.Event, measuring: threading.Event, result: Result,
            lock: threading.Lock) -> None:
    http = requests.Session()
    k = n
    while not stop.is_set():
        script = SCRIPTS[k % len(SCRIPTS)]
        k += 1
        sender = f"bench-{n}-{uuid.uuid4().hex[:8]}"

        def post(message: str, sender: str = sender) -> tuple[bool, float]:
            t = time.perf_counter()
            try:
                r = http.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=120)
                ok = r.status_code == 200 and any(m.get("text") for m in r.json())
            except (requests.RequestException, ValueError):
                ok = False
            return ok, time.perf_counter() - t

        post("/start_session" + json.dumps({"persona": script["persona"]}))
        for line in script["turns"]:
            if stop.is_set():
                return
            ok, seconds = post(line)
            if measuring.is_set():
                with lock:
                    if ok:
                        result.latencies.append(seconds)
                    else:
                        result.errors += 1
        post("/end_session")


def measure(team: Team, name: str, trainees: int, seconds: float, warmup: float) -> Result:
    result = Result(name, startup={k: round(p.startup_s, 1) for k, p in team.procs.items()})
    stop, measuring, lock = threading.Event(), threading.Event(), threading.Lock()
    threads = [threading.Thread(target=trainee, args=(team.url, n, stop, measuring, result, lock), daemon=True)
               for n in range(trainees)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    cpu_before = sum(p.cpu_seconds() for p in team.procs.values())
    started = time.time()
    measuring.set()
    time.sleep(seconds)
    measuring.clear()
    result.seconds = time.time() - started
    result.cpu_s = sum(p.cpu_seconds() for p in team.procs.values()) - cpu_before
    result.memory = {k: round(p.memory_mb()) for k, p in team.procs.items()}
    stop.set()
    for t in threads:
        t.join(timeout=150)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=12, help="simulated trainees sending at once")
    parser.add_argument("--seconds", type=float, default=45, help="measured seconds per set-up")
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--setups", default="1,2,3", help="which set-ups to run, e.g. 1 or 2,3")
    args = parser.parse_args()
    for name in ("PARLEY_DB_URL", "PARLEY_TRACKER_DB_URL", "PARLEY_REDIS_URL"):
        os.environ.pop(name, None)  # private PostgreSQL and Redis for a fair comparison
    work = ROOT / "var" / "bench-team"
    setups = [("1 Rasa + 1 actions, SQLite + in-memory tracker (single machine)",
               dict(rasa_servers=1, action_servers=1, shared_stores=False, balancer=False)),
              ("1 Rasa + 1 actions, PostgreSQL + Redis, nginx", dict(rasa_servers=1, action_servers=1)),
              ("2 Rasa + 2 actions, PostgreSQL + Redis, nginx", dict(rasa_servers=2, action_servers=2))]
    results: List[Result] = []
    cores = os.cpu_count() or 1
    print(f"team bench: {args.trainees} trainees sending back to back, {args.seconds:.0f}s measured per set-up, "
          f"{cores} CPU cores (shared with whatever else runs here)", flush=True)
    chosen = {int(x) for x in args.setups.split(",") if x.strip()}
    for i, (name, options) in enumerate(setups):
        if i + 1 not in chosen:
            continue
        folder = work / f"setup{i + 1}"
        shutil.rmtree(folder, ignore_errors=True)
        team = Team(folder, extra_env={"PARLEY_ABANDON_AFTER_MINUTES": "60"}, **options)
        try:
            team.up()
            results.append(measure(team, name, args.trainees, args.seconds, args.warmup))
        finally:
            team.down()
        r = results[-1]
        print(f"  done: {name}: {r.turns / r.seconds:.1f} turns/s", flush=True)

    print()
    print("| set-up | turns/s | p50 ms | p95 ms | max ms | errors | CPU s/turn | turns per CPU-s | "
          "trainees per core* |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        per_cpu = r.turns / r.cpu_s if r.cpu_s else float("nan")
        print(f"| {r.name} | {r.turns / r.seconds:.1f} | {r.pct(50):.0f} | {r.pct(95):.0f} | "
              f"{max(r.latencies, default=0) * 1000:.0f} | {r.errors} | {r.cpu_s / max(r.turns, 1):.3f} | "
              f"{per_cpu:.1f} | {per_cpu * THINK_SECONDS:.0f} |")
    print(f"\n* trainees typing at once that one fully used core serves, at one turn per {THINK_SECONDS} s each "
          "(turns per CPU-second x 30); keep cores below ~70% busy for latency.")
    print("\nmemory (resident MB) and start-up (s) per process:")
    for r in results:
        print(f"  {r.name}:")
        print("    " + ", ".join(f"{k} {v} MB" for k, v in r.memory.items()))
        print("    start-up: " + ", ".join(f"{k} {v}s" for k, v in r.startup.items()))
    if results and results[0].latencies:
        print("\nmedian turn latency relative to the single machine: " + ", ".join(
            f"{r.name.split(',')[0]}{' +PG' if 'Postgre' in r.name else ''}: "
            f"{statistics.median(r.latencies) / statistics.median(results[0].latencies):.2f}x"
            for r in results if r.latencies))
    return 0


if __name__ == "__main__":
    sys.exit(main())
