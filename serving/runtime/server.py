"""A deployment replica: loads the model and the fitted transforms once, answers on a unix socket.

Runs inside the step image (python3 + pandas + scikit-learn), with no network, as nobody, on a
read-only root. Reads its spec from /spec/spec.json, the model from /model/, listens on
/sock/replica.sock. The framing is one JSON object per line each way:

    {"op": "ping"}                        -> {"ok": true, "pid": 7}
    {"op": "predict", "rows": [{...}]}    -> {"ok": true, "rows": [{"Scored Labels": ...}, ...]}
                                          or {"ok": false, "status": 400, "detail": "...",
                                              "errors": [{"row": 0, "field": "col", "message": "..."}]}

Stdlib and numpy only (the model is unpickled with the image's scikit-learn). No Django, no pandas.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import socketserver
import sys
import time
import warnings

import numpy as np

SPEC = os.environ.get("SERVING_SPEC", "/spec/spec.json")
SOCKET = os.environ.get("SERVING_SOCKET", "/sock/replica.sock")
MODEL_DIR = os.environ.get("SERVING_MODEL", "/model")


class RowError(Exception):
    def __init__(self, row: int, field: str, message: str):
        super().__init__(message)
        self.row, self.field, self.message = row, field, message


def _plain(value):
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class Scorer:
    """The transforms and the model, applied to plain rows (dicts): no DataFrame per request. The
    features are built as Score Model builds them (`pd.get_dummies(...).reindex(features).fillna(0)`):
    a number goes to its column, a string value v of column c to the one-hot column "c_v", a
    missing value or an unknown column is 0."""

    def __init__(self, spec: dict, model: dict):
        self.spec = spec
        self.model = model
        self.estimator = model["estimator"]
        self.features = list(model["features"])
        self.index = {f: i for i, f in enumerate(self.features)}
        self.label = model.get("label")
        self.classes = list(model.get("classes") or [])
        self.proba = model.get("task") == "classification" and hasattr(self.estimator, "predict_proba")
        self.columns = [c["name"] for c in spec["schema"]]

    def transform(self, rows: list) -> list:
        out = []
        for r, source in enumerate(rows):
            row = {c: source.get(c) for c in self.columns}
            for step in self.spec["steps"]:
                kind, state = step["kind"], step.get("state") or {}
                if kind == "select-columns":
                    row = {c: row[c] for c in step["columns"] if c in row}
                elif kind == "clean-missing":
                    if state.get("mode") == "remove_rows":
                        for col in state.get("columns", []):
                            if col in row and _missing(row[col]):
                                raise RowError(r, col, f"missing value (node '{step['node']}' removes such rows)")
                    else:
                        for col, fill in state.get("fill", {}).items():
                            if col in row and _missing(row[col]):
                                row[col] = fill
                elif kind == "normalize":
                    for col, fit in state.get("columns", {}).items():
                        if col in row and not _missing(row[col]):
                            scale = fit["scale"]
                            try:
                                row[col] = (float(row[col]) - fit["center"]) / scale if scale else 0.0
                            except (TypeError, ValueError):
                                raise RowError(r, col, "not a number") from None
            out.append(row)
        return out

    def vectorize(self, rows: list) -> np.ndarray:
        x = np.zeros((len(rows), len(self.features)))
        for i, row in enumerate(rows):
            for col, value in row.items():
                if col == self.label or _missing(value):
                    continue
                if isinstance(value, (bool, int, float)):
                    j = self.index.get(col)
                    if j is not None:
                        x[i, j] = float(value)
                else:
                    j = self.index.get(f"{col}_{value}")
                    if j is not None:
                        x[i, j] = 1.0
        return x

    def predict(self, rows: list) -> list:
        x = self.vectorize(self.transform(rows))
        labels = self.estimator.predict(x)
        out = [{"Scored Labels": _plain(v)} for v in labels]
        if self.proba:
            proba = self.estimator.predict_proba(x)
            for i, row in enumerate(out):
                if len(self.classes) == 2:
                    row["Scored Probabilities"] = _plain(proba[i, 1])
                else:
                    for j, c in enumerate(self.classes):
                        row[f"Scored Probabilities_{c}"] = _plain(proba[i, j])
        return out


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def answer(scorer: Scorer, request: dict) -> dict:
    op = request.get("op")
    if op == "ping":
        return {"ok": True, "pid": os.getpid()}
    if op == "predict":
        try:
            return {"ok": True, "rows": scorer.predict(request.get("rows") or [])}
        except RowError as exc:
            detail = f"Row {exc.row}, column '{exc.field}': {exc.message}."
            return {"ok": False, "status": 400, "detail": detail,
                    "errors": [{"row": exc.row, "field": exc.field, "message": exc.message}]}  # fmt: skip
        except Exception as exc:  # a row the model cannot score: the caller's 400, the replica lives on
            return {"ok": False, "status": 400, "detail": f"The model could not score the rows: {exc}", "errors": []}
    return {"ok": False, "status": 400, "detail": f"unknown op {op!r}", "errors": []}


BACKLOG = 128  # connections waiting to be accepted; past it a connect fails (socketserver's default is 5)


def make_server(scorer: Scorer, path: str) -> socketserver.BaseServer:
    """The replica's server on the unix socket `path`: a thread per connection (each web process
    keeps at most SERVING_REPLICA_CONNECTIONS open to a replica and sends one request at a time on
    each), so a request never waits for another connection's; the replica's CPU limit (one core by
    default) bounds them all together."""

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            for line in self.rfile:
                try:
                    reply = answer(scorer, json.loads(line))
                except ValueError as exc:
                    reply = {"ok": False, "status": 400, "detail": f"bad frame: {exc}", "errors": []}
                self.wfile.write(json.dumps(reply, allow_nan=False, default=str).encode() + b"\n")
                self.wfile.flush()

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True
        request_queue_size = BACKLOG

    if os.path.exists(path):
        os.unlink(path)
    server = Server(path, Handler)
    os.chmod(path, 0o666)  # the web process may run as another user than the replica's nobody
    return server


def serve(scorer: Scorer, path: str) -> None:
    server = make_server(scorer, path)
    print(f"replica ready on {path} (pid {os.getpid()})", flush=True)
    server.serve_forever()


def main() -> None:
    started = time.monotonic()
    # the estimators were fitted on DataFrames; rows arrive as arrays in the same column order
    warnings.filterwarnings("ignore", message="X does not have valid feature names")
    with open(SPEC, encoding="utf-8") as f:
        spec = json.load(f)
    with open(os.path.join(MODEL_DIR, "model.pkl"), "rb") as f:
        model = pickle.load(f)
    if not isinstance(model, dict) or "estimator" not in model:
        print("error: the model artifact was not written by Train Model", file=sys.stderr)
        sys.exit(2)
    scorer = Scorer(spec, model)
    try:  # warm the code paths once
        scorer.predict([{c["name"]: None for c in spec["schema"]}])
    except Exception as exc:
        print(f"warm-up: {exc}", flush=True)
    print(f"loaded model and {len(spec['steps'])} transforms in {time.monotonic() - started:.2f} s", flush=True)
    serve(scorer, SOCKET)


if __name__ == "__main__":
    main()
