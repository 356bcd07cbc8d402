"""Deploy from the UI: on a trained pipeline's canvas, Create inference pipeline; deploy it on the
Deployments page; on its page, wait for the replica and score a row in Try it (and see a bad row
named by row and column). Real Docker steps and replica containers, the supervisor in a thread."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from serving import replicas
from serving.supervisor import in_thread
from tests.conftest import client_for
from tests.e2e.conftest import login
from tests.live import live_daphne
from tests.serving.helpers import SETOSA, train_iris

pytestmark = [pytest.mark.e2e, pytest.mark.docker]


@pytest.fixture
def serving_url(settings: Any, eager: Any, docker_compute: Any) -> Iterator[str]:
    settings.SERVING_ROOT = Path(tempfile.mkdtemp(prefix="pws-", dir="/tmp"))  # short: unix socket paths
    settings.SERVING_RECONCILE_SECONDS = 0.3
    thread, stop = in_thread()
    try:
        with live_daphne(SERVING_ROOT=str(settings.SERVING_ROOT)) as url:
            yield url
    finally:
        stop.set()
        thread.join(timeout=10)
        for name in replicas.containers():
            replicas.stop(name)
        shutil.rmtree(settings.SERVING_ROOT, ignore_errors=True)


def test_it_deploys_from_the_ui_and_scores_a_row(serving_url: str, page: Any, alice: Any, acme: Any) -> None:
    call_command("load_library", verbosity=0)
    pipeline, run = train_iris(client_for(alice))

    login(page, serving_url, "alice", "pw-alice")
    page.goto(f"{serving_url}/pipelines/{pipeline}")
    page.get_by_test_id("create-inference").click()
    dialog = page.get_by_test_id("inference-dialog")
    dialog.get_by_test_id("inference-run").wait_for()
    assert dialog.get_by_test_id("inference-run").input_value() == str(run)
    dialog.get_by_test_id("inference-create").click()
    page.wait_for_url(lambda u: "/pipelines/" in u and not u.endswith(f"/pipelines/{pipeline}"))
    page.locator('[data-module="builtin/web-input"]').wait_for()
    assert page.locator('[data-module="builtin/score-model"]').count() == 1
    assert page.locator('[data-module="builtin/web-output"]').count() == 1

    page.get_by_role("link", name="Deployments").click()
    form = page.get_by_test_id("deploy-form")
    form.get_by_test_id("deploy-slug").fill("iris-ui")
    form.get_by_test_id("deploy-pipeline").select_option(label="Iris (inference)")
    form.get_by_test_id("deploy-submit").click()
    page.wait_for_url(lambda u: u.endswith("/deployments/iris-ui"))
    assert page.get_by_test_id("default-version").inner_text() == "v1"
    page.wait_for_function(
        "() => document.querySelector('[data-testid=ready-1]')?.textContent === '1 ready'", timeout=60000
    )

    page.get_by_test_id("try-rows").fill(json.dumps([SETOSA]))
    page.get_by_test_id("try-score").click()
    answer = json.loads(page.get_by_test_id("try-answer").inner_text())
    assert answer["version"] == 1 and answer["rows"][0]["Scored Labels"] == 0

    bad = {k: v for k, v in SETOSA.items() if k != "petal width (cm)"}
    page.get_by_test_id("try-rows").fill(json.dumps([SETOSA, bad]))
    page.get_by_test_id("try-score").click()
    assert "Row 1, column 'petal width (cm)': missing" in page.get_by_test_id("try-error").inner_text()

    page.get_by_test_id("token-name").fill("app")
    page.get_by_test_id("token-create").click()
    assert page.get_by_test_id("new-token").inner_text().startswith("pwd_")
    page.wait_for_function("() => Number(document.querySelector('[data-testid=requests-1]')?.textContent) >= 2")
