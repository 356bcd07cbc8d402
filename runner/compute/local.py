"""Local compute: the step's command as a subprocess, same folders through PIPEWRIGHT_* env vars.

No container isolates such a step, so it runs only where the operator enabled it
(`PIPEWRIGHT_ALLOW_LOCAL_COMPUTE`), and each step says so on the first line of its log.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from django.conf import settings

from runner.compute.base import StepJob, StepOutcome

ANNOUNCE = "pipewright: this step runs as a host process without a container (local compute, enabled by the operator)"
DISABLED = (
    "Local compute (a host process without a container) is not enabled on this installation; "
    "the operator enables it with PIPEWRIGHT_ALLOW_LOCAL_COMPUTE=1."
)

_procs: dict[str, subprocess.Popen[bytes]] = {}

POLL_SECONDS = 0.1  # how often a running step's stop and timeout are checked


def _exit_fd(pid: int) -> int | None:
    """A descriptor that becomes readable when the process exits (Linux pidfd): the exit is seen
    at once. Popen.wait(timeout) instead sleeps in doubling steps, so a step of a few tens of ms
    was seen ending up to ~16 ms late. None where the platform has none (then the wait loop)."""
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        return int(opener(pid))
    except OSError:
        return None


def _map(arg: str, job: StepJob) -> str:
    if arg == "/module" or arg.startswith("/module/"):
        return str(job.module_dir) + arg[len("/module") :]
    if arg == "/out" or arg.startswith("/out/"):
        return str(job.out_dir) + arg[len("/out") :]
    if arg == "/in/params.json":
        return str(job.params_file)
    if arg.startswith("/in/"):
        port, _, rest = arg[len("/in/") :].partition("/")
        if port in job.inputs:
            return str(job.inputs[port]) + ("/" + rest if rest else "")
    return arg


class _Lines:
    """A process's output, read without blocking as it comes, handed on line by line."""

    def __init__(self, fd: int, on_line: Callable[[str], None]) -> None:
        os.set_blocking(fd, False)
        self.fd: int | None = fd
        self.on_line = on_line
        self.buf = b""

    def read(self) -> None:
        """What is readable now, up to 1 MiB (the wait loop checks the step's timeout between
        reads); at the end of the stream, its unfinished last line too. `on_line` waits while the
        step's log is far behind the database (runner.steplogs): the step then blocks on its output,
        and its timeout is checked once the log caught up."""
        for _ in range(16):
            if self.fd is None:
                return
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            if not chunk:
                self.fd = None
                if self.buf:
                    self.on_line(self.buf.decode(errors="replace"))
                    self.buf = b""
                return
            *lines, self.buf = (self.buf + chunk).split(b"\n")
            for line in lines:
                self.on_line(line.decode(errors="replace"))

    def rest(self, timeout: float) -> None:
        """Read to the end of the stream, for at most `timeout` seconds."""
        end = time.monotonic() + timeout
        while self.fd is not None and (left := end - time.monotonic()) > 0:
            if select.select([self.fd], [], [], left)[0]:
                self.read()


class LocalBackend:
    target = "local"

    def run(self, job: StepJob, on_line: Callable[[str], None], should_stop: Callable[[], bool]) -> StepOutcome:
        if not settings.PIPEWRIGHT_ALLOW_LOCAL_COMPUTE:
            on_line(f"pipewright: {DISABLED}")
            return StepOutcome(None, DISABLED)
        on_line(ANNOUNCE)
        command = [_map(a, job) for a in job.command]
        if command and command[0] in {"python", "python3"}:
            # the project's interpreter: it has the same libraries as the step image, and starts
            # without a version-manager shim in front of it
            command[0] = sys.executable
        in_dir = job.params_file.parent
        for port, path in job.inputs.items():
            link = in_dir / port
            if not link.exists():
                link.symlink_to(path, target_is_directory=True)
        env = dict(os.environ)
        env.update(job.env)
        env.update(
            PIPEWRIGHT_IN=str(in_dir),
            PIPEWRIGHT_OUT=str(job.out_dir),
            PIPEWRIGHT_MODULE=str(job.module_dir),
            PIPEWRIGHT_PARAMS=str(job.params_file),
        )
        started = time.time()
        proc = subprocess.Popen(
            command,
            cwd=job.out_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _procs[job.name] = proc
        assert proc.stdout is not None
        output = _Lines(proc.stdout.fileno(), on_line)  # read here: no reader thread to start
        deadline = time.monotonic() + job.timeout
        outcome: StepOutcome | None = None
        exit_fd = _exit_fd(proc.pid)
        try:
            checked = time.monotonic()
            while proc.poll() is None:
                if time.monotonic() - checked >= POLL_SECONDS:
                    checked = time.monotonic()
                    if checked > deadline:
                        self._kill(proc)
                        outcome = StepOutcome(None, f"timed out after {job.timeout} s", timed_out=True)
                        break
                    if should_stop():
                        self._kill(proc)
                        outcome = StepOutcome(None, "stopped", stopped=True)
                        break
                # readable the moment it prints or exits (without a pidfd: its output, or 50 ms)
                watch = [fd for fd in (output.fd, exit_fd) if fd is not None]
                wait = POLL_SECONDS if exit_fd is not None else 0.05
                if output.fd in select.select(watch, [], [], wait)[0]:
                    output.read()
            proc.wait()
            exited = time.time()
            output.rest(timeout=5)  # what it printed last (a child that outlives it may hold the pipe)
        finally:
            _procs.pop(job.name, None)
            proc.stdout.close()
            if exit_fd is not None:
                os.close(exit_fd)
        if outcome is not None:
            return outcome
        return StepOutcome(proc.returncode, started_at=started, exited_at=exited)

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    def kill(self, name: str) -> None:
        proc = _procs.get(name)
        if proc is not None:
            self._kill(proc)

    def remove(self, name: str) -> None:
        self.kill(name)

    def running_names(self, labels: dict[str, str] | None = None) -> list[str]:
        return list(_procs)

    def image_id(self, image: str) -> str | None:
        """A host process runs no image: nothing of it belongs in a cache key."""
        return ""
