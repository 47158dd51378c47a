"""scripts/run.sh (`make run`) when it cannot start: a clear sentence, not a traceback."""

from __future__ import annotations

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, free_port, run_sh_env

pytestmark = pytest.mark.e2e


def test_a_port_in_use_is_named_with_the_variable_that_moves_it(tmp_path: Path) -> None:
    # another program answers on the action server's port
    squatter = ThreadingHTTPServer(("0.0.0.0", free_port()), BaseHTTPRequestHandler)
    threading.Thread(target=squatter.serve_forever, daemon=True).start()
    port = squatter.server_address[1]
    try:
        run = subprocess.run(["bash", "scripts/run.sh"], cwd=ROOT, env=run_sh_env(tmp_path, free_port(), port,
                             free_port()), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    finally:
        squatter.shutdown()
        squatter.server_close()
    assert run.returncode == 1
    assert f"another program uses port {port}" in run.stderr and "ACTIONS_PORT=<port> make run" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr and "Parley is up" not in run.stdout
