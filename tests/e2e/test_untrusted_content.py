"""Untrusted step outputs in a real browser: an HTML output's script and an SVG's onload never run
in the application's origin (the page's title stays, no request leaves their frame, the frame is
an opaque origin), their download is a download, and the application's own pages raise no
Content-Security-Policy violation while used (canvas, catalog, runs, run page, teams,
tokens, datasets, endpoints, API docs).

The run is made in this process on the local backend (a step writing the files) rather than in a
container: what is under test is the browser's side.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.live import live_daphne
from tests.runner.fixtures import make_version, publish_module, step

# Every script says what it would do: rename the application's tab, call the API, mark its frame.
STEP = r"""
import os
out = os.environ["PIPEWRIGHT_OUT"]
open(out + "/page/report.html", "w").write('''<!doctype html><html><head><title>report</title>
<style>h1 { color: rgb(200, 0, 0); background: url("/api/teams/?pwned=css"); }</style></head>
<body><h1>Quarterly report</h1><img src="/api/teams/?pwned=img" alt="tracker">
<script>
document.body.dataset.ran = "1";
window.parent.document.title = "pwned";
fetch("/api/teams/?pwned=html-fetch", {credentials: "include"});
</script></body></html>''')
open(out + "/vector/plot.svg", "w").write('''<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"
 onload="parent.document.title = 'pwned'; fetch('/api/teams/?pwned=svg-onload')">
<script>fetch("/api/teams/?pwned=svg-script")</script>
<rect width="120" height="40" fill="rgb(0, 128, 0)"/></svg>''')
open(out + "/notes/README.md", "w").write('''# Release notes

<script>parent.document.title = "pwned"</script>

| metric | value |
|---|---|
| accuracy | 0.97 |
''')
"""

# Collects, in every document of the application, the Content-Security-Policy violations it raises.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample,
                               page: location.href});
});
"""

CANVAS_GRAPH = {
    "nodes": [
        {"id": "import", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"},
         "position": {"x": 0, "y": 0}},
        {"id": "summary", "module": "builtin/summarize-data", "version": None, "params": {},
         "position": {"x": 0, "y": 160}},
    ],
    "edges": [{"source": "import", "source_port": "data", "target": "summary", "target_port": "data"}],
    "parameters": [],
}  # fmt: skip


def _run_with_untrusted_outputs(as_alice: Any, acme: Any) -> int:
    from compiler.plan import Step

    mv = publish_module(acme, "reporter", STEP)
    base = step("report", mv)
    outputs = (("page", "File"), ("vector", "File"), ("notes", "File"))
    version = make_version(acme, [Step(**{**base.__dict__, "outputs": outputs})], name="Reports")
    run_id: int = as_alice.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json").json()["id"]
    assert as_alice.get(f"/api/runs/{run_id}/").json()["status"] == "succeeded"
    return run_id


def assert_nothing_left_the_frames(
    requests: list[tuple[str, str]], failed: list[tuple[str, str]], answered: list[str]
) -> None:
    """No script of an output ran (none of its requests was even tried); what the markup itself
    asks for (an <img>, a CSS url()) the frame's own policy refused in the browser, before sending
    it (Chromium reports such a load, if at all, as a request that failed for `csp`; without that
    policy the load would reach the server and fail only later, for ORB)."""
    tried = [(url, src) for url, src in requests if "pwned" in url or src.startswith("about:srcdoc")]
    assert not [url for url, _ in tried if "fetch" in url or "svg" in url], tried
    assert not [url for url in answered if "pwned" in url], answered
    refused = {url for url, why in failed if why in {"csp", "net::ERR_BLOCKED_BY_CSP"}}  # not ORB: after the answer
    assert all(url in refused for url, _ in tried), (tried, failed)


@pytest.fixture
def logged_live(transactional_db: Any, local: Any, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The live server (on the local backend's artifact store) and its access log."""
    access = tmp_path / "access.log"
    access.touch()
    with live_daphne(access_log=access) as url:
        yield url, access


def test_script_in_html_and_svg_outputs_never_runs_in_the_app_and_the_app_raises_no_csp_violation(
    local: Any, eager: Any, as_alice: Any, acme: Any, logged_live: tuple[str, Path], page: Any
) -> None:
    live_url, access_log = logged_live
    run_id = _run_with_untrusted_outputs(as_alice, acme)
    call_command("load_library", verbosity=0)
    canvas = as_alice.post("/api/pipelines/", {"team": "acme", "name": "Canvas", "graph": CANVAS_GRAPH}, format="json")
    assert canvas.status_code == 201, canvas.content

    requests: list[tuple[str, str]] = []  # (url, url of the document that asked)
    page.on("request", lambda r: requests.append((r.url, r.frame.url)))
    failed: list[tuple[str, str]] = []  # (url, why)
    page.on("requestfailed", lambda r: failed.append((r.url, r.failure or "")))
    answered: list[str] = []
    page.on("response", lambda r: answered.append(r.url))
    console: list[tuple[str, str, str]] = []  # (type, text, url of the document that logged it)
    page.on("console", lambda m: console.append((m.type, m.text, (m.location or {}).get("url", ""))))
    page_errors: list[str] = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.add_init_script(RECORD_VIOLATIONS)

    login(page, live_url, "alice", "pw-alice")

    # 1. The run page previews the three outputs, each in its sandboxed frame
    page.goto(f"{live_url}/runs/{run_id}")
    page.get_by_test_id("step-row-report").click()
    details = page.get_by_test_id("step-details")
    frames = {port: details.get_by_test_id(f"output-{port}").get_by_test_id("preview-frame") for port in
              ("page", "vector", "notes")}  # fmt: skip
    for port, frame in frames.items():
        frame.wait_for()
        assert frame.get_attribute("sandbox") == "", port  # no allowance: no script, opaque origin
        assert frame.get_attribute("src") is None, port  # the document is never a URL of our origin
    report = frames["page"].content_frame
    report.get_by_role("heading", name="Quarterly report").wait_for()  # it renders, styles and all
    assert report.get_by_role("heading").evaluate("h => getComputedStyle(h).color") == "rgb(200, 0, 0)"
    notes = frames["notes"].content_frame
    notes.get_by_role("heading", name="Release notes").wait_for()
    assert notes.get_by_role("cell", name="0.97").is_visible()
    plot = frames["vector"].content_frame.locator("img")
    plot.wait_for()
    expect(plot).to_have_js_property("naturalWidth", 120)  # the SVG renders, as an image

    # the scripts did not run: not in the app, not even in their own frame
    assert page.title() == "Pipewright"
    assert report.locator("body").evaluate("b => b.dataset.ran ?? null") is None
    # and the frames have an opaque origin: no cookie, nothing of the application to reach
    for port, frame in frames.items():
        assert frame.content_frame.locator("body").evaluate("b => b.ownerDocument.defaultView.origin") == "null", port

    assert not [url for url, _ in requests if "fetch" in url or "svg" in url], requests  # no script ran
    assert not [url for url in answered if "pwned" in url], answered

    # the download link of the HTML output downloads it; nothing renders on our origin
    with page.expect_download() as download:
        details.get_by_test_id("output-page").get_by_role("link", name="download").click()
    assert download.value.suggested_filename == "report.html"
    assert page.url == f"{live_url}/runs/{run_id}" and page.title() == "Pipewright"

    # 2. The application's own pages, walked while recording violations
    walked: list[tuple[str, list[Any]]] = []

    def record(where: str) -> None:
        violations = page.evaluate("window.__cspViolations")
        assert isinstance(violations, list), f"{where}: the violation recorder is not installed"
        walked.append((where, violations))

    record("run page")
    page.goto(f"{live_url}/pipelines/{canvas.json()['id']}")
    page.locator('.react-flow__node[data-id="import"] [data-testid=canvas-node]').wait_for()
    page.locator('.react-flow__node[data-id="import"] [data-testid=canvas-node]').click()
    page.wait_for_load_state("networkidle")
    record("canvas")
    page.goto(f"{live_url}/catalog")
    page.get_by_text("Import Data").first.wait_for()
    record("catalog")
    page.goto(f"{live_url}/runs")
    page.get_by_test_id(f"runs-row-{run_id}").wait_for()
    record("runs")
    page.goto(f"{live_url}/runs/{run_id}")
    page.get_by_test_id("run-page").wait_for()
    page.wait_for_function("() => document.querySelector('[data-testid=run-page]').dataset.runStatus === 'succeeded'")
    record("run page (WebSocket feed)")
    page.goto(f"{live_url}/")
    page.wait_for_load_state("networkidle")
    record("pipelines")
    page.goto(f"{live_url}/teams/acme")
    page.get_by_test_id("teams-page").wait_for()
    page.wait_for_load_state("networkidle")
    record("teams")
    page.goto(f"{live_url}/tokens")
    page.get_by_test_id("tokens-page").wait_for()
    record("tokens")
    for where in ("datasets", "endpoints"):
        page.goto(f"{live_url}/{where}")
        page.wait_for_load_state("networkidle")
        record(where)
    page.goto(f"{live_url}/api/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()
    page.locator(".swagger-ui .opblock").first.click()
    page.wait_for_load_state("networkidle")
    record("API docs")

    assert all(not violations for _, violations in walked), walked
    # nothing of the application was refused or broke; the frames' own refusals are theirs
    app_errors = [
        (t, text, url)
        for t, text, url in console
        if t == "error" and not ("about:srcdoc" in text + url or "pwned" in text)
    ]
    assert not app_errors, app_errors
    assert not page_errors, page_errors
    assert_nothing_left_the_frames(requests, failed, answered)
    # and the server's own record: the application's requests are there, none of the outputs'
    served = access_log.read_text()
    assert f"/runs/{run_id}" in served and "/preview" in served
    assert "pwned" not in served, [line for line in served.splitlines() if "pwned" in line]
