"""A worker's bounded LRU cache of input artifacts, fetched by hash from a remote store.

Layout under its root: `<sha256>/` one verified artifact (read-only modes: folders 0755, files
0644, owned by the worker), `<sha256>.lock` its lock file, `.incoming-*` downloads in progress.

- `pinned(sha, fetch)` holds a shared lock on the entry while a step uses it (its folder is
  mounted into the step); a missing entry is fetched into a private folder, its tree hash checked
  against `sha` (a mismatch raises and keeps nothing), then renamed into place.
- Least recently used entries are evicted when the cache is over its size, each only under an
  exclusive lock that nobody holds: an entry a step has mounted is never removed (the bound is
  soft by what running steps pin). Several worker processes on one host share one cache safely.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from artifacts import store


class CorruptArtifact(RuntimeError):
    """What was fetched does not hash to the key it was fetched by."""


def _size(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


class InputCache:
    def __init__(self, root: Path, max_bytes: int):
        self.root, self.max_bytes = Path(root), max_bytes

    def entry(self, sha: str) -> Path:
        return self.root / sha

    @contextlib.contextmanager
    def pinned(self, sha: str, fetch: Callable[[Path], None]) -> Iterator[Path]:
        """The entry for `sha`, fetched by `fetch(into)` if missing; kept while the context lasts."""
        self.root.mkdir(parents=True, exist_ok=True)
        lock = os.open(self.root / f"{sha}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_SH)
            folder = self.entry(sha)
            if folder.is_dir():
                os.utime(folder)  # recently used
            else:
                self._fetch(sha, fetch)
                self.evict(keep={sha})
            yield folder
        finally:
            os.close(lock)  # releases the lock

    def _fetch(self, sha: str, fetch: Callable[[Path], None]) -> None:
        incoming = Path(tempfile.mkdtemp(dir=self.root, prefix=".incoming-"))
        try:
            fetch(incoming)
            got = store.hash_folder(incoming)[0]
            if got != sha:
                raise CorruptArtifact(f"artifact {sha} fetched from the store hashes to {got}")
            for dirpath, dirs, names in os.walk(incoming):
                for d in dirs:
                    os.chmod(os.path.join(dirpath, d), 0o755)
                for n in names:
                    os.chmod(os.path.join(dirpath, n), 0o644)
            os.chmod(incoming, 0o755)
            with contextlib.suppress(OSError):  # another process put it in place first
                os.rename(incoming, self.entry(sha))
        finally:
            if incoming.exists():
                shutil.rmtree(incoming, ignore_errors=True)

    def entries(self) -> list[tuple[float, str, int]]:
        """(last use, sha, bytes) of every entry, least recently used first."""
        found = []
        for child in self.root.iterdir():
            if child.is_dir() and not child.name.startswith("."):
                with contextlib.suppress(OSError):
                    found.append((child.stat().st_mtime, child.name, _size(child)))
        return sorted(found)

    def evict(self, keep: set[str] | None = None) -> list[str]:
        """Remove least recently used entries nobody holds until the cache fits its size; returns
        the removed keys. Also clears downloads abandoned over an hour ago."""
        now = time.time()
        for child in self.root.glob(".incoming-*"):
            with contextlib.suppress(OSError):
                if now - child.stat().st_mtime > 3600:
                    shutil.rmtree(child, ignore_errors=True)
        found = self.entries()
        total = sum(size for _t, _sha, size in found)
        removed: list[str] = []
        for _used, sha, size in found:
            if total <= self.max_bytes:
                break
            if keep and sha in keep:
                continue
            lock = os.open(self.root / f"{sha}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a step has it mounted
                shutil.rmtree(self.entry(sha), ignore_errors=True)
                total -= size
                removed.append(sha)
            finally:
                os.close(lock)
        return removed
