"""Tune Model Hyperparameters: grid or random search with cross-validation, best model refit."""

import json

import pandas as pd
import pw
import scoring
import trainer
from sklearn import base, model_selection


def space(text, estimator):
    try:
        value = json.loads(text)
    except ValueError as exc:
        pw.fail(f"parameter 'space' is not JSON: {exc}")
    if not isinstance(value, dict) or not value:
        pw.fail("parameter 'space' must be a JSON object of lists, e.g. {\"max_depth\": [1, 2, 3]}")
    known = estimator.get_params()
    for name, values in value.items():
        if name not in known:
            pw.fail(
                f"parameter 'space': {type(estimator).__name__} has no setting '{name}' "
                f"(it has: {', '.join(sorted(known))})"
            )
        if not isinstance(values, list) or not values:
            pw.fail(f"parameter 'space': '{name}' must be a non-empty list of values")
    return value


def main():
    model = pw.read_model("model")
    scoring.supervised(model, "Tune Model Hyperparameters")
    p = pw.params()
    task = model["task"]
    x, y = trainer.labelled(pw.read_df("data"), model["label"], task)
    estimator = base.clone(model["estimator"])
    grid = space(p.get("space", ""), estimator)
    name, metric, sign = scoring.scorer(task, p.get("metric", "auto"))
    seed = int(p.get("seed", 42))
    folds = int(p.get("folds", 5))
    if task == "classification":
        cv = model_selection.StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    else:
        cv = model_selection.KFold(n_splits=folds, shuffle=True, random_state=seed)
    if p.get("search", "grid") == "random":
        search = model_selection.RandomizedSearchCV(
            estimator, grid, n_iter=int(p.get("iterations", 10)), scoring=name, cv=cv, random_state=seed, refit=True
        )
    else:
        search = model_selection.GridSearchCV(estimator, grid, scoring=name, cv=cv, refit=True)
    try:
        search.fit(x, y)
    except ValueError as exc:
        pw.fail(f"search failed: {exc}")
    cv_results = search.cv_results_
    rows = []
    for i, params in enumerate(cv_results["params"]):
        row = {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in params.items()}
        row[f"{metric}_mean"] = float(cv_results["mean_test_score"][i] * sign)
        row[f"{metric}_std"] = float(cv_results["std_test_score"][i])
        row["rank"] = int(cv_results["rank_test_score"][i])
        rows.append(row)
    table = pd.DataFrame(rows).sort_values(["rank"], kind="stable")
    pw.write_df("results", table)
    best = trainer.package(search.best_estimator_, model["algorithm"], task, model["label"], x)
    pw.write_model("model", best)
    result = {
        "best_" + metric: float(search.best_score_ * sign),
        "best_params": json.dumps(search.best_params_, sort_keys=True),
        "tried": len(rows),
        "metric": metric,
    }
    pw.write_metrics("metrics", result)
    print(table.to_string(index=False))
    print(f"best: {result['best_params']} ({metric} {result['best_' + metric]:.4f})")


if __name__ == "__main__":
    pw.run(main)
