"""On real containers: a node's image override is the image its step runs in, and the cache key
holds the image's content digest, not its tag: an image rebuilt and re-tagged under the same name
is a cache miss, and the explanation names the image change."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
from typing import Any

import docker
import pytest

from runner import cache_explain, images, runs, steplogs
from runner.models import Run, StepRun
from tests.runner.fixtures import IMAGE, make_version, publish_module, step

pytestmark = pytest.mark.docker

FLAVOR = """
import os
flavor = os.environ.get("PW_FLAVOR", "none")
print("flavor", flavor)
open(os.path.join(os.environ["PIPEWRIGHT_OUT"], "data", "flavor.txt"), "w").write(flavor)
"""


@pytest.fixture
def tag() -> Any:
    name = f"pwcache-test-{os.getpid()}:1"
    yield name
    client = docker.from_env()
    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.remove(name, force=True)
    images.forget()


def build(tag: str, flavor: str) -> str:
    """A tiny image derived from the step image (no network: FROM a local image, ENV only)."""
    dockerfile = f"FROM {IMAGE}\nENV PW_FLAVOR={flavor}\n".encode()
    image, _ = docker.from_env().images.build(fileobj=io.BytesIO(dockerfile), tag=tag, rm=True)
    images.forget()  # a worker keeps digests for a while; this test re-tags at once
    return str(image.id)


def _run(version: Any, alice: Any) -> tuple[Run, StepRun]:
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    return run, run.steps.get(node="a")


def test_an_image_override_runs_and_a_retagged_image_misses_the_cache(
    eager: Any, docker_compute: Any, alice: Any, acme: Any, tag: str
) -> None:
    mv = publish_module(acme, "flavor", FLAVOR)
    plain = step("a", mv)
    override = dataclasses.replace(plain, runtime=dataclasses.replace(plain.runtime, image=tag))
    version = make_version(acme, [override])
    one = build(tag, "one")

    run1, a1 = _run(version, alice)
    assert (run1.status, a1.status) == ("succeeded", "succeeded"), (run1.error, a1.error)
    assert "flavor one" in steplogs.text(a1)  # the override is what ran
    assert a1.image_id == one

    _run2, a2 = _run(version, alice)
    assert (a2.status, a2.reused_from_id, a2.cache_key) == ("cached", a1.pk, a1.cache_key)

    two = build(tag, "two")  # rebuilt, same tag
    assert two != one
    run3, a3 = _run(version, alice)
    assert (run3.status, a3.status) == ("succeeded", "succeeded"), (run3.error, a3.error)
    assert "flavor two" in steplogs.text(a3)
    assert a3.cache_key != a1.cache_key and a3.image_id == two
    body = cache_explain.explain(run3, a3)
    assert body["hit"] is False and body["ingredients"]["image_id"] == two
    (diff,) = body["nearest"]["differences"]
    assert diff["ingredient"] == "image" and (diff["was"], diff["now"]) == (one, two)
    assert diff["message"] == f"the image {tag} changed: {one} → {two}"

    # the module's own image (no override) is another key again, and runs the plain image
    _run4, a4 = _run(make_version(acme, [plain]), alice)
    assert a4.status == "succeeded" and "flavor none" in steplogs.text(a4)
    assert a4.image_id == docker.from_env().images.get(IMAGE).id


def test_a_step_whose_image_is_missing_is_neither_reused_nor_stored(
    eager: Any, docker_compute: Any, alice: Any, acme: Any
) -> None:
    mv = publish_module(acme, "flavor", FLAVOR)
    plain = step("a", mv)
    missing = dataclasses.replace(plain, runtime=dataclasses.replace(plain.runtime, image="pwcache-missing:404"))
    run, a = _run(make_version(acme, [missing]), alice)
    assert (a.status, a.cache_key) == ("failed", "")
    assert "pwcache-missing:404 is not available" in a.error
    assert "could not be resolved" in cache_explain.explain(run, a)["reason"]
