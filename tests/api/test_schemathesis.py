"""Schemathesis against /api/schema/: every documented operation, fed generated valid and invalid
input by alice (the owner of team acme), in-process through Django's WSGI application on the
PostgreSQL test database. No answer may be a 5xx, and every documented answer must match its
schema.

Real objects exist first (a catalog, a pipeline with a version, a run, an endpoint, a schedule, a
dataset) and path parameters are drawn from their ids most of the time, so requests reach past
the 404s. Hermetic: the test runs inside the test transaction and each request inside a savepoint
that is rolled back after it, so nothing a request does persists to the next one, and nothing is
committed, so no Celery task is ever enqueued (runs stay pending). Bounded: a fixed seed, a few
examples per operation, no shrinking (a failure is reported as found)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.specs.openapi.checks import response_schema_conformance

from designer.models import DatasetVersion
from pipewright.wsgi import application
from teams.tokens import create_token
from tests.api.pipelines_helpers import create, graph, make_catalog, upload_csv
from tests.api.test_publishing import with_depth

MAX_EXAMPLES = 12  # per operation and phase; the whole test takes a few minutes on 2 cores
SEED = 20261130
CHECKS = [schemathesis.checks.not_a_server_error, response_schema_conformance]
# The spec export answers YAML text (a string in the schema); schemathesis parses a YAML answer
# into an object before validating it, which `type: string` then refuses. Still no 5xx there.
TEXT_ANSWERS = {
    "GET /api/modules/{team}/{name}/versions/{version}/spec.yaml",
    "GET /api/modules/{team}/{name}/versions/{version}/component.yaml",
}


@pytest.fixture
def wsgi(objects: dict[str, list[Any]]) -> Iterator[Any]:
    """Django's WSGI application serving this test's transaction: Django's own test client
    disconnects close_old_connections the same way for each request (it would close the
    connection mid-test); set up after `objects`, whose test client requests reconnect it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def objects(as_alice: Any, acme: Any, settings: Any, tmp_path: Any) -> dict[str, list[Any]]:
    """Real objects of every kind, made through the API; their ids, by path parameter name."""
    settings.ARTIFACT_ROOT = tmp_path / "artifacts"
    make_catalog(acme)
    assert upload_csv(as_alice).status_code == 201
    pipeline = create(as_alice, with_depth(graph()), name="churn")
    assert pipeline.status_code == 201, pipeline.json()
    pk = pipeline.json()["id"]
    run = as_alice.post(f"/api/pipelines/{pk}/runs/", {"parameters": {"depth": 3}}, format="json")
    assert run.status_code == 201, run.json()
    endpoint = as_alice.post(f"/api/pipelines/{pk}/publish/", {"name": "churn"}, format="json")
    assert endpoint.status_code == 201, endpoint.json()
    slug = endpoint.json()["slug"]
    schedule = as_alice.post("/api/schedules/", {"endpoint": slug, "cron": "0 6 * * 1-5"}, format="json")
    assert schedule.status_code == 201, schedule.json()
    return {
        "id": [pk, schedule.json()["id"]],
        "pipeline_id": [pk],
        "run_id": [run.json()["id"]],
        "node": ["split", "train"],
        "number": [1],
        "other": [1],
        "slug": [slug],
        "team": ["acme"],
        "name": ["split", "train"],
        "version": ["1.0.0", "2.0.0"],
        "sha256": [DatasetVersion.objects.get().artifact],
    }


def config_for(token: str, ids: dict[str, list[Any]]) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Token {token}"},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "no-shrink": True},
            "phases": {"stateful": {"enabled": False}},
            "suppress-health-check": ["all"],
            "dictionaries": {name: {"values": values} for name, values in ids.items()},
            "parameters": {f"path.{name}": {"dictionary": name, "probability": 0.8} for name in ids},
        }
    )


@pytest.mark.slow
@pytest.mark.timeout(900)  # ~100 operations x 12 examples: minutes on a busy 2-core machine
def test_no_generated_request_gets_a_5xx_or_an_undocumented_answer(
    wsgi: Any, alice: Any, objects: dict[str, list[Any]]
) -> None:
    _, token = create_token(alice, "schemathesis")
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", wsgi, config=config_for(token, objects), headers={"Authorization": f"Token {token}"}
    )
    seen: dict[str, int] = {}

    def check(case: Any) -> None:
        savepoint = transaction.savepoint()
        try:
            response = case.call()
        finally:
            transaction.savepoint_rollback(savepoint)
        label = case.operation.label
        seen[label] = seen.get(label, 0) + 1
        case.validate_response(response, checks=CHECKS[:1] if label in TEXT_ANSWERS else CHECKS)

    failures: list[str] = []
    operations = 0
    hypothesis_settings = settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
    for result in get_all_tests(schema=schema, test_func=check, settings=hypothesis_settings, given_kwargs={}):
        if not isinstance(result, Ok):
            failures.append(f"schema error: {result.err()}")
            continue
        operation, run = result.ok()
        operations += 1
        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # a check failed: record it, go on with the next
            failures.append(f"{operation.label}:\n{exc}")
    print(f"schemathesis: {sum(seen.values())} requests over {operations} operations")
    assert operations >= 40 and len(seen) == operations, (operations, sorted(seen))
    assert not failures, f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(failures)
