"""How long a trainer waits: first train, retrains after persona and story edits, train.sh deciding
"up to date", and `parley personas test` cold and warm (goals: a one-persona edit under 30 s, the
up-to-date decision under 5 s).

Runs `bash scripts/train.sh` on a copy of the project in a temporary folder (its own Rasa cache and
models/, the repository's .venv), so the working tree, models/ and .rasa/ are never touched:

    .venv/bin/python bench/bench_retrain.py            # every figure
    .venv/bin/python bench/bench_retrain.py --json     # the figures as JSON on the last line
    .venv/bin/python bench/bench_retrain.py --no-cold-detector   # keep the detector cache (skip the cold test)

1. first train: `scripts/train.sh` with an empty Rasa cache (as on a fresh machine);
2. train.sh again with nothing changed: the content hash says "up to date";
3. a one-persona edit of a customer line (lines.accept): the model is not trained from it (the action
   server reloads it), so train.sh says "up to date" too;
4. a one-persona story edit (one move changed): a retrain, the move classifier from Rasa's cache;
5. a story *name* edit in data/ (the issue's 77 s case): a retrain;
6. `parley personas test` with no detector cache (cold: it trains the move detector) and again (warm).

The anchor in the same run: `python -c pass` with the project's interpreter (start-up cost alone), and
the load average, since two shared cores make every figure depend on what else runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)
PROJECT_FILES = ("config.yml", "domain.yml", "credentials.yml", "endpoints.yml", "requirements.lock")
PERSONA = "price_increase_charlie.yml"


def copy_project(target: Path) -> None:
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, target / name)
    for folder in ("data", "scripts"):
        shutil.copytree(ROOT / folder, target / folder)
    (target / "parley_rasa").mkdir()
    for path in (ROOT / "parley_rasa").glob("*.py"):
        shutil.copy2(path, target / "parley_rasa" / path.name)
    (target / "parley").mkdir()
    shutil.copy2(ROOT / "parley" / "taxonomy.py", target / "parley" / "taxonomy.py")
    (target / "personas").mkdir()
    for path in sorted((ROOT / "personas").glob("*.yml")):  # persona files only, not personas/tests/
        shutil.copy2(path, target / "personas" / path.name)
    (target / ".venv").symlink_to(ROOT / ".venv")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: List[str], cwd: Path, env: Dict[str, str], name: str, cpu: Dict[str, float]) -> tuple[float, str]:
    started, before = time.perf_counter(), _children_cpu()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    cpu[name] = _children_cpu() - before
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({name}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return took, result.stdout + result.stderr


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        sys.exit(f"bench: cannot find {old!r} in {path}")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def detector_cache() -> Path:
    sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]  # not needed to read a fingerprint
    from parley.moves import CACHE_DIR, training_fingerprint

    return CACHE_DIR / training_fingerprint()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project (its path is printed)")
    parser.add_argument("--no-cold-detector", action="store_true",
                        help="do not move the detector cache aside for the cold `personas test`")
    args = parser.parse_args()
    project = Path(tempfile.mkdtemp(prefix="parley-retrain-"))
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore",
           "RASA_CACHE_DIRECTORY": str(project / ".rasa" / "cache"), "PARLEY_API_TOKEN_FILE": str(project / "none"),
           "RASA_PORT": "9"}  # no running server is told about these models
    env.pop("PARLEY_API_TOKEN", None)
    figures: Dict[str, float] = {}
    cpu: Dict[str, float] = {}
    train = ["bash", "scripts/train.sh"]

    def run(name: str, command: List[str], label: str, expect: str | None = None, cwd: Path = project) -> None:
        figures[name], out = timed(command, cwd, env, name, cpu)
        if expect and expect not in out:
            sys.exit(f"bench: {label}: expected {expect!r} in the output:\n{out[-2000:]}")
        print(f"{label:<52} {figures[name]:6.1f} s  (CPU {cpu[name]:5.1f} s)", flush=True)

    try:
        copy_project(project)
        persona = project / "personas" / PERSONA
        print(f"project copy: {project}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
        run("anchor_python_start_s", [str(PYTHON), "-c", "pass"], "anchor: the interpreter starting, nothing else")
        run("first_train_s", train, "first train (empty Rasa cache)", "Training the Rasa model")
        run("up_to_date_s", train, "train.sh with nothing changed (up to date)", "up to date")
        line = re.search(r"^  accept:\n    - (.+)$", persona.read_text(encoding="utf-8"), re.M)
        assert line, "no lines.accept in the persona"
        edit(persona, line.group(1), line.group(1)[:-1] + ' Cheers."')
        run("after_persona_line_edit_s", train, "after a one-persona line edit (up to date)", "up to date")
        edit(persona, "      - intent: pressure\n", "      - intent: close\n")
        run("after_persona_story_edit_s", train, "after a one-persona story edit (retrain)", "Training the Rasa")
        rules = project / "data" / "rules.yml"
        name = re.search(r"^ *- rule: (.+)$", rules.read_text(encoding="utf-8"), re.M)
        assert name, "no rule in data/rules.yml"
        edit(rules, name.group(0), name.group(0) + " (renamed)")
        run("after_story_name_edit_s", train, "after a rule/story name edit in data/ (retrain)", "Training the Rasa")

        parley = [str(PYTHON.parent / "parley"), "personas", "test"]
        cache = detector_cache()
        aside = cache.with_name(cache.name + ".bench-aside")
        if not args.no_cold_detector and cache.exists():
            cache.rename(aside)
        try:
            run("personas_test_cold_s", parley, "parley personas test, cold (trains the detector)", "passed", ROOT)
        finally:
            if aside.exists():
                shutil.rmtree(cache, ignore_errors=True)
                aside.rename(cache)
        run("personas_test_warm_s", parley, "parley personas test, warm", "passed", ROOT)
        print(f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: wall time well above CPU time "
              "means other work was competing for the machine)")
        persona_edit = max(figures["after_persona_line_edit_s"], figures["after_persona_story_edit_s"])
        print(f"goal, a one-persona edit under 30 s: {'met' if persona_edit < 30 else 'NOT met'}")
        print(f"goal, 'up to date' decided under 5 s: {'met' if figures['up_to_date_s'] < 5 else 'NOT met'}")
        if args.json:
            print(json.dumps({**{k: round(v, 1) for k, v in figures.items()},
                              **{f"cpu_{k}": round(v, 1) for k, v in cpu.items()},
                              "load_average": round(os.getloadavg()[0], 1)}))
    finally:
        if args.keep:
            print(f"kept {project}")
        else:
            shutil.rmtree(project, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
