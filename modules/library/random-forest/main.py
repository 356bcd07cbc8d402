"""Random Forest: train and write a Model (the format Train Model writes)."""

import pw
import trainer
from sklearn import ensemble


def build(p, task):
    features = p.get("max_features", "sqrt")
    kw = dict(
        n_estimators=int(p.get("n_estimators", 100)),
        max_depth=int(p.get("max_depth", 0)) or None,
        min_samples_leaf=int(p.get("min_samples_leaf", 1)),
        max_features=None if features == "all" else features,
        random_state=int(p.get("seed", 42)),
    )
    if task == "classification":
        return ensemble.RandomForestClassifier(**kw), "random_forest_classifier"
    return ensemble.RandomForestRegressor(**kw), "random_forest_regressor"


def main():
    trainer.train(build)


if __name__ == "__main__":
    pw.run(main)
