"""Shared by the modules that score a model on folds or permutations (linked into each folder)."""

import pw

CLASSIFICATION = {"accuracy": "accuracy", "f1": "f1_macro", "precision": "precision_macro", "recall": "recall_macro"}
REGRESSION = {"r2": "r2", "mae": "neg_mean_absolute_error", "rmse": "neg_root_mean_squared_error"}


def scorer(task, metric):
    """(sklearn scoring name, the metric's name, sign) for a task; 'auto' is accuracy or r2."""
    table = CLASSIFICATION if task == "classification" else REGRESSION
    if metric in ("", "auto", None):
        metric = "accuracy" if task == "classification" else "r2"
    if metric not in table:
        pw.fail(f"metric '{metric}' does not apply to {task}; use one of {', '.join(table)}")
    name = table[metric]
    return name, metric, -1.0 if name.startswith("neg_") else 1.0


def supervised(model, what):
    if not isinstance(model, dict) or "estimator" not in model:
        pw.fail(f"input 'model' is not a model trained by a library module ({what} needs one)")
    if model.get("task") not in ("classification", "regression"):
        pw.fail(f"{what} needs a classification or regression model, not {model.get('task')}")
