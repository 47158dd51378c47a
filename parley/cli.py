"""`parley` command line: offline detection and scoring, persona checks, and a terminal chat client.

    parley detect < turns.jsonl          JSON lines {"text": ...} in, the same with "moves" out
    parley score transcript.yml          replay a saved transcript and print its report
    parley personas check|list           validate / list persona files (every problem, file:line: field)
    parley personas new ID               write a complete, commented persona file to edit
    parley personas schema [--write]     the persona field reference, rendered into docs/personas.md
    parley personas test [FILES...]      play conversation tests offline (default personas/tests/*.yml)
    parley chat [--url URL]              chat with the running Rasa server over REST
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import List

import yaml


def cmd_detect(args: argparse.Namespace) -> int:
    from parley.moves import get_detector

    detector = get_detector()
    lines = [line for line in sys.stdin if line.strip()]
    records = []
    for n, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise ValueError('each line needs a "text" string')
        except ValueError as exc:
            print(f"stdin line {n}: not a JSON object with a \"text\" string ({exc})", file=sys.stderr)
            return 2
        records.append(record)
    for record, analysis in zip(records, detector.detect_many([r["text"] for r in records])):
        record["moves"] = [m for m in analysis.moves]
        if args.spans:  # the words that triggered each move, and the clause feedback would quote
            record["spans"] = [{"move": d.move, "start": d.start, "end": d.end, "text": d.trigger, "quote": d.quote,
                                "source": d.source} for d in analysis.detections]
        if args.amounts:
            record["amounts"] = [{"value": a.value, "kind": a.kind, "role": a.role, "start": a.start, "end": a.end}
                                 for a in analysis.amounts]
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


def load_transcript(path: Path) -> dict:
    """A transcript: {persona, difficulty?, turns: [text | {text: ...}]} in YAML or JSON."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "persona" not in data or not isinstance(data.get("turns"), list):
        raise ValueError(f"{path}: a transcript needs 'persona:' and a list of 'turns:'")
    turns = [t["text"] if isinstance(t, dict) else str(t) for t in data["turns"]]
    return {"persona": data["persona"], "difficulty": data.get("difficulty"), "turns": turns}


def cmd_score(args: argparse.Namespace) -> int:
    from parley.moves import detect
    from parley.personas import PersonaError, load_personas
    from parley.session import replay

    try:
        transcript = load_transcript(Path(args.file))
        personas = load_personas()
    except PersonaError as exc:
        _print_problems(exc)
        return 1
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"parley score: {exc}", file=sys.stderr)
        return 2
    played = replay(personas, detect, transcript["persona"], transcript["turns"], transcript["difficulty"])
    if not played.start.persona:
        print(f"parley score: {played.start.texts[0]}", file=sys.stderr)
        return 2
    print(json.dumps(played.report, indent=2, ensure_ascii=False) if args.json else played.end.texts[-1])
    return 0


def _personas_or_report(directory: Path | None = None) -> dict | None:
    """All personas, or None after printing every problem in every file."""
    from parley.personas import PERSONA_DIR, PersonaError, load_personas

    try:
        return load_personas(directory or PERSONA_DIR)
    except PersonaError as exc:
        _print_problems(exc)
        return None


def _print_problems(exc: Exception, what: str = "persona") -> None:
    from parley.personas import PersonaError

    if isinstance(exc, PersonaError):
        print(exc.report().replace("persona file", f"{what} file"), file=sys.stderr)
    else:
        print(f"parley personas: {exc}", file=sys.stderr)


def cmd_personas_check(args: argparse.Namespace) -> int:
    """Every problem in every persona file (and conversation test file), with file, line and field."""
    from parley.persona_tests import TEST_DIR, conversation_files, load_cases
    from parley.personas import PERSONA_DIR, PersonaError, Problem, display_path, load_personas

    directory = Path(args.dir or PERSONA_DIR)
    problems: List[Problem] = []
    personas = {}
    try:
        personas = load_personas(directory)
    except PersonaError as exc:
        problems += exc.problems
    tests = conversation_files(directory=directory / "tests" if args.dir else TEST_DIR)
    for path in tests:
        try:
            load_cases(path, personas or None)
        except PersonaError as exc:
            problems += exc.problems
    rubric_problems, warnings = _scoring_checks(personas)
    warnings += _coverage_checks(directory, personas)
    if problems or rubric_problems:
        if problems:
            _print_problems(PersonaError(problems))
        for line in rubric_problems:
            print(line, file=sys.stderr)
        print("Fix these and run `parley personas check` again.", file=sys.stderr)
        return 1
    for line in warnings:
        print(f"warning: {line}")
    print(f"{len(personas)} persona file(s) OK in {display_path(directory)}: {', '.join(sorted(personas))}")
    if tests:
        print(f"{len(tests)} conversation test file(s) OK; run them with `parley personas test`")
    return 0


def _coverage_checks(directory: Path, personas: dict) -> List[str]:
    """Reply categories a persona never covers, or covers with too few lines to vary (file:line: field)."""
    from parley.personas import coverage_problems, persona_files

    files = {path.stem: path for path in persona_files(directory)}
    return [str(problem) for pid, persona in sorted(personas.items()) if pid in files
            for problem in coverage_problems(files[pid], persona)]


def _scoring_checks(personas: dict) -> tuple:
    """Rubric files and the rubric each persona names (problems), and facts a criterion depends on that no
    question reaches (warnings)."""
    from parley.engine import unreachable_facts
    from parley.moves import get_detector
    from parley.rubrics import RubricError, check_all, load_rubric

    problems = check_all()
    for persona in personas.values():
        try:
            load_rubric(persona.rubric)
        except RubricError as exc:
            problems.append(f"persona {persona.id}: rubric: {exc}")
    taught = [p for p in personas.values() if any(f.teaches for f in p.facts) or
              any(i.required for i in p.interests)]
    detector = get_detector() if taught else None
    warnings = [f"{p.id}: {w}" for p in taught for w in unreachable_facts(p, detector.detect)]  # type: ignore
    return problems, warnings


def cmd_personas_list(args: argparse.Namespace) -> int:

    personas = _personas_or_report(Path(args.dir) if args.dir else None)
    if personas is None:
        return 1
    for p in personas.values():
        print(f"{p.id:<28} {p.title}")
    return 0


def cmd_personas_new(args: argparse.Namespace) -> int:
    from parley.personas import PERSONA_DIR, PersonaError, display_path
    from parley.scaffold import new_persona

    try:
        written = new_persona(args.id, Path(args.dir or PERSONA_DIR), name=args.name, with_test=not args.no_test,
                              title=args.title)
    except PersonaError as exc:
        for problem in exc.problems:
            print(f"parley personas new: {problem.message}", file=sys.stderr)
        return 1
    print(f"Wrote {display_path(written[0])}: a complete persona to edit (every field is explained in it).")
    if len(written) > 1:
        print(f"Wrote {display_path(written[1])}: two conversation tests for it.")
    print("Next: edit the file, then run `parley personas check` and `parley personas test`; "
          "`bash scripts/train.sh` adds it to the model (docs/personas.md explains every field).")
    return 0


def cmd_personas_schema(args: argparse.Namespace) -> int:
    from parley import persona_docs

    path = Path(args.doc) if args.doc else persona_docs.DOC
    if args.check:
        if persona_docs.stale(path):
            print(f"{path} is out of date with the persona schema; run `parley personas schema --write`",
                  file=sys.stderr)
            return 1
        print(f"{path} matches the persona schema")
        return 0
    if args.write:
        changed = persona_docs.write(path)
        print(f"{'Updated' if changed else 'Already up to date:'} {path}")
        if not args.doc:  # the rubric reference is rendered the same way, into docs/scoring.md
            changed = persona_docs.write_scoring()
            print(f"{'Updated' if changed else 'Already up to date:'} {persona_docs.SCORING_DOC}")
        return 0
    sys.stdout.write(persona_docs.render_reference())
    return 0


def cmd_personas_test(args: argparse.Namespace) -> int:
    """Play conversation tests offline through the core Trainer; PASS/FAIL each, non-zero on any failure."""
    from parley.model_state import ensure_detector
    from parley.moves import detect
    from parley.persona_tests import TEST_DIR, conversation_files, load_cases, run_case
    from parley.personas import PersonaError, display_path

    personas = _personas_or_report(Path(args.dir) if args.dir else None)
    if personas is None:
        return 1
    files = conversation_files(args.files, TEST_DIR if not args.dir else Path(args.dir) / "tests")
    if not files:
        where = " ".join(args.files) if args.files else display_path(TEST_DIR)
        print(f"No conversation tests found in {where}. Write one (see docs/personas.md) or run "
              "`parley personas new <id>`, which writes a starter test.", file=sys.stderr)
        return 1
    cases, problems = [], []
    for path in files:
        try:
            cases += load_cases(path, personas)
        except PersonaError as exc:
            problems += exc.problems
    if problems:
        _print_problems(PersonaError(problems), "test")
        return 1
    if args.persona:
        cases = [c for c in cases if c.test.persona in args.persona]
    ensure_detector()  # the first run on a machine trains the move detector: say so rather than sit silent
    failed = 0
    for case in cases:
        result = run_case(case, personas, detect)
        failed += not result.passed
        print(f"{'PASS' if result.passed else 'FAIL'}  {case.name}", flush=True)
        for failure in result.failures:
            print(f"      - {failure}")
        if args.verbose or not result.passed:
            print("\n".join(result.transcript))
    total = len(cases)
    print(f"\n{total - failed} passed, {failed} failed ({total} conversation{'s' * (total != 1)})")
    return 1 if failed else 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from parley.store import Store
    from parley.sweep import sweep

    personas = _personas_or_report()
    if personas is None:
        return 1
    idle = timedelta(minutes=args.idle_minutes) if args.idle_minutes is not None else None
    closed = sweep(Store(args.url), personas, idle)
    for item in closed:
        overall = item.report.get("overall") if item.report else None
        report = ("no turns, no report" if not item.report
                  else "report: not assessed" if overall is None else f"report {round(overall)}/100")
        print(f"session {item.session_id} ({item.sender}): abandoned after {item.turns} turn(s), {report}")
    print(f"{len(closed)} session(s) abandoned")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from parley.chat import run_chat

    sender = args.sender or f"cli-{uuid.uuid4().hex[:8]}"
    if sys.stdin.isatty():  # asks the trainee's name once, so the trainer's cockpit shows it (parley/cockpit)
        from parley.cockpit.identity import identify_terminal_safely
        identify_terminal_safely(sender)
    return run_chat(args.url, args.persona, args.difficulty, args.mode, sender=sender, make_run=args.make_run)


def cmd_db(args: argparse.Namespace) -> int:
    from sqlalchemy import create_engine

    from parley import migrations
    from parley.store import database_url

    url = args.url or database_url()
    engine = create_engine(url, future=True)
    shown = engine.url.render_as_string(hide_password=True)
    if args.db_command == "current":
        now, newest = migrations.current(engine), migrations.head()
        print(f"{shown}: at {now or 'no revision (empty, or made before migrations)'}; newest is {newest}")
        return 0 if now == newest else 1
    migrations.upgrade(engine)
    print(f"{shown}: at {migrations.current(engine)} (newest)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description="Parley negotiation trainer")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("detect", help="read JSON lines {\"text\": ...} on stdin, add \"moves\"")
    p.add_argument("--spans", action="store_true",
                   help="also write, per move, the words that triggered it and the clause feedback quotes")
    p.add_argument("--amounts", action="store_true", help="also write the money amounts and percentages found")
    p.set_defaults(func=cmd_detect)
    p = sub.add_parser("score", help="score a saved transcript (YAML or JSON)")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print the report payload as JSON")
    p.set_defaults(func=cmd_score)
    p = sub.add_parser("personas", help="check, list, create, document and test persona files")
    psub = p.add_subparsers(dest="personas_command", required=True, metavar="{check,list,new,schema,test}")
    q = psub.add_parser("check", help="report every problem in every persona file (file:line: field: problem)")
    q.add_argument("--dir", help="persona folder (default: personas/)")
    q.set_defaults(func=cmd_personas_check)
    q = psub.add_parser("list", help="list the personas")
    q.add_argument("--dir", help="persona folder (default: personas/)")
    q.set_defaults(func=cmd_personas_list)
    q = psub.add_parser("new", help="write a complete, commented persona file to edit (never overwrites)")
    q.add_argument("id", help="the new persona's id, lower_case_with_underscores (e.g. angry_dentist)")
    q.add_argument("--name", default="Sam", help="the customer's name (default: Sam)")
    q.add_argument("--title", help="the one line the persona picker shows (default: '<name> - <id in words>')")
    q.add_argument("--dir", help="persona folder (default: personas/)")
    q.add_argument("--no-test", action="store_true", help="do not write personas/tests/<id>.yml")
    q.set_defaults(func=cmd_personas_new)
    q = psub.add_parser("schema", help="print the persona field reference rendered from the schema")
    q.add_argument("--write", action="store_true", help="update the generated parts of docs/personas.md")
    q.add_argument("--check", action="store_true", help="exit 1 if docs/personas.md is out of date")
    q.add_argument("--doc", help=argparse.SUPPRESS)
    q.set_defaults(func=cmd_personas_schema)
    q = psub.add_parser("test", help="play conversation tests (default: personas/tests/*.yml) and check outcomes")
    q.add_argument("files", nargs="*", help="test files or folders (default: personas/tests/)")
    q.add_argument("--persona", action="append", help="only tests for this persona (repeatable)")
    q.add_argument("--dir", help="persona folder (default: personas/; its tests/ holds the default tests)")
    q.add_argument("-v", "--verbose", action="store_true", help="print every conversation, not only failures")
    q.set_defaults(func=cmd_personas_test)
    p = sub.add_parser("db", help="Parley's database schema: show the revision, or upgrade to the newest")
    dsub = p.add_subparsers(dest="db_command", required=True, metavar="{upgrade,current,sweep}")
    for name, text in (("upgrade", "bring the database to the newest schema without losing a row"),
                       ("current", "print the database's schema revision (exit 1 if not the newest)")):
        q = dsub.add_parser(name, help=text)
        q.add_argument("--url", help="SQLAlchemy database URL (default: PARLEY_DB_URL, else var/parley.db)")
        q.set_defaults(func=cmd_db)
    q = dsub.add_parser("sweep", help="close sessions idle for too long as abandoned, with their reports "
                                      "(the action servers do this every minute)")
    q.add_argument("--url", help="SQLAlchemy database URL (default: PARLEY_DB_URL, else var/parley.db)")
    q.add_argument("--idle-minutes", type=float,
                   help="idle time before a session is abandoned (default: PARLEY_ABANDON_AFTER_MINUTES, else 30)")
    q.set_defaults(func=cmd_sweep)
    from parley.cockpit.commands import register as register_cockpit

    register_cockpit(sub)  # users, trainee, cockpit (parley/cockpit/commands.py)
    p = sub.add_parser("chat", help="chat with the running trainer in the terminal")
    p.add_argument("--url", default="http://localhost:5005")
    p.add_argument("--persona")
    p.add_argument("--difficulty", choices=["easy", "normal", "hard"], help="(asked when not given)")
    p.add_argument("--mode", choices=["practice", "assessment"], help="(asked when not given)")
    # under `make run`: the servers stop with the chat, and persona saves are reported (and retrained) here
    p.add_argument("--make-run", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--sender")
    p.set_defaults(func=cmd_chat)
    return parser


def main(argv: List[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


def run() -> None:
    """The `parley` console script.  spaCy's thinc imports TensorFlow whenever it is installed (Rasa
    brings it), which costs seconds per command; nothing the CLI does needs it, so it is kept out here.
    (Only in this entry point: a process that also runs Rasa needs the real import.)"""
    if "tensorflow" not in sys.modules:
        sys.modules["tensorflow"] = None  # type: ignore[assignment]  # makes `import tensorflow` fail fast
    sys.exit(main())


if __name__ == "__main__":
    run()
