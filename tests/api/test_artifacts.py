"""Artifacts API: download (file or zip) and preview (table, image, metrics), team-scoped."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from tests.runner.fixtures import make_version, publish_module, step

WRITE = """
import json, os
out = os.environ["PIPEWRIGHT_OUT"]
with open(out + "/data/t.csv", "w") as fh:
    fh.write("a,b\\n" + "".join(f"{i},{i}\\n" for i in range(30)))
json.dump({"accuracy": 0.9}, open(out + "/metrics/metrics.json", "w"))
import struct, zlib
def png():
    raw = b"\\x00\\x00\\x00\\x00"
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    head = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    return b"\\x89PNG\\r\\n\\x1a\\n" + head + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(out + "/image/plot.png", "wb").write(png())
os.makedirs(out + "/folder/sub")
open(out + "/folder/a.txt", "w").write("A")
open(out + "/folder/sub/b.txt", "w").write("B")
"""


def _run(as_alice: Any, acme: Any) -> dict[str, Any]:
    from compiler.plan import Step

    mv = publish_module(acme, "writer", WRITE)
    base = step("w", mv)
    outputs = (("data", "DataFrame"), ("metrics", "Metrics"), ("image", "Image"), ("folder", "File"))
    version = make_version(acme, [Step(**{**base.__dict__, "outputs": outputs})])
    run_id = as_alice.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json").json()["id"]
    body = as_alice.get(f"/api/runs/{run_id}/").json()
    assert body["status"] == "succeeded", body
    return {port: o["sha256"] for port, o in body["steps"][0]["outputs"].items()}


def test_it_previews_tables_images_and_metrics(eager: Any, local: Any, as_alice: Any, acme: Any) -> None:
    shas = _run(as_alice, acme)
    table = as_alice.get(f"/api/artifacts/{shas['data']}/preview").json()
    assert table["kind"] == "table" and table["columns"] == ["a", "b"] and len(table["rows"]) == 20
    assert table["rows"][0] == ["0", "0"]
    image = as_alice.get(f"/api/artifacts/{shas['image']}/preview").json()
    assert image["kind"] == "image"
    png = as_alice.get(image["url"])
    assert png.status_code == 200 and b"".join(png.streaming_content).startswith(b"\x89PNG")
    metrics = as_alice.get(f"/api/artifacts/{shas['metrics']}/preview").json()
    assert metrics == {**metrics, "kind": "metrics", "metrics": {"accuracy": 0.9}}


def test_it_downloads_a_single_file_or_a_zip_of_a_folder(
    eager: Any, local: Any, as_alice: Any, as_charlie: Any, acme: Any
) -> None:
    shas = _run(as_alice, acme)
    single = as_alice.get(f"/api/artifacts/{shas['data']}/")
    assert single.status_code == 200 and b"".join(single.streaming_content).startswith(b"a,b\n0,0\n")
    folder = as_alice.get(f"/api/artifacts/{shas['folder']}/")
    assert folder["Content-Type"] == "application/zip"
    names = sorted(zipfile.ZipFile(io.BytesIO(folder.content)).namelist())
    assert names == ["a.txt", "sub/b.txt"]
    assert as_charlie.get(f"/api/artifacts/{shas['folder']}/").status_code == 404
    assert as_charlie.get(f"/api/artifacts/{shas['data']}/preview").status_code == 404
    assert as_alice.get(f"/api/artifacts/{'0' * 64}/").status_code == 404


def test_it_serves_no_link_even_if_a_store_folder_held_one(
    eager: Any, local: Any, as_alice: Any, acme: Any, runner_dirs: Any
) -> None:
    """Defence in depth: the store never makes a link, but download, zip and preview refuse one."""
    import stat

    from artifacts import store

    secret = runner_dirs / "secret.txt"
    secret.write_text("host secret")
    secret.chmod(0o600)
    shas = _run(as_alice, acme)
    for port in ("folder", "data"):
        (store.path_for(shas[port]) / "leak.txt").symlink_to(secret)
    (store.path_for(shas["metrics"]) / "metrics.json").unlink()
    (store.path_for(shas["metrics"]) / "metrics.json").symlink_to(secret)
    answers = [
        as_alice.get(f"/api/artifacts/{shas['folder']}/"),
        as_alice.get(f"/api/artifacts/{shas['data']}/?file=leak.txt"),
        as_alice.get(f"/api/artifacts/{shas['data']}/?file=t.csv"),
        as_alice.get(f"/api/artifacts/{shas['data']}/preview"),
        as_alice.get(f"/api/artifacts/{shas['metrics']}/preview"),
    ]
    for answer in answers:
        assert answer.status_code == 409, answer
        assert "is a symbolic link" in answer.json()["detail"]
        assert b"host secret" not in answer.content
    assert secret.read_text() == "host secret" and stat.S_IMODE(secret.stat().st_mode) == 0o600
