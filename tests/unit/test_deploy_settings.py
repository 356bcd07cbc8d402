"""Production settings: `check --deploy` is clean, and a missing secret fails loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    dropped = {"PIPEWRIGHT_DEV", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x" * 20 + "-production-secret-key-with-enough-entropy-1234567890",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        ALLOWED_HOSTS="pipewright.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key_in_production() -> None:
    result = _manage("check", DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_bad_boolean_is_named() -> None:
    result = _manage("check", PIPEWRIGHT_DEV="1", DEBUG="maybe")
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_the_openapi_schema_is_valid_and_warning_free() -> None:
    result = _manage("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull, PIPEWRIGHT_DEV="1")
    assert result.returncode == 0, result.stderr
