#!/usr/bin/env python
"""`make bench`: run every benchmark of the project and print its figures.

Each bench/*_bench.py measures its own floor in the same run and prints ratios against it;
this runner only runs them one after another (they compete for the same two cores otherwise)
and keeps a copy of the output in bench/results/latest.txt.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["compile_bench.py", "canvas_bench.py", "runner_bench.py", "stack_bench.py"]


def main() -> int:
    benches = [HERE / name for name in ORDER if (HERE / name).exists()]
    benches += sorted(p for p in HERE.glob("*_bench.py") if p.name not in ORDER)
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    lines: list[str] = []
    failed = 0
    for bench in benches:
        header = f"== {bench.stem} =="
        print(header, flush=True)
        lines.append(header)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(bench)], cwd=HERE.parent, capture_output=True, text=True)
        print(proc.stdout, end="", flush=True)
        lines.append(proc.stdout.rstrip())
        if proc.returncode != 0:
            failed += 1
            print(proc.stderr[-4000:], file=sys.stderr)
            lines.append(f"FAILED with exit code {proc.returncode}")
        lines.append(f"({time.perf_counter() - start:.1f} s)")
    (out_dir / "latest.txt").write_text("\n".join(lines) + "\n")
    print(f"bench: {len(benches) - failed} of {len(benches)} benchmarks ran; figures in bench/results/latest.txt")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
