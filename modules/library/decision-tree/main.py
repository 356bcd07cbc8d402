"""Decision Tree: train and write a Model (the format Train Model writes)."""

import pw
import trainer
from sklearn import tree

CRITERIA = {"classification": {"gini", "entropy"}, "regression": {"squared_error", "absolute_error"}}


def build(p, task):
    criterion = p.get("criterion", "auto")
    if criterion == "auto":
        criterion = "gini" if task == "classification" else "squared_error"
    if criterion not in CRITERIA[task]:
        pw.fail(f"criterion '{criterion}' is not for {task}; use one of {', '.join(sorted(CRITERIA[task]))}")
    kw = dict(
        max_depth=int(p.get("max_depth", 0)) or None,
        min_samples_leaf=int(p.get("min_samples_leaf", 1)),
        criterion=criterion,
        random_state=int(p.get("seed", 42)),
    )
    if task == "classification":
        return tree.DecisionTreeClassifier(**kw), "decision_tree_classifier"
    return tree.DecisionTreeRegressor(**kw), "decision_tree_regressor"


def main():
    trainer.train(build)


if __name__ == "__main__":
    pw.run(main)
