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
os.makedirs(out + "/curves", exist_ok=True)
json.dump({"roc": [{"fpr": 0, "tpr": 0, "threshold": None}, {"fpr": 1, "tpr": 1, "threshold": 0.1}], "auc": 0.5,
           "confusion": {"labels": ["0", "1"], "matrix": [[3, 1], [0, 4]]}}, open(out + "/curves/curves.json", "w"))
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
    outputs = (
        ("data", "DataFrame"),
        ("metrics", "Metrics"),
        ("image", "Image"),
        ("folder", "File"),
        ("curves", "Metrics"),
    )
    version = make_version(acme, [Step(**{**base.__dict__, "outputs": outputs, "label": "Write it"})])
    run_id = as_alice.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json").json()["id"]
    body = as_alice.get(f"/api/runs/{run_id}/").json()
    assert body["status"] == "succeeded", body
    assert body["steps"][0]["label"] == "Write it"  # the node's label when the run started
    return {port: o["sha256"] for port, o in body["steps"][0]["outputs"].items()}


def test_it_previews_tables_images_and_metrics(eager: Any, local: Any, as_alice: Any, acme: Any) -> None:
    shas = _run(as_alice, acme)
    table = as_alice.get(f"/api/artifacts/{shas['data']}/preview").json()
    assert table["kind"] == "table" and table["columns"] == ["a", "b"] and len(table["rows"]) == 20
    assert table["rows"][0] == ["0", "0"]
    profile = table["profile"]  # the dataset profiler's column profile, on the whole stored file
    assert profile["rows"] == 30 and [c["name"] for c in profile["columns"]] == ["a", "b"]
    assert profile["columns"][0] | {"histogram": []} == {
        "name": "a",
        "type": "integer",
        "missing": 0,
        "distinct": 30,
        "distinct_capped": False,
        "min": 0.0,
        "max": 29.0,
        "mean": 14.5,
        "histogram": [],
    }
    assert sum(b["count"] for b in profile["columns"][0]["histogram"]) == 30
    curves = as_alice.get(f"/api/artifacts/{shas['curves']}/preview").json()
    assert curves["kind"] == "curves" and curves["curves"]["auc"] == 0.5
    assert curves["curves"]["confusion"]["matrix"] == [[3, 1], [0, 4]]
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
    names = sorted(zipfile.ZipFile(io.BytesIO(b"".join(folder.streaming_content))).namelist())
    assert names == ["a.txt", "sub/b.txt"]
    assert as_charlie.get(f"/api/artifacts/{shas['folder']}/").status_code == 404
    assert as_charlie.get(f"/api/artifacts/{shas['data']}/preview").status_code == 404
    assert as_alice.get(f"/api/artifacts/{'0' * 64}/").status_code == 404


# Outputs a browser would run: script in HTML, an SVG's onload, raw HTML and a javascript: link in
# Markdown, and a file whose name is not ASCII.
UNTRUSTED = """
import os
out = os.environ["PIPEWRIGHT_OUT"]
open(out + "/page/report.html", "w").write(
    "<!doctype html><html><head><title>report</title></head><body><h1>Report</h1>"
    "<script>window.parent.document.title = 'pwned'; fetch('/api/teams/')</script></body></html>"
)
open(out + "/vector/plot.svg", "w").write(
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="fetch(\\'/api/teams/\\')">'
    '<script>parent.document.title = "pwned"</script><rect width="10" height="10"/></svg>'
)
open(out + "/notes/README.md", "w").write(
    "# Notes\\n\\n<script>alert(1)</script>\\n\\n[click](javascript:alert(1))\\n\\n| a | b |\\n|---|---|\\n| 1 | 2 |\\n"
)
open(out + "/named/r\\u00e9sum\\u00e9 \\"q\\".txt", "w").write("x")
"""


def _untrusted_run(as_alice: Any, acme: Any) -> dict[str, str]:
    from compiler.plan import Step

    mv = publish_module(acme, "untrusted", UNTRUSTED)
    base = step("u", mv)
    outputs = (("page", "File"), ("vector", "File"), ("notes", "File"), ("named", "File"))
    version = make_version(acme, [Step(**{**base.__dict__, "outputs": outputs})])
    run_id = as_alice.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json").json()["id"]
    body = as_alice.get(f"/api/runs/{run_id}/").json()
    assert body["status"] == "succeeded", body
    return {port: o["sha256"] for port, o in body["steps"][0]["outputs"].items()}


def _assert_attachment(response: Any, filename: str) -> None:
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"', response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_every_download_is_a_sandboxed_attachment_and_html_or_svg_never_inline(
    eager: Any, local: Any, as_alice: Any, acme: Any
) -> None:
    shas = _untrusted_run(as_alice, acme)
    for port, name in (("page", "report.html"), ("vector", "plot.svg")):
        for url in (f"/api/artifacts/{shas[port]}/", f"/api/artifacts/{shas[port]}/?file={name}"):
            response = as_alice.get(url)
            _assert_attachment(response, name)
            # served as bytes, not as a document type a browser would render
            assert response["Content-Type"] == "application/octet-stream", url
            assert b"<script>" in b"".join(response.streaming_content)  # the file itself, unchanged
    # a table stays a table (its type), still an attachment; a folder of several files is a zip
    written = _run(as_alice, acme)
    data = as_alice.get(f"/api/artifacts/{written['data']}/?file=t.csv")
    _assert_attachment(data, "t.csv")
    assert data["Content-Type"].startswith("text/csv")
    zipped = as_alice.get(f"/api/artifacts/{written['folder']}/")
    _assert_attachment(zipped, f"{written['folder'][:12]}.zip")
    assert zipped["Content-Type"] == "application/zip"


def test_a_name_that_is_not_ascii_is_encoded_per_rfc_5987(eager: Any, local: Any, as_alice: Any, acme: Any) -> None:
    shas = _untrusted_run(as_alice, acme)
    response = as_alice.get(f"/api/artifacts/{shas['named']}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        "attachment; filename=\"resume _q_.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22q%22.txt"
    )
    assert response["Content-Type"].startswith("text/plain")


def test_html_svg_and_markdown_preview_as_sandboxed_documents(eager: Any, local: Any, as_alice: Any, acme: Any) -> None:
    from runner.documents import FRAME_CSP

    shas = _untrusted_run(as_alice, acme)
    head = f'<meta http-equiv="Content-Security-Policy" content="{FRAME_CSP}">'
    assert "default-src 'none'" in FRAME_CSP and "script-src" not in FRAME_CSP
    previews = {port: as_alice.get(f"/api/artifacts/{shas[port]}/preview") for port in ("page", "vector", "notes")}
    for port, response in previews.items():
        assert response.status_code == 200, port
        assert response["Content-Type"] == "application/json", port  # never a document of our origin
    page, vector, notes = (previews[p].json() for p in ("page", "vector", "notes"))

    assert (page["kind"], page["file"]) == ("html", "report.html")
    # our policy comes first, before anything of the output's: in force before any of it is parsed
    assert page["document"].startswith("<!doctype html>") and page["document"].index(head) < page["document"].index(
        "<html>"
    )
    assert "<script>window.parent.document.title" in page["document"]  # shown as written, but it cannot run

    assert (vector["kind"], vector["file"]) == ("svg", "plot.svg")
    assert head in vector["document"]
    assert '<img alt="plot.svg" src="data:image/svg+xml;base64,' in vector["document"]
    assert "<svg" not in vector["document"] and "onload" not in vector["document"]  # only as an image

    assert (notes["kind"], notes["file"]) == ("markdown", "README.md")
    assert head in notes["document"]
    assert "<h1>Notes</h1>" in notes["document"] and "<td>1</td>" in notes["document"]
    assert "<script>" not in notes["document"] and "&lt;script&gt;alert(1)&lt;/script&gt;" in notes["document"]
    assert "javascript:" not in notes["document"].replace("[click](javascript:alert(1))", "")


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


def test_a_document_preview_follows_no_link(eager: Any, local: Any, as_alice: Any, acme: Any, runner_dirs: Any) -> None:
    from artifacts import store

    secret = runner_dirs / "secret.txt"
    secret.write_text("host secret")
    shas = _untrusted_run(as_alice, acme)
    page = store.path_for(shas["page"]) / "report.html"
    page.unlink()
    page.symlink_to(secret)
    answer = as_alice.get(f"/api/artifacts/{shas['page']}/preview")
    assert answer.status_code == 409 and "is a symbolic link" in answer.json()["detail"]
    assert b"host secret" not in answer.content
