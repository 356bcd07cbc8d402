"""Docker compute: one locked-down container per step attempt, via the Docker SDK."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import docker
import requests
from django.conf import settings

from runner import background
from runner.compute.base import ComputeUnavailable, StepJob, StepOutcome
from runner.compute.exits import Watcher

log = logging.getLogger(__name__)

LABEL = "pipewright.step"
TMPFS = {"/tmp": "rw,size=64m,mode=1777"}
CHECK_SECONDS = 2.0  # how often a step waiting for its die event also asks the engine directly


_local = threading.local()


def client() -> docker.DockerClient:
    """A Docker client for this thread (reused while the engine answers)."""
    base_url = settings.DOCKER_HOST or None
    cached = getattr(_local, "client", None)
    if cached is not None and getattr(_local, "base_url", None) == base_url:
        return cached
    try:
        c = _new_client(base_url)
        c.ping()
    except Exception as exc:
        where = base_url or "the default socket"
        raise ComputeUnavailable(f"The Docker engine is unreachable at {where}: {exc}") from exc
    _local.client, _local.base_url = c, base_url
    return c


def _forget_client() -> None:
    _local.client = None


def _new_client(base_url: str | None) -> docker.DockerClient:
    c = docker.DockerClient(base_url=base_url, timeout=10) if base_url else docker.from_env(timeout=10)
    if c.api.base_url.startswith("http+docker://"):
        # a unix socket: no proxy or .netrc applies, and requests would look both up in the
        # environment and the home folder on every call (about 0.5 ms each, 4 calls a step)
        c.api.trust_env = False
    return c


def _events_api() -> Any:
    """A client of its own for the `die` event stream (it holds its connection for good)."""
    return _new_client(settings.DOCKER_HOST or None).api


exits = Watcher(_events_api, LABEL)


def _bind(source: object, target: str, *, read_only: bool) -> docker.types.Mount:
    """A bind mount that fails loudly when its source is missing on the engine's host (a `volumes`
    bind would silently create an empty folder there: a step on another host's engine would see
    an empty /in and could still exit 0)."""
    return docker.types.Mount(target=target, source=str(source), type="bind", read_only=read_only)


def mounts(job: StepJob) -> list[docker.types.Mount]:
    found = [_bind(job.module_dir, "/module", read_only=True)]
    found += [_bind(path, f"/in/{port}", read_only=True) for port, path in job.inputs.items()]
    found.append(_bind(job.params_file, "/in/params.json", read_only=True))
    found.append(_bind(job.out_dir, "/out", read_only=False))
    return found


def run_kwargs(job: StepJob) -> dict:
    env = dict(job.env)
    env.update(
        PIPEWRIGHT_IN="/in", PIPEWRIGHT_OUT="/out", PIPEWRIGHT_MODULE="/module", PIPEWRIGHT_PARAMS="/in/params.json"
    )
    env.setdefault("HOME", "/tmp")
    return {
        "image": job.image,
        "command": list(job.command),
        "name": job.name,
        "user": "65534:65534",
        "network_mode": "none",
        "security_opt": ["no-new-privileges"],
        "cap_drop": ["ALL"],
        "read_only": True,
        "tmpfs": TMPFS,
        "mem_limit": int(job.memory_bytes),
        "nano_cpus": int(job.cpu * 1e9),
        "pids_limit": 256,
        "mounts": mounts(job),
        "environment": env,
        "working_dir": "/out",
        "labels": {LABEL: "1", **job.labels},
        "detach": True,
        **(
            {"device_requests": [docker.types.DeviceRequest(count=job.gpus, capabilities=[["gpu"]])]}
            if job.gpus
            else {}
        ),
    }


def create_args(job: StepJob, api_version: str) -> dict[str, Any]:
    """`run_kwargs` translated for the low-level create call, as the SDK's `containers.run` does."""
    from docker.models.containers import _create_container_args

    kwargs = run_kwargs(job)
    kwargs.pop("detach")
    return _create_container_args({**kwargs, "version": api_version})


# A container's cgroup, by its id, on the engine's host: cgroup v2 (cgroupfs and systemd drivers),
# then v1. Readable only where the engine runs on this machine; gone as soon as the container exits.
_CGROUP_V2 = ("/sys/fs/cgroup/docker/{id}", "/sys/fs/cgroup/system.slice/docker-{id}.scope")
_CGROUP_V1 = (
    "/sys/fs/cgroup/cpuacct/docker/{id}/cpuacct.usage",
    "/sys/fs/cgroup/memory/docker/{id}/memory.max_usage_in_bytes",
)


def _read(path: str) -> str | None:
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return None


def cgroup_usage(container_id: str) -> tuple[float | None, int | None]:
    """(CPU seconds, peak memory bytes) the container has used so far, from its cgroup; (None,
    None) when it is not readable here (a remote engine, another layout, or the container gone)."""
    for base in _CGROUP_V2:
        stat = _read(base.format(id=container_id) + "/cpu.stat")
        if stat is not None:
            usec = next((int(line.split()[1]) for line in stat.splitlines() if line.startswith("usage_usec ")), None)
            peak = _read(base.format(id=container_id) + "/memory.peak")
            return (usec / 1e6 if usec is not None else None), (int(peak) if peak and peak.strip().isdigit() else None)
    cpu, mem = (_read(p.format(id=container_id)) for p in _CGROUP_V1)
    return (int(cpu) / 1e9 if cpu else None), (int(mem) if mem else None)


def _attach(api: Any, container_id: str) -> Any:
    """The SDK's `attach(stdout, stderr, stream, logs)`, without the inspect it makes first to learn
    whether the container has a TTY (a step's never has): one engine round trip fewer per step."""
    params = {"logs": 1, "stdout": 1, "stderr": 1, "stream": 1}
    url = api._url("/containers/{0}/attach", container_id)
    response = api._post(url, headers={"Connection": "Upgrade", "Upgrade": "tcp"}, params=params, stream=True)
    return api._read_from_socket(response, True, False, demux=False)


def _remove_quietly(api: Any, container_id: str) -> None:
    with contextlib.suppress(Exception):
        api.remove_container(container_id, force=True)


class DockerBackend:
    target = "docker"

    def run(self, job: StepJob, on_line: Callable[[str], None], should_stop: Callable[[], bool]) -> StepOutcome:
        """Create, attach, start, wait, like `docker run`: the output is attached before the step
        starts (nothing to replay, and the stream ends as the step exits, not after a log poll)."""
        c = client()
        api = c.api
        try:
            try:
                container_id = api.create_container(**create_args(job, api._version))["Id"]
            except docker.errors.APIError as exc:
                if exc.status_code != 409:
                    raise
                # the name is this installation's (it carries its id): a leftover of this very
                # attempt, whose worker died after creating it; replace it
                _remove_quietly(api, job.name)
                container_id = api.create_container(**create_args(job, api._version))["Id"]
        except docker.errors.ImageNotFound:
            return StepOutcome(None, f"The image {job.image} is not available on this Docker engine.")
        except docker.errors.APIError as exc:
            return StepOutcome(None, f"Docker could not create the step's container: {exc.explanation or exc}")
        except Exception as exc:  # the engine went away since the client was made
            _forget_client()
            raise ComputeUnavailable(f"The Docker engine is unreachable: {exc}") from exc
        # the exit from the engine's `die` event when its stream is up (sooner than the wait API)
        watched = exits.watch(container_id)
        try:
            try:
                stream = _attach(api, container_id)
                started = time.time()
                api.start(container_id)
            except docker.errors.APIError as exc:
                return StepOutcome(None, f"Docker could not start the step: {exc.explanation or exc}")

            def pump() -> None:
                buf = b""
                try:
                    for chunk in stream:
                        *lines, buf = (buf + chunk).split(b"\n")
                        for line in lines:
                            on_line(line.decode(errors="replace"))
                except Exception:  # the container went away
                    pass
                if buf:
                    on_line(buf.decode(errors="replace"))

            reader = threading.Thread(target=pump, daemon=True)
            reader.start()
            deadline = time.monotonic() + job.timeout
            outcome: StepOutcome | None = None
            exit_code: int | None = None
            # the cgroup goes with the container: sampled while it runs (the last sample is kept)
            cpu, peak = cgroup_usage(container_id)
            checked = time.monotonic()
            while True:
                if watched is not None and watched.event.wait(0.25):
                    if not watched.lost:
                        exit_code, exited = watched.code, time.time()
                        break
                    watched = None  # the stream broke: ask the wait API from now on
                if watched is not None and time.monotonic() - checked > CHECK_SECONDS:
                    # belt and braces: an exit the stream never announced is found within seconds
                    checked = time.monotonic()
                    with contextlib.suppress(Exception):
                        if not api.inspect_container(container_id)["State"]["Running"]:
                            log.warning("docker: no die event for %s; asking the wait API", job.name)
                            watched = None
                asked = time.monotonic()
                try:
                    if watched is None:
                        exit_code = int(api.wait(container_id, timeout=0.25).get("StatusCode", -1))
                        exited = time.time()
                        break
                except requests.exceptions.ConnectionError:
                    # over a unix socket a wait that times out (the step still runs) is also a
                    # ConnectionError; one that fails at once means the engine is away: ask again soon
                    if time.monotonic() - asked < 0.2:
                        time.sleep(0.5)
                except docker.errors.NotFound:  # removed behind our back (an engine reset, a prune)
                    outcome = StepOutcome(None, "The step's container disappeared from the Docker engine.")
                    break
                except Exception:  # requests ReadTimeout: still running
                    pass
                now_cpu, now_peak = cgroup_usage(container_id)
                cpu, peak = (now_cpu if now_cpu is not None else cpu), (now_peak if now_peak is not None else peak)
                if time.monotonic() > deadline:
                    self.kill(job.name, c)
                    outcome = StepOutcome(None, f"timed out after {job.timeout} s", timed_out=True)
                    break
                if should_stop():
                    self.kill(job.name, c)
                    outcome = StepOutcome(None, "stopped", stopped=True)
                    break
            reader.join(timeout=5)
        finally:
            exits.forget(container_id)
            # removal takes tens of ms; the step's result does not wait for it (the reaper removes
            # any container a crash left behind)
            background.later(_remove_quietly, api, container_id)
        if outcome is not None:
            return outcome
        seen = {"started_at": started, "exited_at": exited, "cpu_seconds": cpu, "peak_memory_bytes": peak}
        if exit_code == 137:
            return StepOutcome(exit_code, "killed (out of memory or by a signal)", **seen)
        return StepOutcome(exit_code, **seen)

    def kill(self, name: str, c: docker.DockerClient | None = None) -> None:
        """Kill a step's container; one that is gone or already stopped needs nothing."""
        try:
            (c or client()).containers.get(name).kill()
        except (docker.errors.NotFound, docker.errors.APIError) as exc:
            log.info("kill %s: %s", name, exc)

    def remove(self, name: str) -> None:
        try:
            client().containers.get(name).remove(force=True)
        except docker.errors.NotFound:
            pass  # removed already: what we wanted
        except docker.errors.APIError as exc:
            log.warning("could not remove container %s: %s", name, exc)
        except requests.exceptions.RequestException as exc:  # a cached client whose engine went away
            _forget_client()
            raise ComputeUnavailable(f"The Docker engine is unreachable: {exc}") from exc

    def image_id(self, image: str) -> str | None:
        """The engine's id of the image (the sha256 of its config: a rebuilt image re-tagged
        under the same name has another one); None when the engine does not have it or is away."""
        try:
            return str(client().images.get(image).id)
        except docker.errors.ImageNotFound:
            return None
        except ComputeUnavailable:
            return None
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            _forget_client()
            log.info("could not resolve image %s: %s", image, exc)
            return None

    def running_names(self, labels: dict[str, str] | None = None) -> list[str]:
        wanted = [LABEL] + [f"{k}={v}" for k, v in (labels or {}).items()]
        try:
            return [
                ct.name for ct in client().containers.list(all=True, filters={"label": wanted}, ignore_removed=True)
            ]
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            _forget_client()
            raise ComputeUnavailable(f"The Docker engine did not list containers: {exc}") from exc
