"""Team mode: PostgreSQL, Redis, several Rasa servers and action servers behind nginx, on one command.

    python -m deploy.team up            # what `make run-team` / scripts/run-team.sh run
    python -m deploy.team up --rasa 3 --actions 2 --port 8000

Where the operator already runs the services, the environment points Parley at them and nothing is
started for them: PARLEY_DB_URL (Parley's tables), PARLEY_TRACKER_DB_URL (Rasa's tracker store),
PARLEY_REDIS_URL (Rasa's lock store). Otherwise private instances start on loopback with their data
under the work folder (var/team by default): PostgreSQL (databases `parley` and `rasa`, a generated
password) and Redis (a generated password). Every server gets the same secrets the same way, from
the environment, taken from `secrets.env` (mode 0600) in the work folder: the URLs above, the Rasa
HTTP API token (PARLEY_API_TOKEN) and the action-server token (PARLEY_ACTION_TOKEN).

The same `Team` class starts the stack for tests/e2e/test_team.py and bench/bench_team.py.
Layout (docs/deploy.md has the diagram):

    trainees -> nginx :PORT  --/webhooks/* round robin, /socket.io/ sticky (ip_hash)--> Rasa 1..n
    Rasa 1..n -> nginx :PORT+1 (round robin) -> action servers 1..m
    Rasa: tracker store PostgreSQL `rasa`, lock store Redis; action servers: PostgreSQL `parley`
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
QUIET_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}

# The action-server program, in one place. Issue 13's secured entry replaces it with
# Parley's action server: rasa_sdk behind the shared secret (PARLEY_ACTION_TOKEN, in every server's
# environment), with /ready and the abandoned-session sweep.
ACTION_SERVER = ["-m", os.environ.get("PARLEY_ACTION_SERVER_MODULE", "parley_rasa.action_server")]

TRACKER_STORE = {"type": "parley_rasa.stores.ResilientSQLTrackerStore"}
LOCK_STORE = {"type": "parley_rasa.stores.AtomicRedisLockStore"}
READY_PATH_RASA = "/webhooks/parley/ready"


def free_port(avoid: set[int] | None = None) -> int:
    """A free loopback port outside the kernel's ephemeral range (a server binds it only after loading)."""
    try:
        low, high = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    import random

    candidates = [p for p in range(20000, 32000) if not low <= p <= high and p not in (avoid or set())]
    random.shuffle(candidates)
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def latest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("no trained model in models/: run scripts/train.sh first")
    return models[-1]


def pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run scripts/team-deps.sh (as root) or set PARLEY_DB_URL")
    return found[-1].parent


def nginx_bin() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not path:
        raise RuntimeError("nginx is not installed: run scripts/team-deps.sh (as root)")
    return path


@dataclass(repr=False)
class Proc:
    """One server process in its own process group (kill -9 hits only it), restartable with the same command."""

    name: str
    cmd: List[str]
    env: Dict[str, str]
    log: Path
    ready: Callable[[], bool]
    user: str | None = None  # run as this user (PostgreSQL refuses to run as root)
    stop_signal: int = signal.SIGTERM
    cwd: Path = ROOT
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    startup_s: float = 0.0

    def start(self) -> Proc:
        cmd = ["runuser", "-u", self.user, "--", *self.cmd] if self.user and os.geteuid() == 0 else self.cmd
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("a")
        self.process = subprocess.Popen(cmd, env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        out.close()
        self.started_at = time.time()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float) -> Proc:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited while starting; the end of {self.log}:\n{_tail(self.log)}")
            try:
                if self.ready():
                    self.startup_s = time.time() - self.started_at
                    return self
            except Exception:  # noqa: BLE001 - any client error (HTTP, PostgreSQL, Redis) means "not yet"
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} was not ready in {timeout:.0f}s; the end of {self.log}:\n{_tail(self.log)}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                pass
            assert self.process is not None
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def stop(self) -> None:
        self.kill(self.stop_signal)

    def memory_mb(self) -> float:
        """Resident memory of the process and its children (MB)."""
        if not self.alive():
            return 0.0
        total = 0
        for pid in _group_pids(self.pid):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024

    def cpu_seconds(self) -> float:
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in _group_pids(self.pid) if self.alive() else []:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
            except (OSError, IndexError, ValueError):
                continue
        return total


def _group_pids(pgid: int) -> List[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    pids.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
    return pids


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def _http_ok(url: str) -> Callable[[], bool]:
    return lambda: requests.get(url, timeout=3).status_code == 200


@dataclass
class Team:
    """The whole team stack; `up()` starts it, `down()` stops what it started."""

    workdir: Path = ROOT / "var" / "team"
    rasa_servers: int = 2
    action_servers: int = 2
    port: int = 0  # nginx for trainees; the action balancer listens on port + 1 (0: free ports)
    model: Path | None = None
    extra_env: Dict[str, str] = field(default_factory=dict)
    shared_stores: bool = True  # False: SQLite and Rasa's in-memory stores (today's single machine; 1 + 1 only)
    balancer: bool = True
    procs: Dict[str, Proc] = field(default_factory=dict, repr=False)
    env: Dict[str, str] = field(default_factory=dict, repr=False)  # holds the secrets: never in a traceback
    rasa_ports: List[int] = field(default_factory=list)
    action_ports: List[int] = field(default_factory=list)
    pg_port: int = 0
    redis_port: int = 0
    pg_admin_url: str = field(default="", repr=False)
    _pg_data: Path | None = None

    # -- the URLs others use -------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Where trainees connect (nginx), or the only Rasa server without a balancer."""
        return f"http://127.0.0.1:{self.port}" if self.balancer else self.rasa_urls[0]

    @property
    def actions_balancer_url(self) -> str:
        return f"http://127.0.0.1:{self.port + 1}" if self.balancer else self.action_urls[0]

    @property
    def rasa_urls(self) -> List[str]:
        return [f"http://127.0.0.1:{p}" for p in self.rasa_ports]

    @property
    def action_urls(self) -> List[str]:
        return [f"http://127.0.0.1:{p}" for p in self.action_ports]

    def rasa(self, i: int) -> Proc:
        return self.procs[f"rasa{i + 1}"]

    def actions(self, i: int) -> Proc:
        return self.procs[f"actions{i + 1}"]

    # -- start / stop --------------------------------------------------------------------------
    def up(self, timeout: float = 900) -> Team:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "log").mkdir(exist_ok=True)
        self.model = self.model or latest_model()
        used: set[int] = set()

        def pick() -> int:
            port = free_port(used)
            used.add(port)
            return port

        if self.balancer and not self.port:
            self.port = pick()
            while not _free(self.port + 1):
                self.port = pick()
        used.update({self.port, self.port + 1})
        self.rasa_ports = [pick() for _ in range(self.rasa_servers)]
        self.action_ports = [pick() for _ in range(self.action_servers)]
        secrets_env = self._secrets()
        self.env = {**os.environ, **QUIET_ENV, "TICKET_LOCK_LIFETIME": "20",
                    **{k: v for k, v in secrets_env.items() if not k.startswith("_")}, **self.extra_env}
        if self.shared_stores:
            if not os.environ.get("PARLEY_DB_URL"):
                self._start_postgres(secrets_env, pick())
            if not os.environ.get("PARLEY_REDIS_URL"):
                self._start_redis(secrets_env, pick())
        else:
            self.env["PARLEY_DB_URL"] = os.environ.get("PARLEY_DB_URL") or f"sqlite:///{self.workdir / 'parley.db'}"
            for name in ("PARLEY_TRACKER_DB_URL", "PARLEY_REDIS_URL"):
                self.env.pop(name, None)
        # Parley's schema is brought up to date once, before any server opens it
        subprocess.run([str(BIN / "parley"), "db", "upgrade"], env=self.env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        endpoints = self._endpoints()
        credentials = ROOT / "credentials.yml"
        for i, port in enumerate(self.action_ports):
            self.procs[f"actions{i + 1}"] = Proc(
                f"actions{i + 1}", [sys.executable, *ACTION_SERVER, "--port", str(port), "--host", "127.0.0.1"],
                self.env, self.workdir / "log" / f"actions{i + 1}.log", _http_ok(f"http://127.0.0.1:{port}/ready"))
        for i, port in enumerate(self.rasa_ports):
            self.procs[f"rasa{i + 1}"] = Proc(
                f"rasa{i + 1}", [sys.executable, "-c", _RASA_MAIN, "run", "--enable-api", "--port", str(port),
                                 "--interface", "127.0.0.1", "--model", str(self.model), "--endpoints",
                                 str(endpoints), "--credentials", str(credentials), "--cors", "*"],
                self.env, self.workdir / "log" / f"rasa{i + 1}.log",
                _http_ok(f"http://127.0.0.1:{port}{READY_PATH_RASA}"))
        if self.balancer:
            self.procs["nginx"] = self._nginx()
        for proc in self.procs.values():
            if not proc.alive():
                proc.start()
        for proc in self.procs.values():
            proc.wait_ready(timeout)
        return self

    def down(self) -> None:
        for proc in reversed(list(self.procs.values())):
            proc.stop()
        if self._pg_data is not None and self._pg_data.parent == Path(tempfile.gettempdir()) and \
                self._pg_data.name.startswith("parley-pg-"):
            shutil.rmtree(self._pg_data, ignore_errors=True)

    def restart(self, name: str, timeout: float = 600) -> Proc:
        proc = self.procs[name]
        proc.kill(signal.SIGKILL)
        return proc.start().wait_ready(timeout)

    def status(self) -> Dict[str, str]:
        result = {}
        for name, proc in self.procs.items():
            try:
                result[name] = "ready" if proc.ready() else "not ready"
            except Exception:  # noqa: BLE001
                result[name] = "down"
        return result

    # -- pieces --------------------------------------------------------------------------------
    def _secrets(self) -> Dict[str, str]:
        """Generated once into secrets.env (0600); the environment overrides any of them."""
        path = self.workdir / "secrets.env"
        values: Dict[str, str] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                if "=" in line and not line.startswith("#"):
                    key, value = line.split("=", 1)
                    values[key] = value
        for key in ("PARLEY_API_TOKEN", "PARLEY_ACTION_TOKEN", "PARLEY_PG_PASSWORD", "PARLEY_REDIS_PASSWORD"):
            values.setdefault(key, secrets.token_urlsafe(24))
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write("# team-mode secrets, generated once; every server gets them from its environment\n")
            out.writelines(f"{k}={v}\n" for k, v in sorted(values.items()))
        for key in ("PARLEY_API_TOKEN", "PARLEY_ACTION_TOKEN", "PARLEY_DB_URL", "PARLEY_TRACKER_DB_URL",
                    "PARLEY_REDIS_URL"):
            if os.environ.get(key):
                values[key] = os.environ[key]
        if values.get("PARLEY_DB_URL") and not values.get("PARLEY_TRACKER_DB_URL"):
            values["PARLEY_TRACKER_DB_URL"] = values["PARLEY_DB_URL"]  # Rasa's `events` table beside Parley's
        return {k: v for k, v in values.items() if k not in ("PARLEY_PG_PASSWORD", "PARLEY_REDIS_PASSWORD")} | {
            "_pg": values["PARLEY_PG_PASSWORD"], "_redis": values["PARLEY_REDIS_PASSWORD"]}

    def _start_postgres(self, secret: Dict[str, str], port: int) -> None:
        as_root = os.geteuid() == 0
        if as_root:  # PostgreSQL runs as its own user: its data folder must be reachable by it
            data = self.workdir / "pg" if _reachable_by_postgres(self.workdir) else None
            if data is None:
                data = Path(tempfile.mkdtemp(prefix="parley-pg-"))
                self._pg_data = data
        else:
            data = self.workdir / "pg"
        if not (data / "PG_VERSION").exists():
            data.mkdir(parents=True, exist_ok=True)
            pwfile = Path(tempfile.mkdtemp(prefix="parley-pw-")) / "pw"
            pwfile.write_text(secret["_pg"] + "\n")
            if as_root:
                shutil.chown(data, "postgres", "postgres")
                shutil.chown(pwfile.parent, "postgres")
                shutil.chown(pwfile, "postgres")
            cmd = [str(pg_bin() / "initdb"), "-D", str(data), "-U", "parley", "--auth=scram-sha-256",
                   f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8"]
            subprocess.run(["runuser", "-u", "postgres", "--", *cmd] if as_root else cmd, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            shutil.rmtree(pwfile.parent, ignore_errors=True)
        self.pg_port = port
        password = secret["_pg"]
        base = f"postgresql+psycopg2://parley:{password}@127.0.0.1:{port}"
        self.pg_admin_url = f"{base}/postgres"
        self.procs["postgres"] = Proc(
            "postgres", [str(pg_bin() / "postgres"), "-D", str(data), "-c", "listen_addresses=127.0.0.1", "-c",
                         f"port={port}", "-c", "unix_socket_directories=", "-c", "max_connections=200", "-c",
                         "fsync=on"],
            dict(os.environ), self.workdir / "log" / "postgres.log", lambda: self._pg_ready(), user="postgres",
            stop_signal=signal.SIGINT)  # PostgreSQL's fast shutdown (SIGTERM waits for every client to leave)
        self.procs["postgres"].start().wait_ready(120)
        self._create_databases("parley", "rasa")
        self.env.setdefault("PARLEY_DB_URL", f"{base}/parley")
        self.env.setdefault("PARLEY_TRACKER_DB_URL", f"{base}/rasa")
        self.env.update({"PARLEY_DB_URL": self.env["PARLEY_DB_URL"],
                         "PARLEY_TRACKER_DB_URL": self.env["PARLEY_TRACKER_DB_URL"]})

    def _pg_ready(self) -> bool:
        import psycopg2

        try:
            psycopg2.connect(self.pg_admin_url.replace("postgresql+psycopg2", "postgresql"), connect_timeout=2).close()
            return True
        except psycopg2.OperationalError:
            return False

    def _create_databases(self, *names: str) -> None:
        import psycopg2

        conn = psycopg2.connect(self.pg_admin_url.replace("postgresql+psycopg2", "postgresql"))
        conn.autocommit = True
        with conn.cursor() as cur:
            for name in names:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cur.fetchone() is None:
                    cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()

    def create_database(self, name: str) -> str:
        """A new empty database on the private PostgreSQL (tests); returns its URL."""
        self._create_databases(name)
        return self.pg_admin_url.rsplit("/", 1)[0] + f"/{name}"

    def _start_redis(self, secret: Dict[str, str], port: int) -> None:
        folder = self.workdir / "redis"
        folder.mkdir(exist_ok=True)
        conf = folder / "redis.conf"
        with os.fdopen(os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(f"bind 127.0.0.1\nport {port}\nprotected-mode yes\nrequirepass {secret['_redis']}\n"
                      f"save \"\"\nappendonly no\ndir {folder}\ndaemonize no\n")
        self.redis_port = port
        url = f"redis://:{secret['_redis']}@127.0.0.1:{port}/0"
        self.env["PARLEY_REDIS_URL"] = url

        def ready() -> bool:
            import redis

            return bool(redis.Redis.from_url(url, socket_timeout=2).ping())

        self.procs["redis"] = Proc("redis", [shutil.which("redis-server") or "redis-server", str(conf)],
                                   dict(os.environ), self.workdir / "log" / "redis.log", ready)
        self.procs["redis"].start().wait_ready(60)

    def _endpoints(self) -> Path:
        """endpoints.yml with the action endpoint on the action balancer and the shared stores added."""
        data = yaml.safe_load((ROOT / "endpoints.yml").read_text()) or {}
        action = dict(data.get("action_endpoint") or {})
        action["url"] = f"{self.actions_balancer_url}/webhook"
        data["action_endpoint"] = action
        if self.shared_stores:
            data["tracker_store"] = dict(TRACKER_STORE)
            data["lock_store"] = dict(LOCK_STORE)
        path = self.workdir / "endpoints.team.yml"
        path.write_text("# generated by deploy/team.py from endpoints.yml: do not edit, edit endpoints.yml or "
                        "deploy/team.py\n" + yaml.safe_dump(data, sort_keys=False))
        return path

    def _nginx(self) -> Proc:
        folder = self.workdir / "nginx"
        subs = ["log", "tmp"] + [f"tmp/{t}" for t in ("body", "proxy", "fastcgi", "uwsgi", "scgi")]
        for sub in subs:
            (folder / sub).mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:  # nginx's workers run as nobody: they buffer large bodies under tmp/
                os.chmod(folder / sub, 0o777)
        template = (ROOT / "deploy" / "nginx.conf.template").read_text()
        conf = (template.replace("@@DIR@@", str(folder))
                .replace("@@PORT@@", str(self.port)).replace("@@ACTIONS_PORT@@", str(self.port + 1))
                .replace("@@RASA_SERVERS@@", "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;"
                                                       for p in self.rasa_ports))
                .replace("@@ACTION_SERVERS@@", "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;"
                                                         for p in self.action_ports))
                .replace("@@USER@@", "user nobody nogroup;" if os.geteuid() == 0 else ""))
        path = folder / "nginx.conf"
        path.write_text(conf)
        check = subprocess.run([nginx_bin(), "-t", "-q", "-p", str(folder), "-c", str(path)], capture_output=True,
                               text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx configuration {path} is invalid:\n{check.stderr}")
        return Proc("nginx", [nginx_bin(), "-p", str(folder), "-c", str(path), "-g", "daemon off;"], dict(os.environ),
                    self.workdir / "log" / "nginx.log", _http_ok(f"http://127.0.0.1:{self.port}/nginx-health"))


# Rasa's API token goes in through the environment (not argv, where `ps` shows it), as scripts/run.sh does;
# joined with '=' because a generated token may start with '-', which argparse would take for an option.
_RASA_MAIN = ("import os, sys\nfrom rasa.__main__ import main\n"
              "sys.argv = ['rasa', *sys.argv[1:], '--auth-token=' + os.environ['PARLEY_API_TOKEN']]\nmain()")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _reachable_by_postgres(folder: Path) -> bool:
    """Every parent of `folder` lets others through (x), so the postgres user can reach a data folder in it."""
    for parent in [folder.resolve(), *folder.resolve().parents]:
        if parent.exists() and not parent.stat().st_mode & 0o001:
            return False
    return True


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.team", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the team stack and keep it running until Ctrl-C")
    up.add_argument("--rasa", type=int, default=int(os.environ.get("PARLEY_RASA_SERVERS", 2)))
    up.add_argument("--actions", type=int, default=int(os.environ.get("PARLEY_ACTION_SERVERS", 2)))
    up.add_argument("--port", type=int, default=int(os.environ.get("PARLEY_TEAM_PORT", 8000)))
    up.add_argument("--dir", default=str(ROOT / "var" / "team"))
    args = parser.parse_args(argv)
    team = Team(Path(args.dir), args.rasa, args.actions, args.port)
    stop = False

    def on_signal(*_args: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        print(f"==> starting team mode: {args.rasa} Rasa + {args.actions} action servers behind nginx "
              f"(logs in {team.workdir / 'log'}; Rasa takes a minute or two to load)", flush=True)
        team.up()
        print(f"==> Parley team mode is up: {team.url}/webhooks/rest/webhook (REST), {team.url}/socket.io (widget)")
        print(f"    readiness: {team.url}{READY_PATH_RASA} (through the balancer); per server: "
              + ", ".join(f"{u}{READY_PATH_RASA}" for u in team.rasa_urls) + ", "
              + ", ".join(f"{u}/ready" for u in team.action_urls))
        print(f"    secrets: {team.workdir / 'secrets.env'}; Ctrl-C stops everything", flush=True)
        while not stop:
            time.sleep(1)
            for name, proc in team.procs.items():
                if not proc.alive() and not stop:
                    print(f"!! {name} stopped; restarting it (see {proc.log})", flush=True)
                    proc.start()
        return 0
    except RuntimeError as error:
        print(f"team mode did not start: {error}", file=sys.stderr)
        return 1
    finally:
        team.down()


if __name__ == "__main__":
    sys.exit(main())
