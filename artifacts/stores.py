"""The artifact store interface and its choice by settings: `artifacts.backend.current()` is the store
this process uses (PIPEWRIGHT_STORE=local, the folder under ARTIFACT_ROOT, or s3, any S3-compatible server).

An artifact is a tree of files keyed by its sha256 (`artifacts.store.Tree`: sorted relative
paths, sizes and contents). Every implementation keeps the same rules:

- `put_folder` copies a folder with the hardened walk of `artifacts.store` (no link, device, FIFO
  or socket is followed or stored: `UnsafeEntry`), hashing exactly what it copies, then commits
  the tree; a tree is visible (`exists`, `files`, `open`) only once committed, and committing the
  same content twice is free.
- `files` and `open` stream: nothing loads a whole artifact in memory.
- `local_folder` gives a worker a read-only local folder holding the artifact, for as long as the
  context lasts (the local store: the stored folder itself; S3: an entry of the worker's bounded
  LRU input cache, fetched by hash and verified).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from django.conf import settings

from artifacts import store
from pipewright.errors import DomainError


class StoreUnavailable(DomainError):
    """The artifact store does not answer (a 503 to an API client; a step fails saying so)."""

    status_code = 503


@dataclass(frozen=True)
class File:
    path: str  # relative to the artifact
    size: int


class ArtifactStore(Protocol):
    kind: str

    def exists(self, sha256: str) -> bool: ...

    def files(self, sha256: str) -> list[File]:
        """The artifact's files in hash order; [] when it is not committed. May raise UnsafeEntry."""
        ...

    def open(self, sha256: str, rel: str) -> BinaryIO:
        """A streaming reader of one file (the caller closes it); FileNotFoundError if none."""
        ...

    def put_folder(self, folder: Path, *, move: bool = False) -> tuple[str, int]:
        """Store and commit a folder's content; (sha256, size). UnsafeEntry stores nothing."""
        ...

    def put_stream(self, stream: BinaryIO, filename: str, *, max_bytes: int | None = None) -> tuple[str, int]:
        """Store one uploaded file as an artifact holding it; ValueError past max_bytes."""
        ...

    def local_folder(self, sha256: str) -> contextlib.AbstractContextManager[Path]:
        """A local read-only folder holding the artifact while the context lasts."""
        ...

    def presign(self, sha256: str, rel: str, *, expires: int = 3600) -> str | None:
        """A URL anyone holding it may GET the file from for `expires` seconds (None: the store
        has no such URLs, e.g. a local folder)."""
        ...

    def delete(self, sha256: str) -> None: ...


def valid_sha(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256: {sha256!r}")
    return sha256


class LocalStore:
    """The folder under ARTIFACT_ROOT (`artifacts.store`): the default of `make run`."""

    kind = "local"

    def exists(self, sha256: str) -> bool:
        return store.exists(sha256)

    def files(self, sha256: str) -> list[File]:
        folder = store.path_for(sha256)
        if not folder.is_dir():
            return []
        out = []
        for rel in store.members(folder)[0]:
            with store.open_member(folder, rel) as fh:
                out.append(File(rel, os.fstat(fh.fileno()).st_size))
        return out

    def open(self, sha256: str, rel: str) -> BinaryIO:
        folder = store.path_for(sha256)
        if not folder.is_dir() or not os.path.lexists(folder / rel):
            raise FileNotFoundError(f"{sha256}/{rel}")
        return store.open_member(folder, rel)  # never through a link (UnsafeEntry)

    def put_folder(self, folder: Path, *, move: bool = False) -> tuple[str, int]:
        return store.store_folder(folder, move=move)

    def put_stream(self, stream: BinaryIO, filename: str, *, max_bytes: int | None = None) -> tuple[str, int]:
        return store.store_stream(stream, filename, max_bytes=max_bytes)

    @contextlib.contextmanager
    def local_folder(self, sha256: str) -> Iterator[Path]:
        folder = store.path_for(sha256)
        if not folder.is_dir():
            raise FileNotFoundError(f"artifact {sha256} is missing from the store")
        yield folder

    def presign(self, sha256: str, rel: str, *, expires: int = 3600) -> str | None:
        return None

    def delete(self, sha256: str) -> None:
        shutil.rmtree(store.path_for(sha256), ignore_errors=True)


def spool_upload(stream: BinaryIO, filename: str, into: Path, max_bytes: int | None) -> Path:
    """Write an uploaded stream chunk by chunk into `into`/content/<name>; the folder to store."""
    dest = into / "content"
    dest.mkdir()
    written = 0
    with (dest / (Path(filename).name or "data")).open("wb") as fh:
        while chunk := stream.read(store.CHUNK):
            written += len(chunk)
            if max_bytes is not None and written > max_bytes:
                raise ValueError(f"file is larger than {max_bytes} bytes")
            fh.write(chunk)
    return dest


def scratch_dir() -> Path:
    """A local folder for staging (uploads, outputs being copied): beside the work folders."""
    path = Path(settings.WORK_ROOT) / ".staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def make_staging(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(dir=scratch_dir(), prefix=prefix))


STAGING_MAX_AGE = 6 * 3600  # seconds since anything in it was last written


def _newest_write(path: Path) -> float:
    newest = path.lstat().st_mtime
    for dirpath, dirs, names in os.walk(path):
        for name in dirs + names:
            with contextlib.suppress(OSError):
                newest = max(newest, os.lstat(os.path.join(dirpath, name)).st_mtime)
    return newest


def sweep_staging(max_age: float = STAGING_MAX_AGE, now: float | None = None) -> int:
    """Remove staging folders a crashed process left on this machine: the scratch folder's
    entries and the local store's `.incoming-*` copies in which nothing was written for
    `max_age` seconds (a live upload or copy writes all the time). Returns how many went."""
    now = time.time() if now is None else now
    candidates: list[Path] = []
    with contextlib.suppress(FileNotFoundError):
        candidates += list((Path(settings.WORK_ROOT) / ".staging").iterdir())
    with contextlib.suppress(FileNotFoundError):
        candidates += list(Path(settings.ARTIFACT_ROOT).glob(".incoming-*"))
    removed = 0
    for path in candidates:
        try:
            if now - _newest_write(path) <= max_age:
                continue
        except OSError:
            continue  # gone meanwhile
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed
