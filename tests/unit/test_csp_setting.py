"""CSP_EXTRA: the setting that extends the Content-Security-Policy, read like a policy header."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipewright.env import env_directives

ROOT = Path(__file__).resolve().parents[2]


def test_it_reads_directives_like_a_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSP_EXTRA", " img-src https://a  https://b ;connect-src https://c;; report-uri /r ")
    assert env_directives("CSP_EXTRA") == {
        "img-src": ["https://a", "https://b"],
        "connect-src": ["https://c"],
        "report-uri": ["/r"],
    }
    monkeypatch.delenv("CSP_EXTRA")
    assert env_directives("CSP_EXTRA") == {}


@pytest.mark.parametrize("bad", ["img-src https://a, https://b", "IMG-SRC x", "'self' img-src"])
def test_a_bad_value_is_named(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv("CSP_EXTRA", bad)
    with pytest.raises(ValueError, match="CSP_EXTRA="):
        env_directives("CSP_EXTRA")


def test_the_settings_add_sources_and_replace_none() -> None:
    code = "import json; from django.conf import settings; print(json.dumps(settings.CONTENT_SECURITY_POLICY))"
    env = {
        "PIPEWRIGHT_DEV": "1",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "DJANGO_SETTINGS_MODULE": "pipewright.settings",
        "CSP_EXTRA": "img-src https://img.example.com 'self'; object-src https://o.example.com; report-uri /r",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    policy = json.loads(out)
    assert policy["img-src"] == ["'self'", "data:", "blob:", "https://img.example.com"]
    assert policy["object-src"] == ["https://o.example.com"]  # 'none' would contradict the source
    assert policy["report-uri"] == ["/r"]
    assert policy["script-src"] == ["'self'"]
