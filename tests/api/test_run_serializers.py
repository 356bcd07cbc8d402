"""RunSerializer/StepSerializer: the fast path the API and the run feed use gives, field for
field, what DRF renders from the declared fields that /api/schema/ documents."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework import serializers

from runner import reads
from runner.models import Run, StepRun
from runner.serializers import RunSerializer, RunSummarySerializer, StepSerializer, runs_for_json
from tests.runner.fixtures import make_version, publish_module, step


@pytest.fixture
def version(acme: Any, local: Any) -> Any:
    from compiler.plan import PipelineParameter

    emit = publish_module(
        acme, "emit", "import os\nopen(os.environ['PIPEWRIGHT_OUT'] + '/data/t.csv', 'w').write('a,b\\n1,2\\n')\n"
    )
    take = publish_module(
        acme, "take", "import os\nopen(os.environ['PIPEWRIGHT_OUT'] + '/data/u.csv', 'w').write('x\\n')\n", inputs=1
    )
    return make_version(
        acme,
        [step("a", emit, params={"n": {"$param": "n"}}), step("b", take, upstream=("a",))],
        parameters=(PipelineParameter("n", "integer", 1),),
    )


def by_fields(serializer: serializers.Serializer, instance: Any) -> dict[str, Any]:
    """DRF's own rendering from the declared fields, bypassing the fast path."""
    return dict(serializers.Serializer.to_representation(serializer, instance))


def test_the_fast_path_agrees_with_the_declared_fields(eager: Any, as_alice: Any, alice: Any, version: Any) -> None:
    first = as_alice.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json").json()
    as_alice.post(f"/api/runs/{first['id']}/rerun", {"mode": "all"}, format="json")
    as_alice.post(f"/api/runs/{first['id']}/rerun", {"mode": "from", "node": "b"}, format="json")
    Run.objects.filter(pk=first["id"]).update(error="", trigger="endpoint:x")
    StepRun.objects.filter(run_id=first["id"], node="b").update(error="boom", exit_code=None, started_at=None)
    seen = set()
    for run in runs_for_json().order_by("id"):
        for row in run.steps.select_related("reused_from").order_by("id"):
            fast = StepSerializer(row).data
            assert fast == by_fields(StepSerializer(), row)
            assert list(fast) == list(StepSerializer().fields)
            seen.add(row.status)
        fast_run = RunSerializer(run).data
        assert fast_run == by_fields(RunSerializer(), run)
        assert list(fast_run) == list(RunSerializer().fields)
        listed = RunSummarySerializer(run).data
        assert list(listed) == [f for f in RunSerializer().fields if f != "steps"]
        assert RunSerializer.render(run) == fast_run
        assert reads.visible_run_json(alice, run.pk) == fast_run  # GET /api/runs/{id}/'s lean read
    assert {"succeeded", "cached"} <= seen
