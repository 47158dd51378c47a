"""Soak: does a turn cost the same at turn 1,500 of one sender as at turn 10? (issue 13, finding 6)

Starts the real action server and Rasa on free loopback ports, then one REST sender plays `--turns`
trainee turns in a row (a new session whenever the customer ends one, as a returning trainee or a
Slack user would), timing every turn and sampling Rasa's resident memory.  Runs twice in the same
invocation: `after` (Parley as shipped: parley_rasa/history.py keeps Rasa's tracker short) and `before`
(the same servers with PARLEY_HISTORY_MAX_EVENTS=0, i.e. Rasa keeps the whole history), so the figures
have their anchor in the same run on the same machine.  Bounded: `--turns` per mode and `--minutes`
per mode (a mode stops early when its time is up and says so).  Loopback only.

    .venv/bin/python bench/bench_soak.py                      # after: 1,500 turns; before: 400 turns
    .venv/bin/python bench/bench_soak.py --turns 1500 --before-turns 1500 --minutes 30
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.servers import ROOT, ServerGroup, actions_ready, free_port, latest_model, rasa_ready  # noqa: E402

LINES = [
    "I'm sorry the new price came as a surprise, Charlie.",
    "What matters most to you in the next few months?",
    "How many cartridges do you go through in a busy month?",
    "So if I understand you, budget certainty matters more than the unit price?",
    "The rise comes from our supplier costs going up this year.",
    "If you sign for twelve months, I can add free shipping on monthly orders.",
    "Could a 12-month price lock help with your planning?",
    "What would make this work for you?",
]
START = '/start_session{"persona": "price_increase_charlie"}'
WINDOW = 30  # turns in each p95 window


def post(url: str, sender: str, message: str) -> List[dict]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (loopback only)
        return list(json.loads(response.read()))


def warm_up(url: str, sender: str, turns: int = 40) -> None:
    """Another sender's turns first, so the measured sender's first turns do not pay for cold caches."""
    post(url, sender, START)
    for turn in range(turns):
        post(url, sender, LINES[turn % len(LINES)])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def p95(values: List[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else (values[0] if values else 0.0)


def soak(mode: str, turns: int, minutes: float, workdir: Path) -> Dict[str, object]:
    model = latest_model()
    if model is None:
        raise SystemExit("no trained model: run `bash scripts/train.sh` first")
    rasa_port, actions_port = free_port(), free_port()
    endpoints = workdir / f"endpoints-{mode}.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
    env = {"PARLEY_DB_URL": f"sqlite:///{workdir / f'soak-{mode}.db'}",
           "PARLEY_HISTORY_MAX_EVENTS": "0" if mode == "before" else "60", "SANIC_HOST": "127.0.0.1"}
    latencies: List[float] = []
    memory: List[tuple[int, float]] = []
    with ServerGroup(workdir, env) as group:
        # `rasa run actions` (no secret) is fine here: loopback only, the bench's own ports
        group.start(f"actions-{mode}", ["run", "actions", "--port", str(actions_port)], ROOT, actions_port,
                    actions_ready)
        # the API only for the readiness check (/status); every server on 127.0.0.1 only
        rasa = group.start(f"rasa-{mode}", ["run", "--enable-api", "-i", "127.0.0.1", "--port", str(rasa_port),
                                            "--model", str(model), "--endpoints", str(endpoints), "--credentials",
                                            str(ROOT / "credentials.yml")],
                           ROOT, rasa_port, rasa_ready, timeout=600)
        url, sender = rasa.url, f"soak-{mode}"
        warm_up(url, f"warm-up-{mode}")
        post(url, sender, START)
        deadline = time.monotonic() + minutes * 60
        for turn in range(1, turns + 1):
            began = time.perf_counter()
            replies = post(url, sender, LINES[turn % len(LINES)])
            latencies.append(time.perf_counter() - began)
            if any("report" in (r.get("custom") or {}) for r in replies):
                post(url, sender, START)  # the customer ended it: the same trainee starts again
            if turn == 1 or turn % 100 == 0:
                memory.append((turn, rss_mb(rasa.process.pid)))
            if time.monotonic() > deadline:
                print(f"  ({mode}: time budget of {minutes} min reached at turn {turn})", flush=True)
                break
            if turn % 250 == 0:
                print(f"  {mode}: turn {turn}, last p95 {p95(latencies[-50:]) * 1000:.0f} ms, "
                      f"Rasa RSS {memory[-1][1]:.0f} MB", flush=True)
    done = len(latencies)
    early, late = latencies[:WINDOW], latencies[-WINDOW:]  # turns 1-30 ("turn 10") and the last 30
    return {"mode": mode, "turns": done, "p95_turn10_ms": p95(early) * 1000, "p95_last_ms": p95(late) * 1000,
            "ratio": p95(late) / p95(early) if early else 0.0, "memory": memory}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=1500, help="turns for `after` (default 1,500)")
    parser.add_argument("--before-turns", type=int, default=400, help="turns for `before` (default 400)")
    parser.add_argument("--minutes", type=float, default=20, help="time budget per mode (default 20)")
    parser.add_argument("--only", choices=["after", "before"], help="run one mode")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parley-soak-") as tmp:
        results = []
        for mode, turns in (("after", args.turns), ("before", args.before_turns)):
            if args.only in (None, mode):
                print(f"== {mode}: {turns} turns of one sender", flush=True)
                results.append(soak(mode, turns, args.minutes, Path(tmp)))
    print(f"\nmode     turns  p95 turns 1-{WINDOW}   p95 last {WINDOW}   last/early   Rasa RSS MB (turn: MB)")
    for r in results:
        mem = ", ".join(f"{t}: {m:.0f}" for t, m in r["memory"])  # type: ignore[union-attr]
        print(f"{r['mode']:<8} {r['turns']:>5}  {r['p95_turn10_ms']:>10.0f} ms  {r['p95_last_ms']:>9.0f} ms"
              f"  {r['ratio']:>9.2f}x   {mem}")
    after = next((r for r in results if r["mode"] == "after"), None)
    if after is not None:
        verdict = "within" if after["ratio"] <= 1.2 else "NOT within"  # type: ignore[operator]
        print(f"after: p95 at the last turns is {verdict} 1.2x of turn 10")
    return 0


if __name__ == "__main__":
    sys.exit(main())
