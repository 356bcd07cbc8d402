"""Train Model: a scikit-learn estimator on every non-label column (categoricals one-hot encoded)."""

import pandas as pd
import pw
from sklearn import ensemble, linear_model

CLASSIFIERS = {"logistic_regression", "random_forest_classifier", "gradient_boosting_classifier"}


def features(df):
    x = pd.get_dummies(df, dummy_na=False)
    return x.fillna(0).astype(float)


def build(algorithm, p):
    depth = int(p.get("max_depth", 0)) or None
    seed = int(p.get("seed", 42))
    n = int(p.get("n_estimators", 100))
    rate = float(p.get("learning_rate", 0.1))
    if algorithm == "logistic_regression":
        return linear_model.LogisticRegression(C=float(p.get("C", 1.0)), max_iter=2000)
    if algorithm == "linear_regression":
        return linear_model.LinearRegression()
    if algorithm == "random_forest_classifier":
        return ensemble.RandomForestClassifier(n_estimators=n, max_depth=depth, random_state=seed)
    if algorithm == "random_forest_regressor":
        return ensemble.RandomForestRegressor(n_estimators=n, max_depth=depth, random_state=seed)
    if algorithm == "gradient_boosting_classifier":
        return ensemble.GradientBoostingClassifier(
            n_estimators=n, max_depth=depth or 3, learning_rate=rate, random_state=seed
        )
    if algorithm == "gradient_boosting_regressor":
        return ensemble.GradientBoostingRegressor(
            n_estimators=n, max_depth=depth or 3, learning_rate=rate, random_state=seed
        )
    pw.fail(f"unknown algorithm '{algorithm}'")
    return None


def main():
    df = pw.read_df("data")
    p = pw.params()
    label = p.get("label_column", "target")
    algorithm = p.get("algorithm", "logistic_regression")
    pw.require_columns(df, [label], "label column")
    df = df.dropna(subset=[label])
    if df.empty:
        pw.fail("no rows with a label to train on")
    task = "classification" if algorithm in CLASSIFIERS else "regression"
    y = df[label]
    if task == "regression" and not pd.api.types.is_numeric_dtype(y):
        pw.fail(f"{algorithm} needs a numeric label; '{label}' is {y.dtype}")
    x = features(df.drop(columns=[label]))
    if x.shape[1] == 0:
        pw.fail("no feature columns besides the label")
    estimator = build(algorithm, p)
    try:
        estimator.fit(x, y)
    except ValueError as exc:
        pw.fail(f"training failed: {exc}")
    train_score = float(estimator.score(x, y))
    model = {
        "format": 1,
        "estimator": estimator,
        "algorithm": algorithm,
        "task": task,
        "label": label,
        "features": list(x.columns),
        "classes": [c.item() if hasattr(c, "item") else c for c in getattr(estimator, "classes_", [])],
    }
    pw.write_model("model", model)
    pw.record_metrics({"train_score": train_score, "rows": len(df), "features": x.shape[1]})
    print(f"{algorithm} ({task}) on {len(df)} rows x {x.shape[1]} features; training score {train_score:.4f}")


if __name__ == "__main__":
    pw.run(main)
