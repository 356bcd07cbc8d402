"""K-Nearest Neighbors: train and write a Model (the format Train Model writes)."""

import pw
import trainer
from sklearn import neighbors


def build(p, task):
    kw = dict(
        n_neighbors=int(p.get("n_neighbors", 5)),
        weights=p.get("weights", "uniform"),
        metric=p.get("metric", "euclidean"),
    )
    if task == "classification":
        return neighbors.KNeighborsClassifier(**kw), "knn_classifier"
    return neighbors.KNeighborsRegressor(**kw), "knn_regressor"


def main():
    trainer.train(build)


if __name__ == "__main__":
    pw.run(main)
