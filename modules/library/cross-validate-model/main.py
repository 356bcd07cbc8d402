"""Cross Validate Model: k-fold scores of a fresh copy of the model's estimator."""

import numpy as np
import pandas as pd
import pw
import scoring
import trainer
from sklearn import base, model_selection

SCORES = {
    "classification": ["accuracy", "f1", "precision", "recall"],
    "regression": ["r2", "mae", "rmse"],
}


def main():
    model = pw.read_model("model")
    scoring.supervised(model, "Cross Validate Model")
    p = pw.params()
    task = model["task"]
    x, y = trainer.labelled(pw.read_df("data"), model["label"], task)
    k = int(p.get("folds", 5))
    seed = int(p.get("seed", 42))
    if k > len(x):
        pw.fail(f"folds is {k} but the table has only {len(x)} labelled rows")
    if task == "classification" and p.get("stratified", True):
        smallest = int(y.value_counts().min())
        if smallest < k:
            pw.fail(f"a class has only {smallest} rows, fewer than folds={k}; lower 'folds' or turn off 'stratified'")
        splitter = model_selection.StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    else:
        splitter = model_selection.KFold(n_splits=k, shuffle=True, random_state=seed)
    names = SCORES[task]
    scorers = {n: scoring.scorer(task, n) for n in names}
    result = model_selection.cross_validate(
        base.clone(model["estimator"]), x, y, cv=splitter, scoring={n: s[0] for n, s in scorers.items()}
    )
    rows = []
    sizes = [len(test) for _, test in splitter.split(x, y)]
    for i in range(k):
        row = {"fold": str(i + 1), "rows": sizes[i]}
        row.update({n: float(result[f"test_{n}"][i] * scorers[n][2]) for n in names})
        rows.append(row)
    table = pd.DataFrame(rows)
    means = {n: float(np.mean(table[n])) for n in names}
    stds = {n: float(np.std(table[n])) for n in names}
    table = pd.concat(
        [table, pd.DataFrame([{"fold": "mean", "rows": len(x), **means}, {"fold": "std", "rows": len(x), **stds}])]
    )
    pw.write_df("folds", table)
    metrics = {"task": task, "folds": k, "algorithm": model["algorithm"]}
    metrics.update({f"{n}_mean": v for n, v in means.items()})
    metrics.update({f"{n}_std": v for n, v in stds.items()})
    pw.write_metrics("metrics", metrics)
    print(table.to_string(index=False))


if __name__ == "__main__":
    pw.run(main)
