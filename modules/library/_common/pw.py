"""Pipewright's container contract for built-in modules (copied into every module as /module/pw.py).

Inputs are folders /in/<port>/, outputs /out/<port>/, parameters /in/params.json, metrics
/out/metrics.json. PIPEWRIGHT_IN / PIPEWRIGHT_OUT / PIPEWRIGHT_MODULE remap the three roots for
the local (subprocess) compute backend and for tests.
"""

from __future__ import annotations

import glob
import json
import os
import pickle
import sys

IN = os.environ.get("PIPEWRIGHT_IN", "/in")
OUT = os.environ.get("PIPEWRIGHT_OUT", "/out")
MODULE = os.environ.get("PIPEWRIGHT_MODULE", "/module")
os.environ.setdefault("MPLCONFIGDIR", os.environ.get("TMPDIR", "/tmp"))


class ModuleError(Exception):
    """A user-facing failure: printed to stderr without a traceback; the step exits 1."""


def fail(message):
    raise ModuleError(message)


def run(main):
    """Run `main()`, turning ModuleError into a one-line message and exit code 1."""
    try:
        main()
    except ModuleError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)


def params():
    path = os.path.join(IN, "params.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def input_dir(port):
    """The folder of an input port, or None when the port is not connected."""
    path = os.path.join(IN, port)
    if not os.path.isdir(path) or not os.listdir(path):
        return None
    return path


def output_dir(port):
    path = os.path.join(OUT, port)
    os.makedirs(path, exist_ok=True)
    return path


def input_file(port, preferred, patterns=("*",)):
    """The preferred file of an input folder, else its only file matching the patterns."""
    folder = input_dir(port)
    if folder is None:
        return None
    if os.path.isfile(os.path.join(folder, preferred)):
        return os.path.join(folder, preferred)
    for pattern in patterns:
        found = sorted(p for p in glob.glob(os.path.join(folder, pattern)) if os.path.isfile(p))
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(os.path.basename(p) for p in found)
            fail(f"input '{port}' holds several candidate files ({names}); expected {preferred}")
    fail(f"input '{port}' holds no {preferred}")
    return None


def read_df(port, required=True):
    """A DataFrame input: data.csv, else the folder's single *.csv (an uploaded dataset keeps its name)."""
    import pandas as pd

    if input_dir(port) is None:
        if required:
            fail(f"input '{port}' is required but not connected")
        return None
    path = input_file(port, "data.csv", ("*.csv", "*.tsv", "*.txt", "*"))
    sep = "\t" if path.endswith(".tsv") else ","
    try:
        return pd.read_csv(path, sep=sep)
    except Exception as exc:
        fail(f"input '{port}': cannot read {os.path.basename(path)} as CSV: {exc}")
        return None


def write_df(port, df, meta=None):
    folder = output_dir(port)
    df.to_csv(os.path.join(folder, "data.csv"), index=False)
    if meta is not None:
        with open(os.path.join(folder, "meta.json"), "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=2, sort_keys=True)


def read_meta(port):
    folder = input_dir(port)
    path = os.path.join(folder, "meta.json") if folder else None
    if path is None or not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_model(port):
    path = input_file(port, "model.pkl", ("*.pkl",))
    if path is None:
        fail(f"input '{port}' is required but not connected")
    with open(path, "rb") as f:
        return pickle.load(f)


def write_model(port, model):
    with open(os.path.join(output_dir(port), "model.pkl"), "wb") as f:
        pickle.dump(model, f)


def write_metrics(port, metrics):
    """A Metrics output port (metrics.json); also recorded as the step's metrics (/out/metrics.json)."""
    text = json.dumps(metrics, indent=2, sort_keys=True)
    with open(os.path.join(output_dir(port), "metrics.json"), "w", encoding="utf-8") as f:
        f.write(text)
    record_metrics(metrics)


def record_metrics(metrics):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "metrics.json"), "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2, sort_keys=True)


def write_figure(port, fig):
    fig.savefig(os.path.join(output_dir(port), "image.png"), dpi=100, bbox_inches="tight")


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def column_list(value):
    """'a, b ,c' -> ['a', 'b', 'c']; '' -> []."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [c.strip() for c in str(value).split(",") if c.strip()]


def require_columns(df, columns, what="column"):
    missing = [c for c in columns if c not in df.columns]
    if missing:
        fail(f"{what} not found: {', '.join(missing)} (available: {', '.join(map(str, df.columns))})")
