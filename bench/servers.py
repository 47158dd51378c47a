"""Start and stop real Rasa / action servers for the benchmarks, without pytest.

Each server runs in its own process group on a free loopback port, logs to a file, and is stopped
when the `ServerGroup` closes, also on errors and Ctrl-C (the group is not in the terminal's
process group, so only this script decides when it ends).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Callable, Dict, List, Mapping, Sequence

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv's `rasa`, next to the interpreter running the bench
QUIET_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def latest_model(models: Path = ROOT / "models") -> Path | None:
    found = sorted(models.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def get_json(url: str, timeout: float = 2.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback only)
        return dict(json.loads(response.read() or b"{}"))


def rasa_ready(url: str) -> Callable[[], bool]:
    """`/status` answers before the model is loaded; a model id means it can take turns."""
    return lambda: bool(get_json(f"{url}/status").get("model_id"))


def actions_ready(url: str) -> Callable[[], bool]:
    return lambda: get_json(f"{url}/health").get("status") == "ok"


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    log: Path
    startup_s: float = 0.0  # from spawning the process until it answered its readiness check

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


class ServerGroup:
    """Servers started one after another (each waits until ready) and stopped together."""

    def __init__(self, workdir: Path, env: Mapping[str, str] | None = None):
        self.workdir = workdir
        self.env: Dict[str, str] = {**os.environ, **QUIET_ENV, **(env or {})}
        self.servers: List[Server] = []

    def start(self, name: str, args: Sequence[str], cwd: Path, port: int, ready: Callable[[str], Callable[[], bool]],
              timeout: float = 300.0) -> Server:
        url = f"http://127.0.0.1:{port}"
        log = self.workdir / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen([str(BIN / "rasa"), *args], cwd=cwd, env=self.env, stdout=out,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        server = Server(name, url, process, log)
        self.servers.append(server)  # registered before waiting, so a failed start is still stopped
        began = time.perf_counter()
        check = ready(url)
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited while starting (code {process.returncode}):\n{server.tail()}")
            try:
                if check():
                    break
            except (OSError, ValueError, urllib.error.URLError):
                pass  # not listening yet, or still loading
            if time.perf_counter() - began > timeout:
                raise RuntimeError(f"{name} was not ready after {timeout:.0f}s:\n{server.tail()}")
            time.sleep(0.2)
        server.startup_s = time.perf_counter() - began
        return server

    def stop(self) -> None:
        for server in reversed(self.servers):
            _signal_group(server.process, signal.SIGTERM)
        for server in reversed(self.servers):
            try:
                server.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _signal_group(server.process, signal.SIGKILL)
                server.process.wait(timeout=10)
        self.servers.clear()

    def __enter__(self) -> ServerGroup:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    """The server's own process group (start_new_session), so workers it spawned go too."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
