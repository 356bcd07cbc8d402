"""Shared by the library's per-algorithm trainers (each module folder links this file).

A trained model is the same dict Train Model writes, so Score Model, Evaluate Model, Cross
Validate Model, Permutation Feature Importance and Tune Model Hyperparameters take it:
{format, estimator, algorithm, task, label, features, classes}.
"""

import pandas as pd
import pw


def features(df, columns=None):
    """Numeric feature matrix: categoricals one-hot encoded, gaps as 0 (as Train Model does)."""
    x = pd.get_dummies(df, dummy_na=False)
    if columns is not None:
        x = x.reindex(columns=columns, fill_value=0)
    return x.fillna(0).astype(float)


def labelled(df, label, task):
    """(x, y) of a labelled table: rows without a label dropped; a regression label must be numeric."""
    pw.require_columns(df, [label], "label column")
    df = df.dropna(subset=[label])
    if df.empty:
        pw.fail("no rows with a label to train on")
    y = df[label]
    if task == "regression" and not pd.api.types.is_numeric_dtype(y):
        pw.fail(f"regression needs a numeric label; '{label}' is {y.dtype}")
    x = features(df.drop(columns=[label]))
    if x.shape[1] == 0:
        pw.fail("no feature columns besides the label")
    return x, y


def package(estimator, algorithm, task, label, x):
    return {
        "format": 1,
        "estimator": estimator,
        "algorithm": algorithm,
        "task": task,
        "label": label,
        "features": list(x.columns),
        "classes": [c.item() if hasattr(c, "item") else c for c in getattr(estimator, "classes_", [])],
    }


def train(build, task=None):
    """Read `data` and the parameters, fit `build(params, task)` -> (estimator, algorithm), write `model`.

    `task` fixes the task (a classifier-only or regressor-only family); else the `task` parameter."""
    p = pw.params()
    label = (p.get("label_column") or "").strip()
    if not label:
        pw.fail("set 'label_column'")
    task = task or p.get("task", "classification")
    df = pw.read_df("data")
    x, y = labelled(df, label, task)
    estimator, algorithm = build(p, task)
    try:
        estimator.fit(x, y)
    except ValueError as exc:
        pw.fail(f"training failed: {exc}")
    score = float(estimator.score(x, y))
    pw.write_model("model", package(estimator, algorithm, task, label, x))
    pw.record_metrics({"train_score": score, "rows": len(x), "features": x.shape[1]})
    print(f"{algorithm} ({task}) on {len(x)} rows x {x.shape[1]} features; training score {score:.4f}")
