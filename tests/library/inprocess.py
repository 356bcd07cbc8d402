"""Run many library modules in ONE container and ONE Python process (the import of pandas and
scikit-learn dominates a step's cost on a busy machine): each step's main.py runs as __main__
with the contract's folders remapped through pw's PIPEWRIGHT_* variables, its own module folder
first on sys.path and the shared helpers (pw, trainer, scoring) imported afresh from it.
Results have the same shape as steps.run_chain's, so tests read them the same way."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.library.steps import ChainResult, Step, _run, open_dir, write_module

DRIVER = r"""
import contextlib, io, json, os, runpy, sys, traceback
plan = json.load(open("/w/plan.json"))
base_path = list(sys.path)
for step in plan:
    name, module = step["name"], step["module"]
    os.environ.update(PIPEWRIGHT_IN=f"/w/{name}/in", PIPEWRIGHT_OUT=f"/w/{name}/out",
                      PIPEWRIGHT_MODULE=f"/modules/{module}")
    for helper in ("pw", "trainer", "scoring"):
        sys.modules.pop(helper, None)
    sys.path[:] = [f"/modules/{module}"] + base_path
    log = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        try:
            runpy.run_path(f"/modules/{module}/main.py", run_name="__main__")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 1
    try:
        import matplotlib.pyplot as plt
        plt.close("all")
    except ImportError:
        pass
    open(f"/w/{name}/log", "w").write(log.getvalue())
    open(f"/w/{name}/rc", "w").write(str(code))
"""


def run_steps(tmp: Path, steps: list[Step], data: dict[str, dict[str, str]] | None = None) -> ChainResult:
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
    for s in steps:
        open_dir(work / s.name)
        step_in = open_dir(work / s.name / "in")
        open_dir(work / s.name / "out")
        (step_in / "params.json").write_text(json.dumps(s.params))
        for port, source in s.inputs.items():
            target = f"/data/{source[5:]}" if source.startswith("data:") else "/w/{}/out/{}".format(*source.split("."))
            os.symlink(target, step_in / port)
    (work / "plan.json").write_text(json.dumps([{"name": s.name, "module": s.module} for s in steps]))
    (work / "driver.py").write_text(DRIVER)
    volumes = {
        str(modules_root): {"bind": "/modules", "mode": "ro"},
        str(data_root): {"bind": "/data", "mode": "ro"},
        str(work): {"bind": "/w", "mode": "rw"},
    }
    code, log = _run(["python3", "/w/driver.py"], volumes, timeout=600)
    assert code == 0, log
    codes, logs = {}, {}
    for s in steps:
        rc_file = work / s.name / "rc"
        codes[s.name] = int(rc_file.read_text()) if rc_file.exists() else -1
        logs[s.name] = (work / s.name / "log").read_text() if (work / s.name / "log").exists() else ""
    return ChainResult(tmp, codes, logs)
