"""The content-addressed artifact store: files and folders by sha256, on the filesystem.

Layout under settings.ARTIFACT_ROOT: `ab/cdef.../` holds one artifact. An artifact is always a
folder (an output port's folder, or a dataset's single file inside one); its sha256 is computed
over the sorted relative paths and file contents, so the same bytes always give the same key.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

CHUNK = 1024 * 1024


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


def hash_folder(folder: Path) -> tuple[str, int]:
    """sha256 over (relative path, size, content) of every file, sorted; and the total size."""
    digest = hashlib.sha256()
    total = 0
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for file in files:
        rel = file.relative_to(folder).as_posix().encode()
        size = file.stat().st_size
        digest.update(len(rel).to_bytes(4, "big") + rel + size.to_bytes(8, "big"))
        with file.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        total += size
    return digest.hexdigest(), total


def store_folder(folder: Path, *, move: bool = False) -> tuple[str, int]:
    """Store a folder's content; returns (sha256, size). Storing the same content twice is free."""
    sha, size = hash_folder(folder)
    target = path_for(sha)
    if target.is_dir():
        if move:
            shutil.rmtree(folder, ignore_errors=True)
        return sha, size
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root(), prefix=".incoming-"))
    try:
        if move:
            staging.rmdir()
            shutil.move(str(folder), staging)
        else:
            staging.rmdir()
            shutil.copytree(folder, staging)
        for p in staging.rglob("*"):
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        try:
            os.rename(staging, target)
        except OSError:  # another writer stored the same content first
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
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
