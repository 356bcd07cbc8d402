"""The artifact store takes data, never links: it refuses symbolic links, second hard links,
devices, FIFOs and sockets anywhere in a folder, reads nothing through a link and changes no mode
outside itself; and it stores a folder it can only read (another uid's, as a container's)."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest

from artifacts import store
from runner import workspace


@pytest.fixture
def art(settings: Any, tmp_path: Path) -> Path:
    settings.ARTIFACT_ROOT = tmp_path / "artifacts"
    tmp_path.chmod(0o755)
    return tmp_path


@pytest.fixture
def secret(art: Path) -> Path:
    """A host file outside the output: only root may read it."""
    path = art / "host" / "secret.txt"
    path.parent.mkdir()
    path.write_text("root's secret\n")
    path.chmod(0o600)
    return path


def _stored(art: Path) -> list[Path]:
    return [p for p in (art / "artifacts").rglob("*") if p.is_file()]


def _untouched(secret: Path) -> None:
    assert secret.read_text() == "root's secret\n"
    assert stat.S_IMODE(secret.lstat().st_mode) == 0o600


def _out(art: Path) -> Path:
    out = art / "out"
    (out / "sub").mkdir(parents=True)
    (out / "ok.csv").write_text("a\n1\n")
    return out


def test_it_stores_files_and_folders_by_content_without_touching_the_source(art: Path) -> None:
    out = _out(art)
    (out / "sub" / "b.bin").write_bytes(b"\x00\x01")
    (out / "ok.csv").chmod(0o600)
    sha, size = store.store_folder(out)
    digest = hashlib.sha256()
    for rel, data in (("ok.csv", b"a\n1\n"), ("sub/b.bin", b"\x00\x01")):
        digest.update(len(rel).to_bytes(4, "big") + rel.encode() + len(data).to_bytes(8, "big") + data)
    assert (sha, size) == (digest.hexdigest(), 6) == store.hash_folder(out)
    assert stat.S_IMODE((out / "ok.csv").stat().st_mode) == 0o600  # the source keeps its mode
    target = store.path_for(sha)
    assert (target / "ok.csv").read_text() == "a\n1\n"
    assert stat.S_IMODE((target / "ok.csv").stat().st_mode) == 0o644
    assert stat.S_IMODE((target / "sub").stat().st_mode) == 0o755
    assert store.store_folder(out, move=True) == (sha, size) and not out.exists()


def _plant(kind: str, out: Path, secret: Path) -> str:
    if kind == "symlink to a host file":
        (out / "leak.txt").symlink_to(secret)
        return "leak.txt is a symbolic link"
    if kind == "symlink to a folder":
        (out / "sub" / "host").symlink_to(secret.parent, target_is_directory=True)
        return "sub/host is a symbolic link"
    if kind == "hard link to a host file":
        os.link(secret, out / "sub" / "leak.txt")
        return "sub/leak.txt is a hard link"
    if kind == "fifo":
        os.mkfifo(out / "pipe")
        return "pipe is a FIFO"
    if kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(out / "sub" / "sock"))
        sock.close()
        return "sub/sock is a socket"
    if kind == "device":  # a container without CAP_MKNOD cannot make one; the worker's check still must hold
        os.mknod(out / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        return "null is a device file"
    raise AssertionError(kind)


KINDS = ["symlink to a host file", "symlink to a folder", "hard link to a host file", "fifo", "socket", "device"]


@pytest.mark.parametrize("kind", KINDS)
def test_it_refuses_anything_but_regular_files_and_folders(art: Path, secret: Path, kind: str) -> None:
    out = _out(art)
    said = _plant(kind, out, secret)
    with pytest.raises(store.UnsafeEntry) as caught:
        store.store_folder(out, move=True)
    assert said in str(caught.value) and "outputs must be regular files and folders" in str(caught.value)
    with pytest.raises(store.UnsafeEntry):
        store.hash_folder(out)
    assert _stored(art) == []  # nothing stored, not even the regular file beside it
    _untouched(secret)


@pytest.mark.parametrize("kind", KINDS)
def test_collect_names_the_output_port_and_path(art: Path, secret: Path, kind: str) -> None:
    from compiler.plan import Runtime, Step

    out = art / "work-out"
    data = _out(art).rename(out / "data") if out.mkdir() is None else None
    assert data is not None
    said = _plant(kind, data, secret)
    plan_step = Step(
        node="n",
        module="acme/m",
        version="1.0.0",
        module_version_id=1,
        digest="d",
        deterministic=True,
        params={},
        inputs=(),
        outputs=(("data", "Any"),),
        runtime=Runtime(image="i", command=("true",)),
    )
    with pytest.raises(RuntimeError) as caught:
        workspace.check_outputs(plan_step, out)
    assert str(caught.value).startswith(f"output port 'data': {said}")
    _untouched(secret)


def test_a_link_in_the_top_of_the_output_folder_is_named_too(art: Path, secret: Path) -> None:
    from compiler.plan import Runtime, Step

    out = _out(art)
    (out / "metrics.json").symlink_to(secret)
    plan_step = Step("n", "acme/m", "1.0.0", 1, "d", True, {}, (), (("data", "Any"),), Runtime("i", ("true",)))
    with pytest.raises(RuntimeError, match=r"^output folder /out: metrics.json is a symbolic link"):
        workspace.check_outputs(plan_step, out)


def test_reading_a_store_folder_never_follows_a_link(art: Path, secret: Path) -> None:
    out = _out(art)
    sha, _ = store.store_folder(out)
    folder = store.path_for(sha)
    (folder / "leak.txt").symlink_to(secret)
    (folder / "host").symlink_to(secret.parent, target_is_directory=True)
    for rel, said in (("leak.txt", "is a symbolic link"), ("host/secret.txt", "is below a symbolic link")):
        with pytest.raises(store.UnsafeEntry, match=said):
            store.open_member(folder, rel)
    with pytest.raises(store.UnsafeEntry, match="not a relative path"):
        store.open_member(folder, "../host/secret.txt")
    with pytest.raises(store.UnsafeEntry):
        store.members(folder)
    with store.open_member(folder, "ok.csv") as fh:
        assert fh.read() == b"a\n1\n"
    _untouched(secret)


def _as(uid: int, gid: int, work: Any) -> int:
    """Run `work()` in a child process as another user; its exit code (0: it returned True)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            os.umask(0o022)
            code = 0 if work() else 2
        except BaseException as exc:
            print("child failed:", repr(exc))
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@pytest.fixture
def shared(settings: Any) -> Any:
    """A folder other users can reach (pytest's own tmp_path sits below a root-only folder)."""
    base = Path(tempfile.mkdtemp(prefix="pw-store-"))
    base.chmod(0o755)
    settings.ARTIFACT_ROOT = base / "artifacts"
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_a_worker_that_is_not_root_stores_what_a_container_user_wrote(shared: Path) -> None:
    """The step (uid 65534, as in a container) writes files and folders with its default modes;
    a worker running as another ordinary uid copies them into its store and removes them."""
    worker, art = 4242, shared
    (art / "artifacts").mkdir()
    os.chown(art / "artifacts", worker, worker)
    out = art / "work" / "out"
    (out / "data").mkdir(parents=True)
    for p in (art / "work", out, out / "data"):
        os.chown(p, worker, worker)
    os.chmod(out, 0o777)
    os.chmod(out / "data", 0o777)
    assert all(workspace.grant_worker(p, worker) for p in (out, out / "data"))

    def step() -> bool:
        (out / "data" / "model").mkdir()
        (out / "data" / "model" / "weights.bin").write_bytes(b"w" * 10)
        (out / "data" / "table.csv").write_text("a\n")
        return True

    def collect() -> bool:
        sha, size = store.store_folder(out / "data", move=True)
        return size == 12 and not (out / "data").exists() and (store.path_for(sha) / "model" / "weights.bin").is_file()

    assert _as(65534, 65534, step) == 0
    assert (out / "data" / "model").stat().st_uid == 65534
    assert _as(worker, worker, collect) == 0
