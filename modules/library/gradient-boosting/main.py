"""Gradient Boosted Trees: train and write a Model (the format Train Model writes)."""

import pw
import trainer
from sklearn import ensemble


def build(p, task):
    kw = dict(
        n_estimators=int(p.get("n_estimators", 100)),
        learning_rate=float(p.get("learning_rate", 0.1)),
        max_depth=int(p.get("max_depth", 3)),
        subsample=float(p.get("subsample", 1.0)),
        random_state=int(p.get("seed", 42)),
    )
    if task == "classification":
        return ensemble.GradientBoostingClassifier(**kw), "gradient_boosting_classifier"
    return ensemble.GradientBoostingRegressor(**kw), "gradient_boosting_regressor"


def main():
    trainer.train(build)


if __name__ == "__main__":
    pw.run(main)
