"""Which Rasa model matches the project as it is now: a content hash, and the running server told about it.

`scripts/train.sh` asks this module, not `rasa train --dry-run`, whether the model is up to date:

* the hash covers exactly what goes into the model: config.yml, domain.yml, data/, the personas'
  training content (each persona's id and stories: a change to a customer line needs no retrain,
  the action server reloads it), the move detector's examples and code, Parley's Rasa components
  and the pinned dependencies;
* the model is saved as `models/parley-<hash>.tar.gz`, so the hash *names* the model that matches.
  After a revert the data hashes to an earlier model; that file is touched so it is the newest one
  again, which is the model `rasa run` loads (Rasa's own `--dry-run` says "up to date" there, while
  `rasa run` would load the newest file, trained from the reverted data);
* deciding takes about a second (reading a few files), not a dry-run training.

`push` then hands the model to a running Rasa server (`PUT /model` with the API token), so a new
model is live without a restart.

    python -m parley.model_state fingerprint [--path] [--detector]   # the hash (--detector: build its cache)
    python -m parley.model_state push models/parley-<hash>.tar.gz [--url http://localhost:5005]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Iterable, List

ROOT = Path(__file__).resolve().parent.parent
PARLEY = ROOT / "parley"
PREFIX = "parley-"
KEEP = 5  # models kept in models/ (the newest); older ones are removed after a training
# Files whose content goes into the model, besides the personas' training content and the detector.
MODEL_INPUTS = ("config.yml", "domain.yml", "requirements.lock", "scripts/train.sh", "parley_rasa/nlu.py",
                "parley_rasa/importer.py", "parley_rasa/channels.py", "parley/taxonomy.py")


def _files(root: Path) -> List[Path]:
    data = sorted(p for p in (root / "data").rglob("*") if p.is_file())
    return [root / name for name in MODEL_INPUTS if (root / name).exists()] + data


def persona_training_content(persona_dir: Path) -> bytes:
    """Each persona's id and stories (what the importer feeds Rasa), or the raw files when they do not
    load (then the hash is new, `rasa train` runs and prints the persona problems)."""
    from parley.personas import PersonaError, load_personas, persona_files

    try:
        personas = load_personas(persona_dir)
    except PersonaError:
        return b"".join(p.name.encode() + p.read_bytes() for p in persona_files(persona_dir))
    content = {pid: [s.dict() for s in personas[pid].stories] for pid in sorted(personas)}
    return json.dumps(content, sort_keys=True, ensure_ascii=False).encode()


def detector_fingerprint() -> str:
    from parley.moves import training_fingerprint

    return training_fingerprint()


def fingerprint(root: Path = ROOT, persona_dir: Path | None = None) -> str:
    digest = hashlib.sha256()
    for path in _files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(persona_training_content(persona_dir or root / "personas"))
    digest.update(detector_fingerprint().encode())
    return digest.hexdigest()[:16]


def ensure_detector() -> None:
    """The offline detector (`parley detect`, `parley score`, `parley personas test`) is trained from the
    same examples; build its cache now if it is missing, rather than on a trainee's first turn."""
    from parley.moves import CACHE_DIR, get_detector, training_fingerprint

    if not (CACHE_DIR / training_fingerprint() / "meta.json").exists():
        print("==> Training the offline move detector once (a few minutes: two classifiers)", file=sys.stderr,
              flush=True)
        get_detector()


def model_path(models: Path, digest: str) -> Path:
    return models / f"{PREFIX}{digest}.tar.gz"


def prune(models: Path, keep: int = KEEP) -> List[Path]:
    """Removes all but the newest `keep` models; returns what it removed."""
    found = sorted(models.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in found[keep:]:
        old.unlink(missing_ok=True)
    return found[keep:]


def api_token() -> str | None:
    """The token scripts/run.sh gives Rasa's HTTP API: PARLEY_API_TOKEN, else the file it generated."""
    if os.environ.get("PARLEY_API_TOKEN"):
        return os.environ["PARLEY_API_TOKEN"]
    path = Path(os.environ.get("PARLEY_API_TOKEN_FILE") or ROOT / "var" / "api_token")
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _call(method: str, url: str, body: dict | None = None, timeout: float = 5) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def push(model: Path, url: str, token: str | None, timeout: float = 300) -> str:
    """Makes the Rasa server at `url` run `model` (PUT /model); a sentence saying what happened."""
    if not token:
        return "no API token (PARLEY_API_TOKEN or var/api_token): a running server was not told"
    query = "?" + urllib.parse.urlencode({"token": token})
    try:
        status, body = _call("GET", f"{url}/status{query}")
    except (urllib.error.URLError, OSError):
        return f"no Rasa server at {url}: the next `make run` loads the new model"
    if status != 200:
        return f"the Rasa server at {url} answered {status} to /status (another project's server?); not told"
    running = (json.loads(body or b"{}").get("model_file") or "")
    if Path(running).name == model.name:
        return f"the Rasa server at {url} already runs {model.name}"
    status, body = _call("PUT", f"{url}/model{query}", {"model_file": str(model.resolve())}, timeout=timeout)
    if status not in (200, 204):
        return f"the Rasa server at {url} could not load {model.name} ({status}: {body[:300].decode(errors='replace')})"
    return f"the Rasa server at {url} now runs {model.name} (no restart needed)"


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m parley.model_state", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("fingerprint", help="print the hash of everything the model is trained from")
    p.add_argument("--root", type=Path, default=Path.cwd(), help="the project folder (default: the current one)")
    p.add_argument("--models", type=Path, help="where models are saved (default: <root>/models)")
    p.add_argument("--path", action="store_true", help="print the model file's path instead of the hash")
    p.add_argument("--detector", action="store_true", help="also build the offline detector's cache if missing")
    p = sub.add_parser("push", help="make a running Rasa server load this model (PUT /model)")
    p.add_argument("model", type=Path)
    p.add_argument("--url", default=f"http://localhost:{os.environ.get('RASA_PORT', '5005')}")
    sub.add_parser("detector", help="build the offline move detector's cache (parley detect, personas test)")
    p = sub.add_parser("prune", help=f"keep only the newest {KEEP} models")
    p.add_argument("--models", type=Path, default=Path("models"))
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.command == "fingerprint":
        digest = fingerprint(args.root.resolve())
        print(model_path(args.models or args.root / "models", digest) if args.path else digest)
        if args.detector:
            ensure_detector()
    elif args.command == "detector":
        ensure_detector()
    elif args.command == "push":
        print(push(args.model, args.url.rstrip("/"), api_token()))
    else:
        for removed in prune(args.models):
            print(f"removed the old model {removed}")
    return 0


if __name__ == "__main__":
    if "tensorflow" not in sys.modules:  # spaCy imports TensorFlow when it is installed; nothing here needs it
        sys.modules["tensorflow"] = None  # type: ignore[assignment]
    sys.exit(main())
