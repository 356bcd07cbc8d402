"""Worker "hosts" simulated on one machine, for the multi-host tests (issue: scale out).

A host is what a second machine would be to Pipewright: its own network (a network namespace
joined to this machine by a veth pair, with a private address and no route to this machine's
loopback services), its own file system view (a mount namespace where the host's var folder is its own disk
folder, bind-mounted privately: a path on one host is not the same folder on another, and what a
host wrote there is still there when it comes back, as on a real disk), its own Docker
engine (own data root, exec root, socket and cgroup parent) and its own process tree (every process
of the host, its containers' included, lives under one cgroup, so "the host dies" is: SIGKILL to
every process in that cgroup).

The control plane (PostgreSQL, Redis, the S3 server, Daphne) stays on this machine; a host reaches
it through `Forward`, a TCP forwarder listening on the host's gateway address, as a real host
reaches a database server on the network.

Needs root (network namespaces, cgroups, a second dockerd); everything it makes is named with a
random suffix and removed by `close()`, so parallel runs and the developer's own engine are never
touched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
TINY_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* A step of the container contract in a few KiB (FROM scratch, no shell): sleeps for "seconds" of
   /in/params.json (else argv[1], else 0) printing a tick a second, then, when it has parameters,
   writes /out/result/data.txt: its parameters and every input /in/in<k>/data.txt, in order. */
static char params[4096], input[65536];
static size_t slurp(const char *path, char *dst, size_t cap) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(dst, 1, cap - 1, f);
    fclose(f);
    dst[n] = 0;
    return n;
}
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 0;
    size_t has_params = slurp("/in/params.json", params, sizeof params);
    char *s = has_params ? strstr(params, "\"seconds\"") : NULL;
    if (s && (s = strchr(s, ':'))) n = atoi(s + 1);
    for (int i = 0; i < n; i++) { printf("tick %d\n", i); fflush(stdout); sleep(1); }
    if (!has_params) return 0;
    FILE *out = fopen("/out/result/data.txt", "w");
    if (!out) { perror("error: /out/result/data.txt"); return 1; }
    fprintf(out, "params %s\n", params);
    for (int k = 1; k <= 4; k++) {
        char path[64];
        snprintf(path, sizeof path, "/in/in%d/data.txt", k);
        if (slurp(path, input, sizeof input)) fprintf(out, "in%d %s", k, input);
    }
    printf("wrote result\n");
    return fclose(out) == 0 ? 0 : 1;
}
"""


def _run(argv: Sequence[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, check=True, timeout=60, **kw)  # type: ignore[call-overload]


def cgroup_dirs(name: str, every: bool = False) -> list[Path]:
    """The folder of cgroup `name` that tracks the host's processes (v2: the unified one; v1: the
    pids controller's), or with `every`, its folder in each controller (the engine makes those for
    its containers under the cgroup parent)."""
    if (CGROUP_ROOT / "cgroup.controllers").exists():  # v2, unified
        return [CGROUP_ROOT / name]
    controllers = ("pids", "memory", "cpu", "cpuacct", "blkio", "devices", "freezer", "cpuset") if every else ("pids",)
    return [CGROUP_ROOT / c / name for c in controllers if (CGROUP_ROOT / c).is_dir()]


def cgroup_pids(name: str) -> set[int]:
    """Every process in cgroup `name` and its descendants (the containers under it included)."""
    pids: set[int] = set()
    for base in cgroup_dirs(name):
        if not base.exists():
            continue
        for procs in base.rglob("cgroup.procs"):
            with contextlib.suppress(OSError):
                pids |= {int(p) for p in procs.read_text().split()}
    return pids


class Forward:
    """A TCP forwarder: connections to (listen_host, port) are piped to (target_host, target_port)."""

    def __init__(self, listen_host: str, port: int, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.server = socket.create_server((listen_host, port), reuse_port=False)
        self.server.settimeout(0.2)
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True, name=f"forward-{port}")
        self.thread.start()

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        src.settimeout(None)
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.closed.set()
        self.server.close()
        self.thread.join(timeout=2)


class SimHost:
    """One simulated worker host (see the module docstring). `index` picks its subnet."""

    def __init__(self, name: str, index: int, root: Path) -> None:
        tag = secrets.token_hex(3)
        self.name = name
        self.netns = f"pw-{name}-{tag}"
        self.cgroup = f"pw-mh-{name}-{tag}"
        self.veth = f"pwh{index}{tag}"[:15]
        self.peer = f"pwp{index}{tag}"[:15]
        # a /24 of its own, drawn at random: two test runs on one machine never share a subnet
        net = f"10.{232 + secrets.randbelow(16)}.{secrets.randbelow(256)}"
        self.gateway = f"{net}.1"  # this machine's side: the control plane, as the host sees it
        self.address = f"{net}.2"
        self.root = root / name
        self.var = self.root / "var"  # private to the host: its disk, mounted here in its namespace
        self.disk = self.root / "disk"
        self.data = self.root / "docker-data"
        self.exec_root = Path("/run") / f"pw-mh-{tag}"  # short: containerd's socket path has a limit
        self.socket = self.root / "docker.sock"
        self.anchor: subprocess.Popen[bytes] | None = None
        self.dockerd: subprocess.Popen[bytes] | None = None
        self.procs: list[subprocess.Popen[bytes]] = []

    # ---- lifecycle
    def start(self) -> SimHost:
        for d in (self.var, self.disk, self.data):
            d.mkdir(parents=True, exist_ok=True)
        for d in cgroup_dirs(self.cgroup):
            d.mkdir(parents=True, exist_ok=True)
        if not Path(f"/run/netns/{self.netns}").exists():
            _run(["ip", "netns", "add", self.netns])
            _run(["ip", "link", "add", self.veth, "type", "veth", "peer", "name", self.peer])
            _run(["ip", "link", "set", self.peer, "netns", self.netns])
            _run(["ip", "addr", "add", f"{self.gateway}/24", "dev", self.veth])
            _run(["ip", "link", "set", self.veth, "up"])
            for argv in (
                ["ip", "addr", "add", f"{self.address}/24", "dev", self.peer],
                ["ip", "link", "set", self.peer, "up"],
                ["ip", "link", "set", "lo", "up"],
            ):
                _run(["ip", "netns", "exec", self.netns, *argv])
        self.boot()
        return self

    def boot(self) -> None:
        """Start the host's processes: the namespace anchor, then its Docker engine."""
        # the anchor holds the mount namespace: the host's disk on its var folder (kept across
        # boots) and a private tmpfs on the engine's exec root (a host's /run: empty again after
        # the host comes back)
        self.exec_root.mkdir(parents=True, exist_ok=True)
        script = (
            f"mount --bind {self.disk} {self.var} && mount -t tmpfs -o mode=0755 tmpfs {self.exec_root}"
            " && exec sleep infinity"
        )
        self.anchor = self._spawn(
            [
                "nsenter",
                f"--net=/run/netns/{self.netns}",
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "--fork",
                "sh",
                "-c",
                script,
            ]
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._anchor_pid() is None:
            time.sleep(0.05)
        if self._anchor_pid() is None:
            raise RuntimeError(f"host {self.name}: its namespace did not come up")
        log = open(self.root / "dockerd.log", "ab")  # noqa: SIM115 (the engine's lifetime)
        self.dockerd = self.spawn(
            [
                "dockerd",
                "--data-root",
                str(self.data),
                "--exec-root",
                str(self.exec_root),
                "--pidfile",
                str(self.root / "dockerd.pid"),
                "-H",
                f"unix://{self.socket}",
                "--iptables=false",
                "--bridge=none",
                "--storage-driver=overlay2",
                f"--cgroup-parent=/{self.cgroup}",
            ],
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.docker("info", check=False).returncode == 0:
                return
            if self.dockerd.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(
            f"host {self.name}: dockerd did not answer:\n{(self.root / 'dockerd.log').read_text()[-2000:]}"
        )

    def _anchor_pid(self) -> int | None:
        """The pid of `sleep infinity` inside the namespaces (the anchor's last child)."""
        if self.anchor is None:
            return None
        try:
            children = subprocess.run(
                ["pgrep", "-P", str(self.anchor.pid)], capture_output=True, text=True, check=False
            ).stdout.split()
        except OSError:
            return None
        for child in children:  # unshare --fork: the forked child runs sh -> exec sleep
            try:
                if Path(f"/proc/{child}/comm").read_text().strip() == "sleep":
                    return int(child)
            except OSError:
                continue
        return None

    def _spawn(self, argv: Sequence[str], **kw: object) -> subprocess.Popen[bytes]:
        procs = [d / "cgroup.procs" for d in cgroup_dirs(self.cgroup)]

        def join() -> None:  # in the child, before exec: the host's cgroup holds it and its children
            for p in procs:
                p.write_text(str(os.getpid()))

        proc = subprocess.Popen(list(argv), preexec_fn=join, start_new_session=True, **kw)  # type: ignore[call-overload]
        self.procs.append(proc)
        return proc

    def spawn(self, argv: Sequence[str], env: dict[str, str] | None = None, **kw: object) -> subprocess.Popen[bytes]:
        """A process on the host: in its network and mount namespaces and its cgroup."""
        pid = self._anchor_pid()
        if pid is None:
            raise RuntimeError(f"host {self.name} is down")
        return self._spawn(["nsenter", "-t", str(pid), "--net", "--mount", "--", *argv], env=env, **kw)

    def run(
        self, argv: Sequence[str], env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        pid = self._anchor_pid()
        if pid is None:
            raise RuntimeError(f"host {self.name} is down")
        return subprocess.run(
            ["nsenter", "-t", str(pid), "--net", "--mount", "--", *argv],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )

    def docker(self, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["docker", "-H", f"unix://{self.socket}", *args],
            capture_output=True,
            text=True,
            input=stdin,
            timeout=120,
            check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"host {self.name}: docker {' '.join(args)}: {done.stderr}")
        return done

    def build_tiny_image(self, tag: str, work: Path) -> None:
        """A static `sleep N` binary on FROM scratch, built on this host's engine (no registry)."""
        work.mkdir(parents=True, exist_ok=True)
        (work / "tiny.c").write_text(TINY_C)
        if not (work / "tiny").exists():
            _run(["gcc", "-static", "-Os", "-s", "-o", str(work / "tiny"), str(work / "tiny.c")])
        (work / "Dockerfile").write_text('FROM scratch\nCOPY tiny /tiny\nENTRYPOINT ["/tiny"]\n')
        self.docker("build", "-q", "-t", tag, str(work))

    def copy_image(self, tag: str, to: Sequence[SimHost], work: Path) -> str:
        """Load image `tag` of this engine into the others (`docker save` / `docker load`: the
        same image id everywhere, as a registry would give) and return that id."""
        tarball = work / "image.tar"
        self.docker("save", "-o", str(tarball), tag)
        for other in to:
            other.docker("load", "-q", "-i", str(tarball))
        image_id = self.docker("image", "inspect", "-f", "{{.Id}}", tag).stdout.strip()
        for other in to:
            theirs = other.docker("image", "inspect", "-f", "{{.Id}}", tag).stdout.strip()
            assert theirs == image_id, f"host {other.name}: image {tag} is {theirs}, not {image_id}"
        return image_id

    def kill(self) -> None:
        """The host dies: SIGKILL to every process of it (engine, shims, containers, workers)."""
        for _ in range(50):
            pids = cgroup_pids(self.cgroup)
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        self.procs, self.anchor, self.dockerd = [], None, None
        # the engine's mounts lived in the host's mount namespace, gone with its last process

    @property
    def alive(self) -> bool:
        return bool(cgroup_pids(self.cgroup))

    def close(self) -> None:
        self.kill()
        with contextlib.suppress(subprocess.CalledProcessError):
            _run(["ip", "link", "del", self.veth])
        with contextlib.suppress(subprocess.CalledProcessError):
            _run(["ip", "netns", "del", self.netns])
        for d in cgroup_dirs(self.cgroup, every=True):
            for sub in sorted(d.rglob("*"), key=lambda p: -len(p.parts)):
                if sub.is_dir():
                    with contextlib.suppress(OSError):
                        sub.rmdir()
            with contextlib.suppress(OSError):
                d.rmdir()
        shutil.rmtree(self.exec_root, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def hosts(root: Path, *names: str) -> Iterator[list[SimHost]]:
    made: list[SimHost] = []
    try:
        for i, name in enumerate(names):
            made.append(SimHost(name, i, root).start())
        yield made
    finally:
        for h in made:
            h.close()


def unsupported() -> str | None:
    """Why this machine cannot simulate hosts, or None."""
    if os.geteuid() != 0:
        return "simulating hosts needs root (network namespaces, cgroups, a second dockerd)"
    for tool in ("ip", "nsenter", "unshare", "dockerd", "gcc", "pgrep"):
        if shutil.which(tool) is None:
            return f"simulating hosts needs `{tool}`"
    return None
