"""Logistic Regression: train and write a Model (the format Train Model writes)."""

import pw
import trainer
from sklearn import linear_model


def build(p, task):
    weight = "balanced" if p.get("class_weight") == "balanced" else None
    est = linear_model.LogisticRegression(
        C=float(p.get("C", 1.0)), max_iter=int(p.get("max_iter", 2000)), class_weight=weight
    )
    return est, "logistic_regression"


def main():
    trainer.train(lambda p, task: build(p, "classification"), task="classification")


if __name__ == "__main__":
    pw.run(main)
