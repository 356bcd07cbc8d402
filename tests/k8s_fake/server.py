"""The fake API server (see tests/k8s_fake/__init__.py: written from the API reference, not recorded)."""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

PENDING_SECONDS = 0.2  # how long a pod stays Pending (ContainerCreating) before it runs


@dataclass
class Scenario:
    """What a pod of an image does. kind: ok (exits `exit_code`), pull (the image cannot be
    pulled), oom (OOMKilled), evict (evicted), hang (runs until deleted or the deadline)."""

    kind: str = "ok"
    lines: list[str] = field(default_factory=lambda: ["hello from the pod"])
    seconds: float = 0.3  # running time (ok, oom, evict)
    exit_code: int = 0


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}  # fmt: skip


def _matches(labels: dict[str, str], selector: str) -> bool:
    for term in filter(None, selector.split(",")):
        key, _, value = term.partition("=")
        if labels.get(key) != value:
            return False
    return True


class _Pod:
    def __init__(self, job: dict[str, Any], scenario: Scenario) -> None:
        self.job = job
        self.scenario = scenario
        self.name = f"{job['metadata']['name']}-{secrets.token_hex(3)[:5]}"
        self.created = time.monotonic()
        self.killed_at: float | None = None
        labels = dict(job["spec"]["template"]["metadata"].get("labels") or {})
        labels.update({"job-name": job["metadata"]["name"], "controller-uid": job["metadata"]["uid"]})
        self.labels = labels
        self.image = job["spec"]["template"]["spec"]["containers"][0]["image"]

    def elapsed(self) -> float:
        return time.monotonic() - self.created

    def running_for(self) -> float:
        return self.elapsed() - PENDING_SECONDS

    def finished(self) -> bool:
        s = self.scenario
        if self.killed_at is not None:
            return True
        return s.kind in ("ok", "oom", "evict") and self.running_for() >= s.seconds

    def lines_so_far(self) -> list[str]:
        s = self.scenario
        if s.kind == "pull" or self.running_for() < 0:
            return []
        if self.finished() or s.kind == "hang":
            return list(s.lines)
        share = self.running_for() / s.seconds if s.seconds else 1
        return s.lines[: int(len(s.lines) * share)]

    def obj(self, namespace: str) -> dict[str, Any]:
        s, name = self.scenario, self.name
        # required by the reference: name, image, imageID ("" until pulled), ready, restartCount
        cs: dict[str, Any] = {"name": "step", "image": self.image, "imageID": "", "ready": False, "restartCount": 0}
        status: dict[str, Any] = {"phase": "Pending", "startTime": _now()}
        init = {"name": "fetch", "image": self.image, "imageID": "", "ready": False, "restartCount": 0}
        if s.kind == "pull":
            reason = "ErrImagePull" if self.elapsed() < 1 else "ImagePullBackOff"
            message = f'Back-off pulling image "{self.image}"' if reason == "ImagePullBackOff" else (
                f'failed to pull and unpack image "{self.image}": not found')  # fmt: skip
            init["state"] = {"waiting": {"reason": reason, "message": message}}
            cs["state"] = {"waiting": {"reason": "PodInitializing"}}
        elif self.running_for() < 0:
            init["state"] = {"running": {"startedAt": _now()}}
            cs["state"] = {"waiting": {"reason": "PodInitializing"}}
        else:
            init["state"] = {"terminated": {"exitCode": 0, "reason": "Completed"}}
            if not self.finished():
                status["phase"] = "Running"
                cs.update(ready=True, state={"running": {"startedAt": _now()}})
            elif self.killed_at is not None:
                status["phase"] = "Failed"
                cs["state"] = {"terminated": {"exitCode": 137, "reason": "Error", "signal": 9}}
            elif s.kind == "oom":
                status["phase"] = "Failed"
                cs["state"] = {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}
            elif s.kind == "evict":
                status.update(
                    phase="Failed",
                    reason="Evicted",
                    message="The node was low on resource: memory. Threshold quantity: 100Mi, available: 52Mi.",
                )
                cs["state"] = {"terminated": {"exitCode": 137, "reason": "ContainerStatusUnknown"}}
            else:
                status["phase"] = "Succeeded" if s.exit_code == 0 else "Failed"
                reason = "Completed" if s.exit_code == 0 else "Error"
                cs["state"] = {"terminated": {"exitCode": s.exit_code, "reason": reason}}
        status["initContainerStatuses"] = [init]
        status["containerStatuses"] = [cs]
        return {
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": {"name": name, "namespace": namespace, "labels": self.labels, "uid": str(uuid.uuid4())},
            "spec": self.job["spec"]["template"]["spec"],
            "status": status,
        }


class FakeCluster:
    """Start with `FakeCluster().start()`; `url` is the API server's address; `stop()` ends it."""

    def __init__(self) -> None:
        self.jobs: dict[tuple[str, str], dict[str, Any]] = {}
        self.pods: dict[tuple[str, str], _Pod] = {}
        self.created_at: dict[tuple[str, str], float] = {}
        self.scenarios: dict[str, Scenario] = {}
        self.deleted: list[tuple[str, str]] = []  # (job name, propagationPolicy)
        self.created: list[dict[str, Any]] = []  # every Job body as posted
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def script(self, image: str, scenario: Scenario) -> None:
        self.scenarios[image] = scenario

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeCluster:
        cluster = self

        class Handler(_Handler):
            pass

        Handler.cluster = cluster
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # -- the Job controller's view -------------------------------------------------------------

    def job_obj(self, key: tuple[str, str]) -> dict[str, Any]:
        job = json.loads(json.dumps(self.jobs[key]))
        pod = self.pods.get(key)
        conditions: list[dict[str, Any]] = []
        status: dict[str, Any] = {"startTime": _now(), "active": 0, "succeeded": 0, "failed": 0}
        deadline = job["spec"].get("activeDeadlineSeconds")
        age = time.monotonic() - self.created_at[key]
        if pod is not None and deadline is not None and age > deadline and not pod.finished():
            pod.killed_at = time.monotonic()  # the controller kills the active pod
            pod.deadline = True  # type: ignore[attr-defined]
        if pod is not None and getattr(pod, "deadline", False):
            conditions.append(
                {"type": "Failed", "status": "True", "reason": "DeadlineExceeded",
                 "message": "Job was active longer than specified deadline", "lastTransitionTime": _now()}
            )  # fmt: skip
            status["failed"] = 1
        elif pod is not None and pod.finished():
            phase = pod.obj(key[0])["status"]["phase"]
            if phase == "Succeeded":
                conditions.append({"type": "Complete", "status": "True", "lastTransitionTime": _now()})
                status["succeeded"] = 1
            else:
                conditions.append(
                    {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                     "message": "Job has reached the specified backoff limit", "lastTransitionTime": _now()}
                )  # fmt: skip
                status["failed"] = 1
        elif pod is not None:
            status["active"] = 1
        if conditions:
            status["conditions"] = conditions
        job["status"] = status
        return job


class _Handler(BaseHTTPRequestHandler):
    cluster: FakeCluster
    # as the API server: HTTP/1.1, and watches and followed logs in chunked transfer encoding (the
    # client reads each chunk as it comes)
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _start_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _route(self) -> tuple[list[str], dict[str, str]]:
        url = urlparse(self.path)
        return url.path.strip("/").split("/"), {k: v[-1] for k, v in parse_qs(url.query).items()}

    def do_POST(self) -> None:
        parts, _ = self._route()
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if parts[:3] == ["apis", "batch", "v1"] and len(parts) == 6 and parts[5] == "jobs":
            ns, c = parts[4], self.cluster
            name = body["metadata"]["name"]
            with c.lock:
                if (ns, name) in c.jobs:
                    return self._send(409, _status(409, "AlreadyExists", f'jobs.batch "{name}" already exists'))
                body["metadata"].update(namespace=ns, uid=str(uuid.uuid4()), creationTimestamp=_now())
                c.created.append(body)
                c.jobs[(ns, name)] = body
                c.created_at[(ns, name)] = time.monotonic()
                image = body["spec"]["template"]["spec"]["containers"][0]["image"]
                c.pods[(ns, name)] = _Pod(body, c.scenarios.get(image, Scenario()))
                return self._send(201, c.job_obj((ns, name)))
        self._send(404, _status(404, "NotFound", f"no route {self.path}"))

    def do_DELETE(self) -> None:
        parts, query = self._route()
        length = int(self.headers.get("Content-Length") or 0)
        options = json.loads(self.rfile.read(length) or b"{}") if length else {}
        policy = options.get("propagationPolicy") or query.get("propagationPolicy") or "Background"
        if parts[:3] == ["apis", "batch", "v1"] and len(parts) == 7 and parts[5] == "jobs":
            ns, name, c = parts[4], parts[6], self.cluster
            with c.lock:
                if (ns, name) not in c.jobs:
                    return self._send(404, _status(404, "NotFound", f'jobs.batch "{name}" not found'))
                del c.jobs[(ns, name)]
                c.deleted.append((name, policy))
                pod = c.pods.pop((ns, name), None) if policy != "Orphan" else None
                if pod is not None:
                    pod.killed_at = time.monotonic()
            ok = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                  "details": {"name": name, "group": "batch", "kind": "jobs"}}  # fmt: skip
            return self._send(200, ok)
        self._send(404, _status(404, "NotFound", f"no route {self.path}"))

    def do_GET(self) -> None:
        parts, query = self._route()
        c = self.cluster
        if parts[:3] == ["apis", "batch", "v1"] and len(parts) in (6, 7) and parts[5] == "jobs":
            ns = parts[4]
            with c.lock:
                if len(parts) == 7:
                    if (ns, parts[6]) not in c.jobs:
                        return self._send(404, _status(404, "NotFound", f'jobs.batch "{parts[6]}" not found'))
                    return self._send(200, c.job_obj((ns, parts[6])))
                items = [
                    c.job_obj(k)
                    for k, j in c.jobs.items()
                    if k[0] == ns and _matches(j["metadata"].get("labels") or {}, query.get("labelSelector", ""))
                ]
            return self._send(200, {"kind": "JobList", "apiVersion": "batch/v1", "metadata": {}, "items": items})
        if parts[:2] == ["api", "v1"] and len(parts) == 5 and parts[4] == "pods":
            return self._pods(parts[3], query)
        if parts[:2] == ["api", "v1"] and len(parts) == 7 and parts[4] == "pods" and parts[6] == "log":
            return self._log(parts[3], parts[5], query)
        self._send(404, _status(404, "NotFound", f"no route {self.path}"))

    def _matching_pods(self, ns: str, selector: str) -> list[_Pod]:
        c = self.cluster
        with c.lock:
            for key in list(c.jobs):  # the controller's deadline check happens on every look
                c.job_obj(key)
            return [p for k, p in c.pods.items() if k[0] == ns and _matches(p.labels, selector)]

    def _pods(self, ns: str, query: dict[str, str]) -> None:
        selector = query.get("labelSelector", "")
        if query.get("watch", "").lower() not in ("true", "1"):
            items = [p.obj(ns) for p in self._matching_pods(ns, selector)]
            return self._send(200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": items})
        self._start_stream("application/json")
        until = time.monotonic() + float(query.get("timeoutSeconds", "30"))
        last: dict[str, str] = {}
        try:
            while time.monotonic() < until:
                for pod in self._matching_pods(ns, selector):
                    obj = pod.obj(ns)
                    text = json.dumps(obj["status"], sort_keys=True)
                    if last.get(pod.name) != text:
                        kind = "MODIFIED" if pod.name in last else "ADDED"
                        last[pod.name] = text
                        self._chunk(json.dumps({"type": kind, "object": obj}).encode() + b"\n")
                time.sleep(0.05)
            self._end_stream()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _log(self, ns: str, name: str, query: dict[str, str]) -> None:
        c = self.cluster
        with c.lock:
            pod = next((p for p in c.pods.values() if p.name == name), None)
        if pod is None:
            return self._send(404, _status(404, "NotFound", f'pods "{name}" not found'))
        if pod.running_for() < 0 or pod.scenario.kind == "pull":
            msg = f'container "step" in pod "{name}" is waiting to start: PodInitializing'
            return self._send(400, _status(400, "BadRequest", msg))
        self._start_stream("text/plain")
        sent = 0
        try:
            while True:
                lines = pod.lines_so_far()
                if lines[sent:]:
                    self._chunk(b"".join(line.encode() + b"\n" for line in lines[sent:]))
                sent = len(lines)
                if query.get("follow", "").lower() not in ("true", "1") or pod.finished():
                    return self._end_stream()
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            return
