"""The content digest of a step's image, resolved when the step becomes ready (for its cache key)
and kept per worker process for a short time (`PIPEWRIGHT_IMAGE_ID_TTL` seconds).

The cache key uses the digest, not the tag, so an image rebuilt and re-tagged under the same name
invalidates the cache. The digest is asked of the compute backend of the step's target (Docker:
the engine's image id; local compute runs no image: ""), from the process that computes the key
(the control worker running advance_run). An installation has one Docker engine per target that
every worker reaches (DOCKER_HOST), so the control worker sees the images its compute workers run.
When the digest cannot be resolved (the image is missing or the engine is away) the step gets no
cache key: it is neither reused nor stored, which is never wrong; its explanation says why.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

from runner import compute

UNRESOLVED_TTL = 5.0  # a missing image may be pulled soon: ask again after a few seconds

_lock = threading.Lock()
_known: dict[tuple[str, str], tuple[float, str | None]] = {}


def image_id(target: str, image: str) -> str | None:
    """`image`'s digest on `target` ("sha256:..."), "" for a backend without images, None when unknown."""
    now = time.monotonic()
    with _lock:
        found = _known.get((target, image))
    if found is not None and found[0] > now:
        return found[1]
    backend = compute.backend(target)
    resolve = getattr(backend, "image_id", None)  # a backend without images (e.g. a test double)
    digest = resolve(image) if resolve is not None else ""
    ttl = float(settings.PIPEWRIGHT_IMAGE_ID_TTL) if digest is not None else UNRESOLVED_TTL
    with _lock:
        _known[(target, image)] = (now + ttl, digest)
    return digest


def forget() -> None:
    """Drop every remembered digest (tests, after re-tagging an image)."""
    with _lock:
        _known.clear()
