"""Linear Regression: train and write a Model (the format Train Model writes)."""

import pw
import trainer
from sklearn import linear_model


def build(p, task):
    alpha = float(p.get("alpha", 0))
    intercept = bool(p.get("fit_intercept", True))
    if alpha > 0:
        return linear_model.Ridge(alpha=alpha, fit_intercept=intercept), "ridge_regression"
    return linear_model.LinearRegression(fit_intercept=intercept), "linear_regression"


def main():
    trainer.train(lambda p, task: build(p, "regression"), task="regression")


if __name__ == "__main__":
    pw.run(main)
