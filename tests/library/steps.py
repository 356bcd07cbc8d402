"""Run built-in library modules in the real step image, as the runner does.

`run_contract` runs one module exactly per the container contract (/in/<port>, /in/params.json,
/module, /out; read-only root and inputs). `run_chain` runs several modules in one container
(to keep the suite fast) through the PIPEWRIGHT_IN/OUT/MODULE remapping the local backend uses,
each step's inputs symlinked to earlier steps' output folders.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker

from modules import packaging

IMAGE = os.environ.get("PIPEWRIGHT_TEST_IMAGE", "pipewright/python-ml:1")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def module_files(name: str) -> dict[str, str]:
    _, files = packaging.read_library_module(packaging.LIBRARY_DIR / name)
    return files


def write_module(root: Path, name: str) -> Path:
    folder = root / name
    for rel, text in module_files(name).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def open_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o777)
    return path


def _run(command: list[str], volumes: dict[str, dict[str, str]], timeout: int = 120) -> tuple[int, str]:
    client = docker.from_env()
    container = client.containers.run(
        IMAGE,
        command,
        user="65534:65534",
        network_mode="none",
        read_only=True,
        tmpfs={"/tmp": "rw,size=256m"},
        volumes=volumes,
        security_opt=["no-new-privileges"],
        cap_drop=["ALL"],
        mem_limit="2g",
        detach=True,
    )
    try:
        result = container.wait(timeout=timeout)
        logs = container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)
    return int(result["StatusCode"]), logs


@dataclass
class Contract:
    exit_code: int
    log: str
    out: Path


def run_contract(tmp: Path, name: str, inputs: dict[str, Path], params: dict[str, Any]) -> Contract:
    """One module, one container, exactly the runner's mounts."""
    module = write_module(tmp / "module", name)
    params_file = tmp / "params.json"
    params_file.write_text(json.dumps(params))
    out = open_dir(tmp / "out")
    volumes = {
        str(module): {"bind": "/module", "mode": "ro"},
        str(params_file): {"bind": "/in/params.json", "mode": "ro"},
        str(out): {"bind": "/out", "mode": "rw"},
    }
    for port, folder in inputs.items():
        volumes[str(folder)] = {"bind": f"/in/{port}", "mode": "ro"}
    code, log = _run(["python3", "/module/main.py"], volumes)
    return Contract(code, log, out)


@dataclass
class Step:
    name: str  # a unique step id within the chain
    module: str
    params: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)  # port -> "step.port" or "data:<folder under data/>"


@dataclass
class ChainResult:
    root: Path
    codes: dict[str, int]
    logs: dict[str, str]

    def out(self, step: str, port: str) -> Path:
        return self.root / "w" / step / "out" / port

    def metrics(self, step: str) -> dict[str, Any]:
        return json.loads((self.root / "w" / step / "out" / "metrics.json").read_text())

    def check(self, *steps: str) -> None:
        for s in steps or tuple(self.codes):
            assert self.codes[s] == 0, f"step {s} exited {self.codes[s]}:\n{self.logs[s]}"


def run_chain(tmp: Path, steps: list[Step], data: dict[str, dict[str, str]] | None = None) -> ChainResult:
    """Run steps in order in one container; data = {folder: {filename: text}} mounted read-only at /data."""
    modules_root = tmp / "modules"
    for module in {s.module for s in steps}:
        write_module(modules_root, module)
    data_root = tmp / "data"
    data_root.mkdir(parents=True, exist_ok=True)
    for folder, files in (data or {}).items():
        for filename, text in files.items():
            (data_root / folder).mkdir(parents=True, exist_ok=True)
            (data_root / folder / filename).write_text(text)
    work = open_dir(tmp / "w")
    lines = []
    for s in steps:
        open_dir(work / s.name)
        step_in = open_dir(work / s.name / "in")
        open_dir(work / s.name / "out")
        (step_in / "params.json").write_text(json.dumps(s.params))
        for port, source in s.inputs.items():
            target = f"/data/{source[5:]}" if source.startswith("data:") else "/w/{}/out/{}".format(*source.split("."))
            os.symlink(target, step_in / port)
        env = f"PIPEWRIGHT_IN=/w/{s.name}/in PIPEWRIGHT_OUT=/w/{s.name}/out PIPEWRIGHT_MODULE=/modules/{s.module}"
        lines.append(f"{env} python3 /modules/{s.module}/main.py > /w/{s.name}/log 2>&1; echo $? > /w/{s.name}/rc")
    volumes = {
        str(modules_root): {"bind": "/modules", "mode": "ro"},
        str(data_root): {"bind": "/data", "mode": "ro"},
        str(work): {"bind": "/w", "mode": "rw"},
    }
    code, log = _run(["sh", "-c", "\n".join(lines)], volumes, timeout=300)
    assert code == 0, log
    codes, logs = {}, {}
    for s in steps:
        rc_file = work / s.name / "rc"
        codes[s.name] = int(rc_file.read_text()) if rc_file.exists() else -1
        logs[s.name] = (work / s.name / "log").read_text() if (work / s.name / "log").exists() else ""
    return ChainResult(tmp, codes, logs)
