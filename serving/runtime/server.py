"""A deployment replica: loads the model and the fitted transforms once, answers on a unix socket.

Runs inside the step image (python3 + pandas + scikit-learn), with no network, as nobody, on a
read-only root. Reads its spec from /spec/spec.json, the model from /model/, listens on
/sock/replica.sock. The framing is one JSON object per line each way:

    {"op": "ping"}                        -> {"ok": true, "pid": 7}
    {"op": "predict", "rows": [{...}]}    -> {"ok": true, "rows": [{"Scored Labels": ...}, ...]}
                                          or {"ok": false, "status": 400, "detail": "...",
                                              "errors": [{"row": 0, "field": "col", "message": "..."}]}

Stdlib only besides pandas (the model is unpickled with the image's scikit-learn). No Django.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import socketserver
import sys
import time

import pandas as pd

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
    def __init__(self, spec: dict, model: dict):
        self.spec = spec
        self.model = model
        self.estimator = model["estimator"]
        self.features = list(model["features"])
        self.classes = list(model.get("classes") or [])
        self.proba = model.get("task") == "classification" and hasattr(self.estimator, "predict_proba")
        self.columns = [c["name"] for c in spec["schema"]]

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        for step in self.spec["steps"]:
            kind, state = step["kind"], step.get("state") or {}
            if kind == "select-columns":
                keep = [c for c in step["columns"] if c in df.columns]
                df = df[keep]
            elif kind == "clean-missing":
                if state.get("mode") == "remove_rows":
                    for col in state.get("columns", []):
                        if col in df.columns and df[col].isna().any():
                            row = int(df.index[df[col].isna()][0])
                            raise RowError(row, col, f"missing value (node '{step['node']}' removes such rows)")
                else:
                    fills = {c: v for c, v in state.get("fill", {}).items() if c in df.columns}
                    if fills:
                        df = df.fillna(value=fills)
            elif kind == "normalize":
                for col, fit in state.get("columns", {}).items():
                    if col in df.columns:
                        scale = fit["scale"]
                        df[col] = (df[col].astype(float) - fit["center"]) / scale if scale else 0.0
        return df

    def predict(self, rows: list) -> list:
        df = pd.DataFrame.from_records(rows, columns=self.columns)
        df = self.transform(df)
        label = self.model.get("label")
        if label in df.columns:
            df = df.drop(columns=[label])
        x = pd.get_dummies(df, dummy_na=False).reindex(columns=self.features, fill_value=0).fillna(0).astype(float)
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


def serve(scorer: Scorer, path: str) -> None:
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

    if os.path.exists(path):
        os.unlink(path)
    server = Server(path, Handler)
    os.chmod(path, 0o666)  # the web process may run as another user than the replica's nobody
    print(f"replica ready on {path} (pid {os.getpid()})", flush=True)
    server.serve_forever()


def main() -> None:
    started = time.monotonic()
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
