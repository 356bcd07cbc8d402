"""Support Vector Machine: train and write a Model (the format Train Model writes)."""

import pw
import trainer
from sklearn import svm


def build(p, task):
    kw = dict(kernel=p.get("kernel", "rbf"), C=float(p.get("C", 1.0)), gamma=p.get("gamma", "scale"))
    if task == "classification":
        est = svm.SVC(probability=bool(p.get("probability", True)), random_state=int(p.get("seed", 42)), **kw)
        return est, "svm_classifier"
    return svm.SVR(**kw), "svm_regressor"


def main():
    trainer.train(build)


if __name__ == "__main__":
    pw.run(main)
