"""Kubernetes compute: one batch/v1 Job per step attempt, through the official `kubernetes` client.

The Job carries the Docker backend's restrictions in Kubernetes terms: non-root (65534), read-only
root filesystem, no privilege escalation, every capability dropped, the RuntimeDefault seccomp
profile, no service-account token, CPU and memory limits from the step's compute settings,
`backoffLimit: 0` (retries are the runner's, one Job per attempt), `activeDeadlineSeconds` from the
step's timeout and `ttlSecondsAfterFinished` so the cluster forgets it. Labels carry the
installation id, run, step run and attempt: the janitor (runner.hosts.fan_out) lists Jobs by the
installation's label and deletes those no running attempt owns.

A pod sees no host folder, so a step's files travel through the S3 artifact store (`StepTransfer`,
a small interface the store implements: presigned GET URLs of tarballs to unpack before the step,
a presigned PUT URL for a tarball of /out after it). An init container unpacks the inputs into
emptyDir volumes (/in, /module); the step container runs the command under a stdlib-only Python
wrapper that uploads /out afterwards and exits with the command's code. The worker then fetches
that tarball into the attempt's work folder and collects outputs exactly as for Docker.

The pod therefore needs egress to the store (and nothing else: docs/operations.md gives the
NetworkPolicy). Failures are named: an image that cannot be pulled (ErrImagePull /
ImagePullBackOff / InvalidImageName), an OOM kill (OOMKilled, exit 137), an eviction (pod phase
Failed, reason Evicted), the deadline (Job condition Failed, reason DeadlineExceeded).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes import watch
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from runner.compute.base import ComputeUnavailable, StepJob, StepOutcome

log = logging.getLogger(__name__)

STEP_LABEL = "pipewright.step"
CONTAINER = "step"
PULL_ERRORS = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull")
UID = 65534
WATCH_SECONDS = 1  # a watch call's server-side timeout: how often should_stop and the Job are checked


@dataclass
class StepTransfer:
    """How a pod gets a step's files and gives back its outputs, all through presigned URLs.

    `inputs`: pod path -> GET URL of a gzip tarball unpacked there before the step
    (`/module`, `/in/<port>`, `/in/params.json`'s folder as `/in/_params`);
    `output_put_url`: PUT URL for a gzip tarball of /out, uploaded after the step exits."""

    inputs: dict[str, str]
    output_put_url: str
    extra_env: dict[str, str] = field(default_factory=dict)


class Transfer(Protocol):
    """What the artifact store provides this backend (implemented by the S3 store)."""

    def send(self, job: StepJob) -> StepTransfer:
        """Upload (or find) the job's module folder, inputs and params; return the URLs."""
        ...

    def receive(self, job: StepJob, transfer: StepTransfer) -> None:
        """Unpack the uploaded /out tarball into `job.out_dir` (raise naming what is missing)."""
        ...

    def forget(self, job: StepJob) -> None:
        """Delete what `send` uploaded and the pod put for this attempt (whatever its outcome)."""
        ...


_transfer: Transfer | None = None


def transfer() -> Transfer | None:
    return _transfer


def use_transfer(transfer: Transfer | None) -> None:
    """Plug the artifact store's transfer in (at startup, where the S3 store is configured)."""
    global _transfer
    _transfer = transfer


# Runs in the init container (python -c): unpack each tarball into its folder. Stdlib only.
FETCH = """
import io, json, os, sys, tarfile, urllib.request
for path, url in sorted(json.loads(os.environ["PIPEWRIGHT_FETCH"]).items()):
    os.makedirs(path, exist_ok=True)
    with urllib.request.urlopen(url, timeout=300) as r:
        tar = tarfile.open(fileobj=io.BytesIO(r.read()), mode="r:gz")
    try:
        tar.extractall(path, filter="data")
    except TypeError:  # a Python without extraction filters (before 3.11.4): our own tarballs
        tar.extractall(path)
"""

# Runs the step (python -c WRAP cmd...): its exit code is the container's; /out is uploaded after.
WRAP = """
import io, os, subprocess, sys, tarfile, urllib.request
code = subprocess.call(sys.argv[1:])
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz") as tar:
    tar.add(os.environ.get("PIPEWRIGHT_OUT", "/out"), arcname=".")
req = urllib.request.Request(os.environ["PIPEWRIGHT_PUT"], data=buf.getvalue(), method="PUT")
try:
    urllib.request.urlopen(req, timeout=300).close()
except Exception as exc:
    print("error: could not upload the outputs: %s" % exc, file=sys.stderr)
    code = code or 1
sys.exit(code)
"""


def api_client() -> k8s.ApiClient:
    """A client for the configured cluster: PIPEWRIGHT_K8S_API (a URL, no auth: tests), else
    PIPEWRIGHT_K8S_KUBECONFIG, else the pod's own service account, else ~/.kube/config."""
    conf = k8s.Configuration()
    try:
        if settings.PIPEWRIGHT_K8S_API:
            conf.host = settings.PIPEWRIGHT_K8S_API
        elif settings.PIPEWRIGHT_K8S_KUBECONFIG:
            k8s_config.load_kube_config(config_file=settings.PIPEWRIGHT_K8S_KUBECONFIG, client_configuration=conf)
        else:
            try:
                k8s_config.load_incluster_config(client_configuration=conf)
            except k8s_config.ConfigException:
                k8s_config.load_kube_config(client_configuration=conf)
    except Exception as exc:
        raise ComputeUnavailable(f"No Kubernetes cluster is configured: {exc}") from exc
    conf.retries = 1
    return k8s.ApiClient(conf)


_clients: dict[tuple[str, str], k8s.ApiClient] = {}
_clients_lock = threading.Lock()


def shared_client() -> k8s.ApiClient:
    """One client (and connection pool) per process and configuration, made on first use."""
    key = (settings.PIPEWRIGHT_K8S_API, settings.PIPEWRIGHT_K8S_KUBECONFIG)
    with _clients_lock:
        if key not in _clients:
            _clients[key] = api_client()
        return _clients[key]


def resources(job: StepJob) -> dict[str, dict[str, str]]:
    limits = {"cpu": f"{int(job.cpu * 1000)}m", "memory": str(int(job.memory_bytes))}
    if job.gpus:
        limits["nvidia.com/gpu"] = str(job.gpus)
    return {"limits": limits, "requests": {"cpu": limits["cpu"], "memory": limits["memory"]}}


def container_security() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": UID,
        "runAsGroup": UID,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def job_manifest(job: StepJob, transfer: StepTransfer, namespace: str, ttl: int) -> dict[str, Any]:
    """The batch/v1 Job for one attempt (a plain dict, as the API reference spells it)."""
    labels = {STEP_LABEL: "1", **job.labels}
    env = {**job.env, **transfer.extra_env}
    env.update(
        PIPEWRIGHT_IN="/in", PIPEWRIGHT_OUT="/out", PIPEWRIGHT_MODULE="/module", PIPEWRIGHT_PARAMS="/in/params.json"
    )
    env.setdefault("HOME", "/tmp")
    env["PIPEWRIGHT_PUT"] = transfer.output_put_url
    mounts = [
        {"name": "in", "mountPath": "/in", "readOnly": True},
        {"name": "module", "mountPath": "/module", "readOnly": True},
        {"name": "out", "mountPath": "/out"},
        {"name": "tmp", "mountPath": "/tmp"},
    ]
    fetch_env = [{"name": "PIPEWRIGHT_FETCH", "value": _json(transfer.inputs)}]
    limits = resources(job)
    small = {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "64Mi"}}
    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": UID,
            "runAsGroup": UID,
            "fsGroup": UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "initContainers": [
            {
                "name": "fetch",
                "image": job.image,
                "command": ["python", "-c", FETCH],
                "env": fetch_env,
                "securityContext": container_security(),
                "resources": small,
                "volumeMounts": [
                    {"name": "in", "mountPath": "/in"},
                    {"name": "module", "mountPath": "/module"},
                    {"name": "tmp", "mountPath": "/tmp"},
                ],
            }
        ],
        "containers": [
            {
                "name": CONTAINER,
                "image": job.image,
                "command": ["python", "-c", WRAP, *job.command],
                "workingDir": "/out",
                "env": [{"name": k, "value": v} for k, v in sorted(env.items())],
                "securityContext": container_security(),
                "resources": limits,
                "volumeMounts": mounts,
            }
        ],
        "volumes": [
            {"name": "in", "emptyDir": {}},
            {"name": "module", "emptyDir": {}},
            {"name": "out", "emptyDir": {}},
            {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
        ],
    }
    if settings.PIPEWRIGHT_K8S_SERVICE_ACCOUNT:
        pod_spec["serviceAccountName"] = settings.PIPEWRIGHT_K8S_SERVICE_ACCOUNT
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": job.name, "namespace": namespace, "labels": labels},
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": int(job.timeout),
            "ttlSecondsAfterFinished": int(ttl),
            "template": {"metadata": {"labels": labels}, "spec": pod_spec},
        },
    }


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def selector(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


@dataclass
class _Seen:
    """What the watch learned about the attempt's pod."""

    pod: str = ""
    running_at: float | None = None
    outcome: StepOutcome | None = None


def pod_outcome(pod: dict[str, Any], memory: int) -> StepOutcome | None:
    """A finished (or hopeless) pod's outcome, or None while it may still run. `pod` is the API's
    JSON (camelCase), as the watch delivers it."""
    status = pod.get("status") or {}
    phase = status.get("phase")
    if phase == "Failed" and status.get("reason") == "Evicted":
        why = status.get("message") or "the node ran short of a resource"
        return StepOutcome(None, f"The step's pod was evicted from its node: {why}")
    for cs in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]:
        waiting = (cs.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in PULL_ERRORS:
            image = cs.get("image") or "the step's image"
            detail = waiting.get("message") or ""
            return StepOutcome(
                None, f"The image {image} could not be pulled ({waiting['reason']}): {detail}".rstrip(": ")
            )
    for cs in status.get("initContainerStatuses") or []:
        term = (cs.get("state") or {}).get("terminated") or {}
        if term and term.get("exitCode", 0) != 0:
            return StepOutcome(None, f"The step's inputs could not be fetched (exit {term.get('exitCode')}).")
    if phase not in ("Succeeded", "Failed"):
        return None
    for cs in status.get("containerStatuses") or []:
        if cs.get("name") != CONTAINER:
            continue
        term = (cs.get("state") or {}).get("terminated") or {}
        code = term.get("exitCode")
        if term.get("reason") == "OOMKilled":
            return StepOutcome(code, f"killed: out of memory (OOMKilled at its {memory // 2**20} MiB limit)")
        if code is not None:
            return StepOutcome(int(code))
    return StepOutcome(None, f"The step's pod ended {phase} without an exit code: {status.get('message', '')}".strip())


def job_failure(job_obj: Any, timeout: int) -> StepOutcome | None:
    """A Job condition that ends the attempt on its own (the deadline)."""
    for cond in (job_obj.status and job_obj.status.conditions) or []:
        if cond.type in ("Failed", "FailureTarget") and cond.status == "True" and cond.reason == "DeadlineExceeded":
            return StepOutcome(None, f"timed out after {timeout} s", timed_out=True)
    return None


class KubernetesBackend:
    target = "kubernetes"

    def __init__(self, api: k8s.ApiClient | None = None) -> None:
        self._api = api

    @property
    def api(self) -> k8s.ApiClient:
        if self._api is None:
            self._api = shared_client()
        return self._api

    @property
    def namespace(self) -> str:
        return str(settings.PIPEWRIGHT_K8S_NAMESPACE)

    def run(self, job: StepJob, on_line: Callable[[str], None], should_stop: Callable[[], bool]) -> StepOutcome:
        if _transfer is None:
            return StepOutcome(
                None, "Kubernetes compute needs the S3 artifact store (PIPEWRIGHT_STORE=s3): pods reach no worker disk."
            )
        transfer = _transfer.send(job)
        batch, core = k8s.BatchV1Api(self.api), k8s.CoreV1Api(self.api)
        body = job_manifest(job, transfer, self.namespace, settings.PIPEWRIGHT_K8S_TTL)
        try:
            try:
                batch.create_namespaced_job(self.namespace, body)
            except ApiException as exc:
                if exc.status != 409:
                    raise
                # a leftover of this very attempt (its worker died after creating it): replace it
                self._delete(job.name, "Foreground", wait=True)
                batch.create_namespaced_job(self.namespace, body)
        except ApiException as exc:
            return StepOutcome(None, f"Kubernetes refused the step's Job: {exc.status} {exc.reason}: {_message(exc)}")
        except (HTTPError, OSError) as exc:
            raise ComputeUnavailable(f"The Kubernetes API is unreachable: {exc}") from exc
        seen = _Seen()
        logs: threading.Thread | None = None
        deadline = time.monotonic() + job.timeout + 30  # the Job's own deadline should come first
        try:
            while seen.outcome is None:
                if should_stop():
                    self.kill(job.name)
                    seen.outcome = StepOutcome(None, "stopped", stopped=True)
                    return seen.outcome
                if time.monotonic() > deadline:
                    return StepOutcome(None, f"timed out after {job.timeout} s", timed_out=True)
                self._watch_pods(core, job, seen)
                if seen.pod and seen.running_at is not None and logs is None:
                    logs = threading.Thread(target=self._follow, args=(core, seen.pod, on_line), daemon=True)
                    logs.start()
                if seen.outcome is None or seen.outcome.exit_code != 0:
                    # the Job's verdict first: at its deadline the controller kills the pod, which
                    # then ends Failed (exit 137) like any other kill
                    seen.outcome = self._job_state(batch, job) or seen.outcome
            outcome = seen.outcome
            if logs is None and seen.pod and seen.running_at is not None:
                self._follow(core, seen.pod, on_line)  # a pod that ran and ended between two looks
            elif logs is not None:
                logs.join(timeout=10)
            outcome.started_at = seen.running_at
            outcome.exited_at = time.time() if seen.running_at is not None else None
            if outcome.exit_code == 0 and not outcome.error:
                _transfer.receive(job, transfer)
            return outcome
        except (HTTPError, OSError) as exc:
            raise ComputeUnavailable(f"The Kubernetes API went away during the step: {exc}") from exc
        finally:
            if seen.outcome is None or not seen.outcome.stopped:
                self._delete(job.name, "Background")
            try:
                _transfer.forget(job)
            except Exception as exc:  # leftovers in the store cost space, never a step
                log.warning("could not delete the transfer objects of %s: %s", job.name, exc)

    def _job_state(self, batch: k8s.BatchV1Api, job: StepJob) -> StepOutcome | None:
        """The Job's own verdict (its deadline), or the news that someone deleted it."""
        try:
            return job_failure(batch.read_namespaced_job(job.name, self.namespace), job.timeout)
        except ApiException as exc:
            if exc.status == 404:
                return StepOutcome(None, "The step's Job was deleted from the cluster while it ran.")
            raise

    def _watch_pods(self, core: k8s.CoreV1Api, job: StepJob, seen: _Seen) -> None:
        """One watch call on the attempt's pods (at most WATCH_SECONDS): note when it runs and
        stop at the first event that ends it."""
        w = watch.Watch()
        stream = w.stream(
            core.list_namespaced_pod,
            self.namespace,
            label_selector=f"job-name={job.name}",
            timeout_seconds=WATCH_SECONDS,
            _request_timeout=WATCH_SECONDS + 5,
        )
        for event in stream:
            raw = event.get("raw_object") or {}
            if event.get("type") == "DELETED" or not raw:
                continue
            seen.pod = raw.get("metadata", {}).get("name", seen.pod)
            phase = (raw.get("status") or {}).get("phase")
            if phase in ("Running", "Succeeded", "Failed") and seen.running_at is None:
                seen.running_at = time.time()
            ended = pod_outcome(raw, job.memory_bytes)
            if ended is not None:
                seen.outcome = ended
                w.stop()
                return

    def _follow(self, core: k8s.CoreV1Api, pod: str, on_line: Callable[[str], None]) -> None:
        """Stream the step container's log to `on_line`, line by line, until it ends."""
        try:
            resp = core.read_namespaced_pod_log(
                pod, self.namespace, container=CONTAINER, follow=True, _preload_content=False
            )
            buf = b""
            for chunk in resp.stream(amt=None, decode_content=False):  # each chunk as it comes
                *lines, buf = (buf + chunk).split(b"\n")
                for line in lines:
                    on_line(line.decode(errors="replace"))
            if buf:
                on_line(buf.decode(errors="replace"))
            resp.release_conn()
        except (ApiException, HTTPError, OSError) as exc:
            log.info("log of pod %s: %s", pod, exc)

    def _delete(self, name: str, policy: str, wait: bool = False) -> None:
        batch = k8s.BatchV1Api(self.api)
        try:
            batch.delete_namespaced_job(name, self.namespace, propagation_policy=policy)
        except ApiException as exc:
            if exc.status != 404:
                log.warning("could not delete Job %s: %s %s", name, exc.status, exc.reason)
            return
        except (HTTPError, OSError) as exc:
            raise ComputeUnavailable(f"The Kubernetes API is unreachable: {exc}") from exc
        until = time.monotonic() + 30
        while wait and time.monotonic() < until:
            try:
                batch.read_namespaced_job(name, self.namespace)
            except ApiException as exc:
                if exc.status == 404:
                    return
            time.sleep(0.2)

    def kill(self, name: str) -> None:
        """Cancel: delete the Job and its pod now (Foreground: the Job goes once its pod has)."""
        self._delete(name, "Foreground")

    def remove(self, name: str) -> None:
        self._delete(name, "Background")

    def running_names(self, labels: dict[str, str] | None = None) -> list[str]:
        """This installation's Jobs (by label), finished ones included: the janitor deletes those
        no running attempt owns."""
        wanted = selector({STEP_LABEL: "1", **(labels or {})})
        try:
            found = k8s.BatchV1Api(self.api).list_namespaced_job(self.namespace, label_selector=wanted)
        except ApiException as exc:
            raise ComputeUnavailable(f"Kubernetes did not list Jobs: {exc.status} {exc.reason}") from exc
        except (HTTPError, OSError) as exc:
            raise ComputeUnavailable(f"The Kubernetes API is unreachable: {exc}") from exc
        return [item.metadata.name for item in found.items]

    def image_id(self, image: str) -> str | None:
        """A digest only when the image is pinned by one (`name@sha256:...`): a tag on a registry
        may move without the worker seeing it, so an unpinned step is never reused from cache."""
        _, at, digest = image.partition("@")
        return digest if at and digest.startswith("sha256:") else None


def _message(exc: ApiException) -> str:
    try:
        return str(json.loads(exc.body or "{}").get("message", ""))
    except ValueError:
        return str(exc.body or "")
