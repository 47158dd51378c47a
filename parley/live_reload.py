"""Live reload that tells: under `make run`, the terminal shows what a trainer's save did.

The action server already reloads persona files on its own (parley.personas.PersonaWatcher), keeping
the last good version of a broken one.  This watcher runs beside the terminal chat that `make run`
opens, on a background thread, and tells the trainer where they are looking:

* a save that breaks a persona file: the check's own message (file:line: field: problem), and that
  trainees keep the last good version; then "fixed" when it loads again;
* a save that changes what the model is trained from (a persona's id or stories, a new persona):
  `scripts/train.sh` runs in the background (its log in var/log/train.log) and hands the new model
  to the running Rasa server (PUT /model), so nothing needs a restart.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
from pathlib import Path
from typing import Callable, List

from parley.personas import PERSONA_DIR, PersonaError, PersonaWatcher, Problem

ROOT = Path(__file__).resolve().parent.parent


class LiveReload:
    def __init__(self, say: Callable[[str], None], directory: Path = PERSONA_DIR, interval: float = 2.0,
                 retrain: bool = True, train_command: List[str] | None = None, log: Path | None = None) -> None:
        self.say, self.interval, self.retrain = say, interval, retrain
        self.watcher = PersonaWatcher(directory, wait=0)
        self.directory = Path(directory)
        self.train_command = train_command or ["bash", str(ROOT / "scripts" / "train.sh")]
        self.log = log or ROOT / "var" / "log" / "train.log"
        self._reported: tuple = ()
        self._trained_from: str | None = None
        self._training: subprocess.Popen | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-reload", daemon=True)

    def start(self) -> LiveReload:
        self._trained_from = self._training_content()
        self.check()  # the state at start-up, before the first prompt
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception as exc:  # noqa: BLE001  # the chat must go on whatever a save did
                self.say(f"(Could not check the persona files: {exc})")

    def _training_content(self) -> str | None:
        from parley.model_state import persona_training_content

        try:
            return hashlib.sha256(persona_training_content(self.directory)).hexdigest()
        except (OSError, PersonaError):
            return None

    def check(self) -> None:
        """One look at the folder: report changed problems, start a retrain when the training content changed."""
        try:
            self.watcher.reloaded(timeout=30)
            problems: List[Problem] = list(self.watcher.problems)
        except PersonaError as exc:
            problems = list(exc.problems)
        reported = tuple(str(p) for p in problems)
        if reported != self._reported:
            if problems:
                self.say("(A persona file has problems; trainees keep the last good version until it is fixed.)\n"
                         + PersonaError(problems).report())
            elif self._reported:
                self.say(f"(The persona files are fixed; trainees now get the new version: "
                         f"{', '.join(sorted(self.watcher.current()))}.)")
            self._reported = reported
        self._retrain_if_needed(problems)

    def _retrain_if_needed(self, problems: List[Problem]) -> None:
        if self._training is not None and self._training.poll() is not None:
            code, self._training = self._training.returncode, None
            self.say("(The model was retrained with your persona changes; the running server uses it now.)"
                     if code == 0 else f"(Retraining failed; see {self.log}. The server keeps the previous model.)")
        if not self.retrain or problems or self._training is not None:
            return
        content = self._training_content()
        if content is None or content == self._trained_from:
            return
        self._trained_from = content
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.say(f"(A persona's id or stories changed: retraining in the background, log in {self.log}.)")
        with self.log.open("a", encoding="utf-8") as out:
            self._training = subprocess.Popen(self.train_command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
