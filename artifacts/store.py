"""The content-addressed artifact store: files and folders by sha256, on the filesystem.

Layout under settings.ARTIFACT_ROOT: `ab/cdef.../` holds one artifact. An artifact is always a
folder (an output port's folder, or a dataset's single file inside one); its sha256 is computed
over the sorted relative paths and file contents, so the same bytes always give the same key.

Outputs are data, never links: a folder to store may hold only regular files (with one hard link
each) and folders. A symbolic link, a second hard link, a device, a FIFO or a socket anywhere in
it is refused (`UnsafeEntry`, naming its path). Reading never follows a link (every component is
opened with O_NOFOLLOW, below a folder's file descriptor), storing copies the bytes into files the
store creates itself (a source is never moved, nor its mode changed), and the store changes the
mode of nothing but those files.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings

CHUNK = 1024 * 1024
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK  # a FIFO must not block the open


class UnsafeEntry(ValueError):
    """A folder holds something that is not a regular file or a folder; `path` is relative to it."""

    def __init__(self, path: str, what: str):
        self.path, self.what = path, what
        super().__init__(self.named(path))

    def named(self, path: str) -> str:
        """The message with the entry called `path` (e.g. relative to another folder)."""
        return f"{path} {self.what}; outputs must be regular files and folders"


def _kind(mode: int, nlink: int) -> str | None:
    """Why an entry of this lstat mode cannot be stored, or None when it can."""
    if stat.S_ISLNK(mode):
        return "is a symbolic link"
    if stat.S_ISDIR(mode):
        return None
    if stat.S_ISREG(mode):
        return "is a hard link (it has other names outside the output)" if nlink > 1 else None
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "is a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device file"
    return "is not a regular file"


def root() -> Path:
    path = Path(settings.ARTIFACT_ROOT)
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_for(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256: {sha256!r}")
    return root() / sha256[:2] / sha256[2:]


def exists(sha256: str) -> bool:
    return path_for(sha256).is_dir()


def _open_dir(folder: Path) -> int:
    try:
        return os.open(folder, _DIR)
    except OSError as exc:
        raise UnsafeEntry(".", "is not a folder (or is a symbolic link)") from exc


def _open_below(dir_fd: int, parts: list[str], rel: str) -> int:
    """Open the regular file at `parts` below `dir_fd`, following no link on the way."""
    fds: list[int] = []
    try:
        current = dir_fd
        for part in parts[:-1]:
            try:
                current = os.open(part, _DIR, dir_fd=current)
            except OSError as exc:
                raise UnsafeEntry(rel, "is below a symbolic link or a missing folder") from exc
            fds.append(current)
        try:
            fd = os.open(parts[-1], _FILE, dir_fd=current)
        except PermissionError as exc:
            raise UnsafeEntry(rel, "is not readable by the worker (make output files readable, mode 0644)") from exc
        except OSError as exc:  # ELOOP: a symbolic link
            raise UnsafeEntry(
                rel, "is a symbolic link" if exc.errno == errno.ELOOP else f"cannot be opened ({exc.strerror})"
            )
        st = os.fstat(fd)
        why = _kind(st.st_mode, st.st_nlink)
        if why is not None:
            os.close(fd)
            raise UnsafeEntry(rel, why)
        os.set_blocking(fd, True)
        return fd
    finally:
        for f in fds:
            os.close(f)


def _scan(dir_fd: int, prefix: str, files: list[str], dirs: list[str]) -> None:
    with os.scandir(dir_fd) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        rel = prefix + entry.name
        st = entry.stat(follow_symlinks=False)
        why = _kind(st.st_mode, st.st_nlink)
        if why is not None:
            raise UnsafeEntry(rel, why)
        if stat.S_ISDIR(st.st_mode):
            dirs.append(rel)
            try:
                sub = os.open(entry.name, _DIR, dir_fd=dir_fd)
            except PermissionError as exc:
                raise UnsafeEntry(
                    rel, "is not readable by the worker (make output folders readable, mode 0755)"
                ) from exc
            except OSError as exc:
                raise UnsafeEntry(rel, "changed while being read (a folder became something else)") from exc
            try:
                _scan(sub, rel + "/", files, dirs)
            finally:
                os.close(sub)
        else:
            files.append(rel)


def members(folder: Path) -> tuple[list[str], list[str]]:
    """The relative paths of a folder's files (sorted as the hash reads them) and of its folders;
    raises UnsafeEntry on anything that is not a regular file or a folder. Follows no link."""
    fd = _open_dir(folder)
    files: list[str] = []
    dirs: list[str] = []
    try:
        _scan(fd, "", files, dirs)
    finally:
        os.close(fd)
    return sorted(files, key=lambda rel: rel.split("/")), dirs  # the order of sorted Paths


def open_member(folder: Path, rel: str) -> BinaryIO:
    """A folder's regular file at relative path `rel`, opened for reading without following any
    link (raises UnsafeEntry when it is anything else); the caller closes it."""
    parts = [p for p in rel.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        raise UnsafeEntry(rel, "is not a relative path inside the folder")
    dir_fd = _open_dir(folder)
    try:
        fd = _open_below(dir_fd, parts, rel)
    finally:
        os.close(dir_fd)
    return os.fdopen(fd, "rb")


def _digest_entry(digest: Any, rel: str, size: int) -> None:
    name = rel.encode()
    digest.update(len(name).to_bytes(4, "big") + name + size.to_bytes(8, "big"))


def hash_folder(folder: Path) -> tuple[str, int]:
    """sha256 over (relative path, size, content) of every file, sorted; and the total size."""
    files, _ = members(folder)
    digest = hashlib.sha256()
    total = 0
    for rel in files:
        with open_member(folder, rel) as fh:
            size = os.fstat(fh.fileno()).st_size
            _digest_entry(digest, rel, size)
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        total += size
    return digest.hexdigest(), total


@dataclass(frozen=True)
class Tree:
    """A folder as stored: its sha256 (the key), total size, and each file's path, size and own
    sha256 (what an object store keeps each file under)."""

    sha256: str
    size: int
    files: tuple[tuple[str, int, str], ...]  # (relative path, size, sha256), in hash order

    def as_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "files": [{"path": p, "size": n, "sha256": h} for p, n, h in self.files],
        }


def stage(folder: Path, staging: Path) -> Tree:
    """Copy a folder's content into `staging` (an empty folder the store created), hashing as it
    goes: the tree's hash and each file's. Raises UnsafeEntry on anything but regular files and
    folders; what is hashed is exactly what is copied (a source changing meanwhile is refused)."""
    files, dirs = members(folder)
    for rel in dirs:  # parents first (scan order)
        os.mkdir(staging / rel, 0o755)
    digest = hashlib.sha256()
    total = 0
    entries: list[tuple[str, int, str]] = []
    for rel in files:
        with open_member(folder, rel) as src:
            size = os.fstat(src.fileno()).st_size
            _digest_entry(digest, rel, size)
            own = hashlib.sha256()
            out = os.open(staging / rel, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            with os.fdopen(out, "wb") as dst:
                copied = 0
                while chunk := src.read(CHUNK):
                    copied += len(chunk)
                    dst.write(chunk)
                    digest.update(chunk)
                    own.update(chunk)
                os.fchmod(dst.fileno(), 0o644)  # the store's own new file: never a mode outside it
            if copied != size:
                raise UnsafeEntry(rel, "changed size while being stored")
        total += size
        entries.append((rel, size, own.hexdigest()))
    for rel in [*dirs, ""]:
        os.chmod(staging / rel if rel else staging, 0o755)  # folders the store itself made
    return Tree(digest.hexdigest(), total, tuple(entries))


class TreeHasher:
    """The tree hash computed file by file (paths in hash order), e.g. over downloaded files."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()

    def entry(self, rel: str, size: int) -> None:
        _digest_entry(self.digest, rel, size)

    def update(self, chunk: bytes) -> None:
        self.digest.update(chunk)

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def _copy_in(folder: Path, staging: Path) -> tuple[str, int]:
    tree = stage(folder, staging)
    return tree.sha256, tree.size


def store_folder(folder: Path, *, move: bool = False) -> tuple[str, int]:
    """Store a folder's content; returns (sha256, size). Storing the same content twice is free.

    The bytes are copied into files the store creates (so a source owned by another user, e.g. a
    container's, needs only to be readable); with `move`, the source folder is removed afterwards.
    Raises UnsafeEntry (storing nothing) when the folder holds anything but regular files and folders.
    """
    staging = Path(tempfile.mkdtemp(dir=root(), prefix=".incoming-"))
    try:
        sha, size = _copy_in(folder, staging)
        target = path_for(sha)
        if not target.is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):  # another writer stored the same content first
                os.rename(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    if move:
        shutil.rmtree(folder, ignore_errors=True)  # rmtree removes links, never what they point to
    return sha, size


def store_stream(stream: BinaryIO, filename: str, *, max_bytes: int | None = None) -> tuple[str, int]:
    """Store one uploaded file as an artifact folder holding it; raises ValueError past max_bytes."""
    safe = Path(filename).name or "data"
    with tempfile.TemporaryDirectory(dir=root(), prefix=".upload-") as tmp:
        dest = Path(tmp) / "content"
        dest.mkdir()
        written = 0
        with (dest / safe).open("wb") as fh:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if max_bytes is not None and written > max_bytes:
                    raise ValueError(f"file is larger than {max_bytes} bytes")
                fh.write(chunk)
        return store_folder(dest, move=True)
