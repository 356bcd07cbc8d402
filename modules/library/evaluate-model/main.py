"""Evaluate Model: classification (accuracy, precision, recall, F1, AUC) or regression (MAE, RMSE, R2).

Since 1.2.0 it also writes `curves/curves.json`: ROC and precision-recall points (at most 200
each, with the threshold of each point) for a binary classifier with probabilities, and the
confusion matrix of any classifier; the run page draws them as interactive charts.
"""

import json
import math
import os

import numpy as np
import pandas as pd
import pw
from sklearn import metrics as m

CURVE_POINTS = 200


def _thin(*columns):
    """At most CURVE_POINTS evenly spaced points (first and last kept); non-finite values as None."""
    n = len(columns[0])
    keep = (
        range(n)
        if n <= CURVE_POINTS
        else sorted({round(i * (n - 1) / (CURVE_POINTS - 1)) for i in range(CURVE_POINTS)})
    )
    fix = lambda v: float(v) if math.isfinite(float(v)) else None  # noqa: E731
    return [[fix(c[i]) for c in columns] for i in keep]


def curves_of(y, pred, labels, df, meta):
    out = {
        "task": "classification",
        "confusion": {"labels": labels, "matrix": m.confusion_matrix(y, pred, labels=labels).tolist()},
    }
    if len(labels) == 2 and "Scored Probabilities" in df.columns:
        classes = [str(c) for c in meta.get("classes", labels)]
        positive = classes[-1] if classes else labels[-1]
        truth = (y == positive).astype(int)
        scores = df["Scored Probabilities"].astype(float)
        fpr, tpr, thr = m.roc_curve(truth, scores)
        out["positive"] = positive
        out["roc"] = [{"fpr": a, "tpr": b, "threshold": t} for a, b, t in _thin(fpr, tpr, thr)]
        out["auc"] = float(m.roc_auc_score(truth, scores))
        precision, recall, pthr = m.precision_recall_curve(truth, scores)
        pthr = np.append(pthr, np.nan)  # the last point (recall 0) has no threshold
        out["pr"] = [{"recall": r, "precision": p, "threshold": t} for r, p, t in _thin(recall, precision, pthr)]
        out["average_precision"] = float(m.average_precision_score(truth, scores))
    return out


def write_curves(curves):
    folder = pw.output_dir("curves")
    with open(os.path.join(folder, "curves.json"), "w", encoding="utf-8") as f:
        json.dump(curves, f)


def classification(df, label, meta):
    y, pred = df[label], df["Scored Labels"]
    if pd.api.types.is_numeric_dtype(y) and pd.api.types.is_numeric_dtype(pred):
        y, pred = y.astype(pred.dtype), pred
    y, pred = y.astype(str), pred.astype(str)
    labels = sorted(set(y) | set(pred))
    binary = len(labels) <= 2
    average = "binary" if binary and len(labels) == 2 else "macro"
    pos = labels[-1] if average == "binary" else 1
    out = {
        "task": "classification",
        "accuracy": float(m.accuracy_score(y, pred)),
        "precision": float(m.precision_score(y, pred, average=average, pos_label=pos, zero_division=0)),
        "recall": float(m.recall_score(y, pred, average=average, pos_label=pos, zero_division=0)),
        "f1": float(m.f1_score(y, pred, average=average, pos_label=pos, zero_division=0)),
        "rows": len(df),
    }
    if binary and len(labels) == 2 and "Scored Probabilities" in df.columns:
        classes = [str(c) for c in meta.get("classes", labels)]
        positive = classes[-1] if classes else labels[-1]
        out["auc"] = float(m.roc_auc_score((y == positive).astype(int), df["Scored Probabilities"]))
    plt = pw.pyplot()
    cm = m.confusion_matrix(y, pred, labels=labels)
    fig, ax = plt.subplots(figsize=(4 + 0.3 * len(labels), 3.5 + 0.3 * len(labels)))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("Scored label")
    ax.set_ylabel("True label")
    ax.set_title("Confusion matrix")
    for i in range(len(labels)):
        for j in range(len(labels)):
            dark = cm[i, j] > cm.max() / 2
            ax.text(j, i, int(cm[i, j]), ha="center", va="center", color="white" if dark else "black")
    return out, fig, curves_of(y, pred, labels, df, meta)


def regression(df, label):
    y, pred = df[label].astype(float), df["Scored Labels"].astype(float)
    out = {
        "task": "regression",
        "mae": float(m.mean_absolute_error(y, pred)),
        "rmse": float(np.sqrt(m.mean_squared_error(y, pred))),
        "r2": float(m.r2_score(y, pred)),
        "rows": len(df),
    }
    plt = pw.pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.scatter(pred, y - pred, s=8, alpha=0.6)
    ax.axhline(0, color="grey", linewidth=1)
    ax.set_xlabel("Scored value")
    ax.set_ylabel("Residual")
    ax.set_title("Residuals")
    return out, fig, {"task": "regression"}


def main():
    df = pw.read_df("scored")
    meta = pw.read_meta("scored")
    label = (pw.params().get("label_column") or "").strip() or meta.get("label", "")
    if not label:
        pw.fail("set 'label_column' (the scored data does not say which column is the label)")
    pw.require_columns(df, [label, "Scored Labels"])
    df = df.dropna(subset=[label, "Scored Labels"])
    if df.empty:
        pw.fail("no rows with both a label and a score")
    task = meta.get("task")
    if task is None:
        task = "regression" if pd.api.types.is_float_dtype(df["Scored Labels"]) else "classification"
    result, fig, curves = classification(df, label, meta) if task == "classification" else regression(df, label)
    pw.write_metrics("metrics", result)
    pw.write_figure("plot", fig)
    write_curves(curves)
    print(", ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    pw.run(main)
