"""The artifact store interface on both implementations (the local folder and S3 on SeaweedFS):
content addressing, streaming reads, the hardened walk, the manifest commit, the input cache."""

from __future__ import annotations

import io
import os
import tarfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from artifacts import store
from artifacts.backend import current
from artifacts.cache import CorruptArtifact, InputCache
from artifacts.s3 import S3Store


@pytest.fixture(params=["local", "s3"])
def artifacts(request: Any, settings: Any, tmp_path: Path) -> Any:
    settings.ARTIFACT_ROOT = tmp_path / "artifacts"
    settings.WORK_ROOT = tmp_path / "work"
    tmp_path.chmod(0o755)
    if request.param == "s3":
        request.getfixturevalue("s3_store")
    return current()


def _tree(root: Path) -> Path:
    out = root / "out"
    (out / "sub").mkdir(parents=True)
    (out / "ok.csv").write_text("a\n1\n")
    (out / "sub" / "b.bin").write_bytes(b"\x00\x01" * 1000)
    return out


def test_it_stores_a_folder_by_content_and_streams_it_back(artifacts: Any, tmp_path: Path) -> None:
    out = _tree(tmp_path)
    expected = store.hash_folder(out)
    assert not artifacts.exists(expected[0])
    assert artifacts.put_folder(out) == expected
    assert artifacts.exists(expected[0])
    assert [(f.path, f.size) for f in artifacts.files(expected[0])] == [("ok.csv", 4), ("sub/b.bin", 2000)]
    with artifacts.open(expected[0], "sub/b.bin") as fh:
        assert fh.read(3) == b"\x00\x01\x00" and len(fh.read()) == 1997
    # the same bytes again: the same key, nothing new; the source may go afterwards
    assert artifacts.put_folder(out, move=True) == expected and not out.exists()
    with artifacts.local_folder(expected[0]) as folder:
        assert (folder / "ok.csv").read_text() == "a\n1\n"
        assert store.hash_folder(folder) == expected
    with pytest.raises(FileNotFoundError):
        artifacts.open(expected[0], "nope.txt")
    assert artifacts.files("0" * 64) == []


def test_it_refuses_a_link_and_stores_nothing(artifacts: Any, tmp_path: Path) -> None:
    out = _tree(tmp_path)
    (out / "leak").symlink_to("/etc/passwd")
    with pytest.raises(store.UnsafeEntry) as caught:
        artifacts.put_folder(out)
    assert caught.value.path == "leak"
    (out / "leak").unlink()
    assert not artifacts.exists(store.hash_folder(out)[0])


def test_an_upload_streams_in_and_is_capped(artifacts: Any) -> None:
    sha, size = artifacts.put_stream(io.BytesIO(b"x,y\n1,2\n"), "../../data.csv")
    assert size == 8 and [f.path for f in artifacts.files(sha)] == ["data.csv"]
    with pytest.raises(ValueError, match="larger than 4 bytes"):
        artifacts.put_stream(io.BytesIO(b"0123456789"), "big.csv", max_bytes=4)


def test_a_tree_is_invisible_until_its_manifest_is_committed(s3_store: Any, tmp_path: Path, monkeypatch: Any) -> None:
    artifacts = current()
    assert isinstance(artifacts, S3Store)
    out = _tree(tmp_path)
    sha = store.hash_folder(out)[0]

    def crash(tree: store.Tree) -> None:
        raise RuntimeError("the worker died before the manifest")

    monkeypatch.setattr(artifacts, "commit", crash)
    with pytest.raises(RuntimeError):
        artifacts.put_folder(out)
    # the files were uploaded, but nothing is visible: no manifest, no tree
    listed = artifacts.client.list_objects_v2(Bucket=artifacts.bucket, Prefix=artifacts.config.prefix)
    assert any("/blobs/" in o["Key"] for o in listed.get("Contents", []))
    assert not artifacts.exists(sha) and artifacts.files(sha) == []
    monkeypatch.undo()
    assert artifacts.put_folder(out)[0] == sha and artifacts.exists(sha)


def test_the_manifest_is_written_only_once(s3_store: Any, tmp_path: Path) -> None:
    """The commit is a conditional put: the server refuses a second manifest (SeaweedFS too)."""
    artifacts = current()
    assert isinstance(artifacts, S3Store)
    sha = artifacts.put_folder(_tree(tmp_path))[0]
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        artifacts.client.put_object(Bucket=artifacts.bucket, Key=artifacts.tree_key(sha), Body=b"{}", IfNoneMatch="*")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert [f.path for f in artifacts.files(sha)] == ["ok.csv", "sub/b.bin"]  # unchanged
    url = artifacts.presign(sha, "ok.csv", expires=60)
    assert url and url.startswith(s3_store.PIPEWRIGHT_S3_ENDPOINT)


def test_a_worker_fetches_inputs_by_hash_into_its_cache(s3_store: Any, tmp_path: Path) -> None:
    artifacts = current()
    sha = artifacts.put_folder(_tree(tmp_path))[0]
    with artifacts.local_folder(sha) as folder:
        assert folder.parent == Path(s3_store.PIPEWRIGHT_INPUT_CACHE_DIR)
        assert (folder / "sub" / "b.bin").stat().st_size == 2000
        assert oct(folder.stat().st_mode & 0o777) == "0o755"


def _fill(n: int) -> Any:
    def fetch(into: Path) -> None:
        (into / "f").write_bytes(b"x" * n)

    return fetch


def _sha_of(n: int, tmp_path: Path) -> str:
    d = tmp_path / f"src-{n}"
    d.mkdir()
    (d / "f").write_bytes(b"x" * n)
    return store.hash_folder(d)[0]


def test_the_input_cache_evicts_the_least_recently_used_entry_nobody_holds(tmp_path: Path) -> None:
    cache = InputCache(tmp_path / "cache", max_bytes=2500)
    a, b, c = (_sha_of(n, tmp_path) for n in (1000, 1001, 1002))
    with cache.pinned(a, _fill(1000)):
        pass
    time.sleep(0.01)
    with cache.pinned(b, _fill(1001)) as held_b:
        os.utime(cache.entry(a), (1, 1))  # a is the least recently used
        with cache.pinned(c, _fill(1002)):
            # over the bound: a goes; b is held (mounted by a step) and c is the new one
            assert not cache.entry(a).exists() and held_b.is_dir() and cache.entry(c).is_dir()
            os.utime(cache.entry(b), (1, 1))
            assert cache.evict() == []  # b is the oldest now, but held; c is held too
        assert cache.evict() == []  # 2003 bytes fit
    cache.max_bytes = 1500
    assert cache.evict() == [b]  # the oldest, held by nobody now
    assert sum(size for _t, _s, size in cache.entries()) <= 1500


def test_a_fetch_that_does_not_hash_to_its_key_keeps_nothing(tmp_path: Path) -> None:
    cache = InputCache(tmp_path / "cache", max_bytes=10_000)
    wrong = _sha_of(10, tmp_path)
    with pytest.raises(CorruptArtifact), cache.pinned(wrong, _fill(11)):
        pass
    assert cache.entries() == [] and not list((tmp_path / "cache").glob(".incoming-*"))


def test_a_pod_gets_its_inputs_by_url_and_hands_back_a_tarball(s3_store: Any, tmp_path: Path) -> None:
    """The hand-off of a step that runs where the worker's disk is not (e.g. a Kubernetes Job)."""
    artifacts = current()
    assert isinstance(artifacts, S3Store)
    sha = artifacts.put_folder(_tree(tmp_path))[0]
    urls = artifacts.input_urls(sha, expires=60)
    assert sorted(urls) == ["ok.csv", "sub/b.bin"]
    assert urllib.request.urlopen(urls["ok.csv"]).read() == b"a\n1\n"
    made = tmp_path / "pod-out"
    (made / "data").mkdir(parents=True)
    (made / "data" / "r.csv").write_text("r\n1\n")
    tarball = tmp_path / "out.tar"
    with tarfile.open(tarball, "w") as tar:
        tar.add(made / "data", arcname="data")
    put = urllib.request.Request(
        artifacts.presign_put("incoming/7-1.tar", expires=60), data=tarball.read_bytes(), method="PUT"
    )
    assert urllib.request.urlopen(put).status == 200
    into = tmp_path / "taken"
    into.mkdir()
    artifacts.take_tarball("incoming/7-1.tar", into)
    stored, size = artifacts.put_folder(into / "data")
    assert size == 4 and [f.path for f in artifacts.files(stored)] == ["r.csv"]
