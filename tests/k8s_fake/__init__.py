"""A fake Kubernetes API server for the Kubernetes Job backend's tests (no cluster is reachable here).

WRITTEN FROM THE KUBERNETES API REFERENCE (batch/v1 Job, core/v1 Pod, watch events, pod log,
DeleteOptions, Status) AND THE DOCUMENTED BEHAVIOUR OF THE JOB CONTROLLER AND KUBELET. IT WAS NOT
RECORDED FROM A CLUSTER: its answers are our reading of the documentation, and a real cluster may
differ in details it does not model (resourceVersions, field ordering, events, finalizers, the
timing of status updates, server-side validation of the Job spec).

What it serves, over plain HTTP on 127.0.0.1, to the official `kubernetes` Python client:
- POST/GET/DELETE `/apis/batch/v1/namespaces/{ns}/jobs[/{name}]`, list with `labelSelector`
  (equality terms only); a second create of the same name is 409 AlreadyExists (a Status object);
  a delete answers a Status and removes the Job's pods unless `propagationPolicy: Orphan`;
- GET `/api/v1/namespaces/{ns}/pods` (list, or `watch=true`, in any case as Go's ParseBool
  reads it, the Python client sends `True`: newline-delimited watch events
  `{"type": "ADDED"|"MODIFIED"|"DELETED", "object": Pod}` until `timeoutSeconds`);
- GET `/api/v1/namespaces/{ns}/pods/{name}/log` (`container`, `follow=true` streams until the
  container terminates).

Each Job gets one pod `<job>-<5 chars>` labelled `job-name` and `controller-uid` plus the template's
labels. The pod's life follows a `Scenario` chosen by the Job's image (`server.script(image, ...)`):
Pending (ContainerCreating) -> Running -> Succeeded/Failed, and the failure cases as the reference
describes them: an image pull error (the container waits with reason ErrImagePull, then
ImagePullBackOff; the Job does not fail on its own), an OOM kill (terminated, reason OOMKilled,
exit code 137; pod phase Failed; Job condition Failed/BackoffLimitExceeded with backoffLimit 0),
an eviction (pod phase Failed, reason Evicted, a message naming the resource), and the Job's
activeDeadlineSeconds passing (Job condition Failed, reason DeadlineExceeded; its pod is killed).
"""

from tests.k8s_fake.server import FakeCluster, Scenario

__all__ = ["FakeCluster", "Scenario"]
