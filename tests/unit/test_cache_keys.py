"""Cache keys (runner.cachekeys) and the other pure pieces of the runner: no database, no compute."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from compiler.plan import InputBinding, Plan, Runtime, Step
from runner import compute
from runner.cachekeys import cache_key, canonical, input_hashes
from runner.compute.base import StepJob
from runner.compute.docker import run_kwargs
from runner.runs import descendants


def _step(node: str, *upstream: str, artifact: str = "") -> Step:
    inputs = tuple(
        InputBinding(port=f"in{i}", type="DataFrame", source_node=u, source_port="data") for i, u in enumerate(upstream)
    )
    if artifact:
        inputs += (InputBinding(port="file", type="DataFrame", artifact=artifact),)
    return Step(
        node=node,
        module="acme/m",
        version="1.0.0",
        module_version_id=1,
        digest="d" * 64,
        deterministic=True,
        params={},
        inputs=inputs,
        outputs=(("data", "DataFrame"),),
        runtime=Runtime(
            image="img", command=("python3", "/module/main.py"), env=(), cpu=1.0, memory_bytes=1, timeout=60, retries=0
        ),
    )


def test_the_key_ignores_key_order_but_not_values() -> None:
    a = cache_key("d1", {"x": 1, "y": [1, 2]}, {"in0": "s1", "in1": "s2"})
    assert a == cache_key("d1", {"y": [1, 2], "x": 1}, {"in1": "s2", "in0": "s1"})
    assert len(a) == 64 and int(a, 16) >= 0
    assert a != cache_key("d2", {"x": 1, "y": [1, 2]}, {"in0": "s1", "in1": "s2"})  # another module build
    assert a != cache_key("d1", {"x": 2, "y": [1, 2]}, {"in0": "s1", "in1": "s2"})  # another parameter
    assert a != cache_key("d1", {"x": 1, "y": [1, 2]}, {"in0": "s1", "in1": "s3"})  # other input bytes
    assert cache_key("d1", {"x": 1}, {}) != cache_key("d1", {"x": 1.5}, {})


def test_canonical_json_is_compact_sorted_and_unicode() -> None:
    assert canonical({"b": 1, "a": "é"}) == '{"a":"é","b":1}'


def test_input_hashes_come_from_upstream_outputs_and_pinned_artifacts() -> None:
    rows: dict[str, Any] = {"a": SimpleNamespace(outputs={"data": "sha-a"}), "b": SimpleNamespace(outputs={})}
    assert input_hashes(_step("c", "a", "b", artifact="sha-file"), rows) == {
        "in0": "sha-a",
        "in1": "",  # an upstream that produced nothing: never a cache hit on someone else's bytes
        "file": "sha-file",
    }


def test_descendants_follow_the_topological_order() -> None:
    plan = Plan(steps=(_step("a"), _step("b", "a"), _step("c"), _step("d", "b", "c")), parameters=())
    assert descendants(plan, "b") == {"b", "d"}
    assert descendants(plan, "a") == {"a", "b", "d"}
    assert descendants(plan, "d") == {"d"}


def test_queues_name_their_compute_target() -> None:
    assert compute.target_of(compute.queue_for("local")) == "local"
    assert compute.target_of(compute.queue_for("docker")) == "docker"


def test_a_docker_step_is_locked_down(tmp_path: Path) -> None:
    job = StepJob(
        name="pw-x-1-1",
        image="img",
        command=["python3", "/module/main.py"],
        env={"A": "1"},
        cpu=0.5,
        memory_bytes=256 * 1024**2,
        timeout=60,
        module_dir=tmp_path / "module",
        inputs={"in0": tmp_path / "sha"},
        params_file=tmp_path / "in" / "params.json",
        out_dir=tmp_path / "out",
        labels={"pipewright.run": "7"},
    )
    kw = run_kwargs(job)
    assert kw["user"] == "65534:65534" and kw["network_mode"] == "none" and kw["read_only"] is True
    assert kw["cap_drop"] == ["ALL"] and kw["security_opt"] == ["no-new-privileges"] and kw["pids_limit"] == 256
    assert kw["mem_limit"] == 256 * 1024**2 and kw["nano_cpus"] == 5 * 10**8
    binds = {m["Target"]: (m["Source"], m["ReadOnly"], m["Type"]) for m in kw["mounts"]}
    assert "volumes" not in kw  # a `volumes` bind would create a missing source silently
    assert binds["/module"] == (str(tmp_path / "module"), True, "bind")
    assert binds["/in/in0"] == (str(tmp_path / "sha"), True, "bind")
    assert binds["/out"] == (str(tmp_path / "out"), False, "bind")
    assert kw["environment"]["A"] == "1" and kw["environment"]["PIPEWRIGHT_OUT"] == "/out"
    assert kw["labels"]["pipewright.run"] == "7" and kw["labels"]["pipewright.step"] == "1"
    assert "device_requests" not in kw  # no GPU asked for


def test_gpus_are_a_device_request(tmp_path: Path) -> None:
    job = StepJob(
        name="pw-x-1-1",
        image="img",
        command=["python3", "/module/main.py"],
        env={},
        cpu=1,
        memory_bytes=256 * 1024**2,
        timeout=60,
        module_dir=tmp_path,
        inputs={},
        params_file=tmp_path / "params.json",
        out_dir=tmp_path,
        gpus=2,
    )
    (request,) = run_kwargs(job)["device_requests"]
    assert request["Count"] == 2 and request["Capabilities"] == [["gpu"]]


def test_the_image_digest_is_an_ingredient_and_compute_sizes_are_not() -> None:
    base = cache_key("d1", {"x": 1}, {"in0": "s1"}, "sha256:aaa")
    assert base == cache_key("d1", {"x": 1}, {"in0": "s1"}, "sha256:aaa")
    assert base != cache_key("d1", {"x": 1}, {"in0": "s1"}, "sha256:bbb")  # a rebuilt image
    assert base != cache_key("d1", {"x": 1}, {"in0": "s1"})  # a key made without an image
    # cpu, memory, timeout, retries and GPUs are not arguments of the key at all: by design
    assert set(cache_key.__code__.co_varnames[: cache_key.__code__.co_argcount]) == {
        "digest",
        "params",
        "input_hashes",
        "image",
    }
