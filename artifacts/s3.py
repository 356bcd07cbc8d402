"""The artifact store on any S3-compatible server (AWS S3, MinIO, SeaweedFS, ...), via boto3.

Keys under the configured prefix:
- `blobs/<file sha256>`: each file's bytes, by its own hash (the same file in two trees is kept
  once);
- `trees/<tree sha256>.json`: the manifest `{"sha256", "size", "files": [{"path", "size",
  "sha256"}]}`, written last with a conditional put (`If-None-Match: *`). The manifest is the
  commit: a tree whose manifest is absent does not exist, so a writer that dies mid-upload leaves
  only unreferenced blobs and nothing visible. A 412 answer means the same content was committed
  first (same key, same bytes): that is success. SeaweedFS 4.x, MinIO and AWS honour the
  condition (tests/unit/test_stores.py checks it against SeaweedFS).

A worker reads trees through its bounded LRU `InputCache` (`local_folder`), verified by hash.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import boto3
import botocore.exceptions
from botocore.config import Config
from django.conf import settings

from artifacts import store
from artifacts.cache import InputCache
from artifacts.stores import File, StoreUnavailable, make_staging, spool_upload, valid_sha

T = TypeVar("T")
MULTIPART_BYTES = 16 * 1024 * 1024  # files above this go through boto3's transfer manager
ASK_FIRST_BYTES = 256 * 1024  # a file above this is looked for (HEAD) before it is uploaded
PARALLEL = 4  # files of one tree moved at once


@dataclass(frozen=True)
class S3Config:
    endpoint: str
    bucket: str
    prefix: str
    access_key: str
    secret_key: str
    region: str
    cache_dir: str
    cache_bytes: int


def config_from_settings() -> S3Config:
    prefix = settings.PIPEWRIGHT_S3_PREFIX.strip("/")
    return S3Config(
        endpoint=settings.PIPEWRIGHT_S3_ENDPOINT,
        bucket=settings.PIPEWRIGHT_S3_BUCKET,
        prefix=f"{prefix}/" if prefix else "",
        access_key=settings.PIPEWRIGHT_S3_ACCESS_KEY,
        secret_key=settings.PIPEWRIGHT_S3_SECRET_KEY,
        region=settings.PIPEWRIGHT_S3_REGION,
        cache_dir=str(settings.PIPEWRIGHT_INPUT_CACHE_DIR),
        cache_bytes=int(settings.PIPEWRIGHT_INPUT_CACHE_BYTES),
    )


def _code(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: botocore.exceptions.ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def reachable(method: Callable[..., T]) -> Callable[..., T]:
    """Turn the server's absence (no connection, a timeout, a 5xx) into StoreUnavailable."""

    @functools.wraps(method)
    def wrapper(self: S3Store, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except botocore.exceptions.BotoCoreError as exc:
            raise StoreUnavailable(
                f"The artifact store (S3 at {self.config.endpoint or 'AWS'}) is unreachable: {exc}"
            ) from exc
        except botocore.exceptions.ClientError as exc:
            if _status(exc) < 500:
                raise
            raise StoreUnavailable(f"The artifact store (S3 at {self.config.endpoint or 'AWS'}) failed: {exc}") from exc

    return wrapper


class _Reader(io.RawIOBase):
    """A GET's body as a raw stream (wrapped in a BufferedReader by `open`)."""

    def __init__(self, body: Any):
        self.body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.body.close()
        super().close()


class S3Store:
    kind = "s3"

    def __init__(self, config: S3Config):
        self.config = config
        self.client = boto3.client(
            "s3",
            endpoint_url=config.endpoint or None,
            aws_access_key_id=config.access_key or None,
            aws_secret_access_key=config.secret_key or None,
            region_name=config.region or "us-east-1",
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                retries={"mode": "standard"},
                max_pool_connections=PARALLEL * 2,
                # the tree hash is verified on every fetch: no per-request CRC on top
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        self.bucket = config.bucket
        self.cache = InputCache(Path(config.cache_dir), config.cache_bytes)
        self._committed: set[str] = set()  # trees are immutable once committed
        self._bucket_ready = False

    # -- keys -------------------------------------------------------------------------------

    def tree_key(self, sha: str) -> str:
        return f"{self.config.prefix}trees/{valid_sha(sha)}.json"

    def blob_key(self, sha: str) -> str:
        return f"{self.config.prefix}blobs/{valid_sha(sha)}"

    def ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except botocore.exceptions.ClientError as exc:
            if _status(exc) != 404:
                raise
            with contextlib.suppress(self.client.exceptions.BucketAlreadyOwnedByYou):
                self.client.create_bucket(Bucket=self.bucket)
        self._bucket_ready = True

    # -- reading ----------------------------------------------------------------------------

    @reachable
    def manifest(self, sha: str) -> dict[str, Any] | None:
        """The committed manifest of a tree, or None."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.tree_key(sha))["Body"]
        except botocore.exceptions.ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404", "NoSuchBucket") or _status(exc) == 404:
                return None
            raise
        with contextlib.closing(body):
            data: dict[str, Any] = json.loads(body.read())
        self._committed.add(sha)
        return data

    @reachable
    def exists(self, sha256: str) -> bool:
        if sha256 in self._committed:
            return True
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.tree_key(sha256))
        except botocore.exceptions.ClientError as exc:
            if _status(exc) == 404:
                return False
            raise
        self._committed.add(sha256)
        return True

    def files(self, sha256: str) -> list[File]:
        found = self.manifest(sha256)
        return [File(f["path"], int(f["size"])) for f in found["files"]] if found else []

    def _file_sha(self, sha256: str, rel: str) -> str:
        found = self.manifest(sha256)
        for f in (found or {}).get("files", []):
            if f["path"] == rel:
                return str(f["sha256"])
        raise FileNotFoundError(f"{sha256}/{rel}")

    @reachable
    def open(self, sha256: str, rel: str) -> BinaryIO:
        body = self.client.get_object(Bucket=self.bucket, Key=self.blob_key(self._file_sha(sha256, rel)))["Body"]
        return io.BufferedReader(_Reader(body), buffer_size=store.CHUNK)  # type: ignore[return-value]

    def presign(self, sha256: str, rel: str, *, expires: int = 3600) -> str | None:
        key = self.blob_key(self._file_sha(sha256, rel))
        return str(
            self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires
            )
        )

    def presign_put(self, key: str, *, expires: int = 3600) -> str:
        """A URL a pod may PUT one object to (e.g. an output tarball under `incoming/`)."""
        return str(
            self.client.generate_presigned_url(
                "put_object", Params={"Bucket": self.bucket, "Key": f"{self.config.prefix}{key}"}, ExpiresIn=expires
            )
        )

    def input_urls(self, sha256: str, *, expires: int = 3600) -> dict[str, str]:
        """A presigned GET URL for each file of a committed tree, by relative path: what a pod
        (a step running where this worker's disk is not) downloads its input from."""
        return {f.path: str(self.presign(sha256, f.path, expires=expires)) for f in self.files(sha256)}

    def take_tarball(self, key: str, into: Path) -> None:
        """Unpack the tar object at `key` (under the prefix; e.g. a pod's outputs PUT to a
        `presign_put` URL) into the empty folder `into`, then delete the object. Members that
        would land outside `into`, devices and absolute links are refused (tarfile's "data"
        filter); the caller then stores ports with `put_folder`, whose walk refuses any link."""
        full = f"{self.config.prefix}{key}"
        with tempfile.TemporaryFile() as spool:
            self.client.download_fileobj(self.bucket, full, spool)
            spool.seek(0)
            with tarfile.open(fileobj=spool, mode="r:*") as tar:
                tar.extractall(into, filter="data")
        self.client.delete_object(Bucket=self.bucket, Key=full)

    def fetch_into(self, sha256: str, into: Path) -> None:
        """Download a committed tree's files into the empty folder `into` (streamed to disk)."""
        found = self.manifest(sha256)
        if found is None:
            raise FileNotFoundError(f"artifact {sha256} is missing from the store")
        jobs = []
        for f in found["files"]:
            parts = [p for p in f["path"].split("/") if p]
            if not parts or any(p in (".", "..") for p in parts):
                raise store.UnsafeEntry(f["path"], "is not a relative path inside the artifact")
            target = into.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            jobs.append((target, f))
        with ThreadPoolExecutor(PARALLEL) as pool:
            list(pool.map(lambda job: self._get_blob(*job), jobs))

    def _get_blob(self, target: Path, f: dict[str, Any]) -> None:
        with open(target, "xb") as fh:
            if int(f["size"]) <= MULTIPART_BYTES:  # one GET streamed to disk (no transfer pool)
                body = self.client.get_object(Bucket=self.bucket, Key=self.blob_key(f["sha256"]))["Body"]
                with contextlib.closing(body):
                    while chunk := body.read(store.CHUNK):
                        fh.write(chunk)
            else:  # ranged GETs in parallel
                self.client.download_fileobj(self.bucket, self.blob_key(f["sha256"]), fh)

    @contextlib.contextmanager
    def local_folder(self, sha256: str) -> Iterator[Path]:
        """The input cache's entry (no request at all when it is there; else fetched by hash,
        verified; FileNotFoundError when the tree is not committed)."""
        with self.cache.pinned(sha256, lambda into: self.fetch_into(sha256, into)) as folder:
            yield folder

    # -- writing ----------------------------------------------------------------------------

    def _put_blob(self, path: Path, sha: str) -> None:
        key = self.blob_key(sha)
        if path.stat().st_size > ASK_FIRST_BYTES:  # a small file is cheaper to send again than to ask
            try:
                self.client.head_object(Bucket=self.bucket, Key=key)
                return  # content addressed: the same bytes are there already
            except botocore.exceptions.ClientError as exc:
                if _status(exc) != 404:
                    raise
        if path.stat().st_size <= MULTIPART_BYTES:  # one PUT, streamed from the file
            with path.open("rb") as fh:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=fh)
        else:  # a multipart upload, parts in parallel
            self.client.upload_file(str(path), self.bucket, key)

    def commit(self, tree: store.Tree) -> None:
        """Write the manifest last, only if absent: the commit of the tree."""
        body = json.dumps(tree.as_json(), separators=(",", ":")).encode()
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.tree_key(tree.sha256),
                Body=body,
                ContentType="application/json",
                IfNoneMatch="*",
            )
        except botocore.exceptions.ClientError as exc:
            if _status(exc) not in (409, 412):  # 412: committed first by another writer (same bytes)
                raise
        self._committed.add(tree.sha256)

    def put_staged(self, staging: Path, tree: store.Tree) -> None:
        """Upload a folder `store.stage` made (the store's own files: nothing changes them), then
        commit it."""
        self.ensure_bucket()
        if self.exists(tree.sha256):
            return
        with ThreadPoolExecutor(PARALLEL) as pool:
            list(pool.map(lambda entry: self._put_blob(staging / entry[0], entry[2]), tree.files))
        self.commit(tree)  # only after every file is there

    @reachable
    def put_folder(self, folder: Path, *, move: bool = False) -> tuple[str, int]:
        staging = make_staging(".s3-")
        os.chmod(staging, 0o700)
        try:
            inner = staging / "tree"
            inner.mkdir()
            tree = store.stage(folder, inner)
            self.put_staged(inner, tree)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if move:
            shutil.rmtree(folder, ignore_errors=True)
        return tree.sha256, tree.size

    @reachable
    def put_stream(self, stream: BinaryIO, filename: str, *, max_bytes: int | None = None) -> tuple[str, int]:
        spool = make_staging(".upload-")
        try:
            return self.put_folder(spool_upload(stream, filename, spool, max_bytes), move=True)
        finally:
            shutil.rmtree(spool, ignore_errors=True)

    def delete(self, sha256: str) -> None:
        """Forget a tree (its manifest; blobs other trees share stay)."""
        self.client.delete_object(Bucket=self.bucket, Key=self.tree_key(sha256))
        self._committed.discard(sha256)
