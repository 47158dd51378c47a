"""`parley` command line: offline detection and scoring, persona checks, and a terminal chat client.

    parley detect < turns.jsonl          JSON lines {"text": ...} in, the same with "moves" out
    parley score transcript.yml          replay a saved transcript and print its report
    parley personas check|list           validate / list persona files
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
        if args.spans:
            record["spans"] = [{"move": d.move, "start": d.start, "end": d.end, "text": d.trigger}
                               for d in analysis.detections]
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
    from parley.personas import load_personas
    from parley.session import Trainer
    from parley.store import Store

    try:
        transcript = load_transcript(Path(args.file))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"parley score: {exc}", file=sys.stderr)
        return 2
    trainer = Trainer(load_personas(), Store("sqlite:///:memory:"), detect)
    reply = trainer.start("offline", transcript["persona"], transcript["difficulty"], "assessment")
    if not reply.persona:
        print(f"parley score: {reply.texts[0]}", file=sys.stderr)
        return 2
    for text in transcript["turns"]:
        if reply.ended:
            break
        reply = trainer.turn("offline", text)
    if not reply.ended:
        reply = trainer.end("offline")
    report = reply.payload("report")
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else reply.texts[-1])
    return 0


def cmd_personas(args: argparse.Namespace) -> int:
    from parley.personas import PERSONA_DIR, PersonaError, load_personas

    directory = Path(args.dir or PERSONA_DIR)
    try:
        personas = load_personas(directory)
    except PersonaError as exc:
        print(f"{len(exc.problems)} problem(s) in persona files:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    if args.action == "list":
        for p in personas.values():
            print(f"{p.id:<28} {p.title}")
    else:
        print(f"{len(personas)} persona file(s) OK: {', '.join(sorted(personas))}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from parley.chat import run_chat

    return run_chat(args.url, args.persona, args.difficulty, args.mode, sender=args.sender or f"cli-{uuid.uuid4().hex[:8]}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description="Parley negotiation trainer")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("detect", help="read JSON lines {\"text\": ...} on stdin, add \"moves\"")
    p.add_argument("--spans", action="store_true", help="also write the words that triggered each move")
    p.set_defaults(func=cmd_detect)
    p = sub.add_parser("score", help="score a saved transcript (YAML or JSON)")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print the report payload as JSON")
    p.set_defaults(func=cmd_score)
    p = sub.add_parser("personas", help="check or list persona files")
    p.add_argument("action", choices=["check", "list"])
    p.add_argument("--dir", help="persona folder (default: personas/)")
    p.set_defaults(func=cmd_personas)
    p = sub.add_parser("chat", help="chat with the running trainer in the terminal")
    p.add_argument("--url", default="http://localhost:5005")
    p.add_argument("--persona")
    p.add_argument("--difficulty", choices=["easy", "normal", "hard"])
    p.add_argument("--mode", choices=["practice", "assessment"], default="practice")
    p.add_argument("--sender")
    p.set_defaults(func=cmd_chat)
    return parser


def main(argv: List[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
