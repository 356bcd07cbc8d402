"""The Kubernetes backend's file transfer over any object store that can presign URLs.

`ObjectStoreTransfer(store)` implements runner.compute.kubernetes.Transfer with five primitives of
an S3-like store (`ObjectStore`): for one attempt it uploads gzip tarballs of the module folder,
each input folder and the params file under `transfers/<attempt name>/`, hands the pod presigned
GET URLs for them and a presigned PUT URL for the tarball of /out, and afterwards unpacks that
tarball into the attempt's work folder (no links, no device files, nothing outside it) and deletes
the attempt's transfer objects. Plug it in where the S3 store is configured:

    kubernetes.use_transfer(ObjectStoreTransfer(adapter_of_the_s3_store))
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any, Protocol

from runner.compute.base import StepJob
from runner.compute.kubernetes import StepTransfer

URL_SECONDS = 6 * 3600  # presigned URLs outlive the longest step
PREFIX = "transfers"


class ObjectStore(Protocol):
    def put_bytes(self, key: str, data: bytes) -> None: ...

    def get_bytes(self, key: str) -> bytes: ...

    def presigned_get(self, key: str, seconds: int) -> str: ...

    def presigned_put(self, key: str, seconds: int) -> str: ...

    def delete(self, key: str) -> None: ...


class S3Objects:
    """`ObjectStore` over the S3 artifact store's bucket and prefix (artifacts.s3.S3Store)."""

    def __init__(self, s3: Any) -> None:
        self.s3 = s3

    def _key(self, key: str) -> str:
        return f"{self.s3.config.prefix}{key}"

    def put_bytes(self, key: str, data: bytes) -> None:
        self.s3.ensure_bucket()
        self.s3.client.put_object(Bucket=self.s3.bucket, Key=self._key(key), Body=data)

    def get_bytes(self, key: str) -> bytes:
        return bytes(self.s3.client.get_object(Bucket=self.s3.bucket, Key=self._key(key))["Body"].read())

    def presigned_get(self, key: str, seconds: int) -> str:
        params = {"Bucket": self.s3.bucket, "Key": self._key(key)}
        return str(self.s3.client.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds))

    def presigned_put(self, key: str, seconds: int) -> str:
        return str(self.s3.presign_put(key, expires=seconds))

    def delete(self, key: str) -> None:
        self.s3.client.delete_object(Bucket=self.s3.bucket, Key=self._key(key))


def pack(folder: Path, only: str | None = None) -> bytes:
    """A gzip tarball of `folder` (or of its one entry `only`), paths relative to it."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        if only is not None:
            tar.add(folder / only, arcname=only)
        else:
            tar.add(folder, arcname=".")
    return buf.getvalue()


def unpack(data: bytes, into: Path) -> None:
    """Unpack a step's /out tarball: regular files and folders only, all inside `into`."""
    root = into.resolve()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            target = (root / member.name).resolve()
            if target != root and root not in target.parents:
                raise RuntimeError(f"output folder /out: {member.name} points outside it")
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                target.write_bytes(source.read())
                target.chmod(0o644)
            else:
                raise RuntimeError(f"output folder /out: {member.name} is not a regular file or a folder")


class ObjectStoreTransfer:
    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    def _key(self, job: StepJob, name: str) -> str:
        return f"{PREFIX}/{job.name}/{name}.tar.gz"

    def _keys(self, job: StepJob) -> list[str]:
        return [self._key(job, n) for n in ("module", "params", "out", *(f"in-{p}" for p in job.inputs))]

    def send(self, job: StepJob) -> StepTransfer:
        parts = {
            "/module": ("module", pack(job.module_dir)),
            "/in": ("params", pack(job.params_file.parent, only=job.params_file.name)),
        }
        for port, folder in job.inputs.items():
            parts[f"/in/{port}"] = (f"in-{port}", pack(folder))
        urls: dict[str, str] = {}
        for path, (name, data) in parts.items():
            key = self._key(job, name)
            self.store.put_bytes(key, data)
            urls[path] = self.store.presigned_get(key, URL_SECONDS)
        return StepTransfer(inputs=urls, output_put_url=self.store.presigned_put(self._key(job, "out"), URL_SECONDS))

    def receive(self, job: StepJob, transfer: StepTransfer) -> None:
        try:
            data = self.store.get_bytes(self._key(job, "out"))
        except Exception as exc:
            raise RuntimeError(f"the step's outputs never reached the store: {exc}") from exc
        unpack(data, job.out_dir)

    def forget(self, job: StepJob) -> None:
        for key in self._keys(job):
            self.store.delete(key)
