"""The library's per-algorithm trainers, model tools, feature and data modules, run in the real
step image on scikit-learn's bundled data sets (and the project's text sample), each checked
against a known result. Several modules share one container per test to keep the suite fast."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.library.inprocess import run_steps as run_chain
from tests.library.steps import PNG_MAGIC, Step

pytestmark = pytest.mark.docker

SAMPLES = Path(__file__).resolve().parents[2] / "designer" / "samples" / "data"


def csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path / "data.csv")


def evaluate(prefix: str, trainer: str, params: dict, train: str, test: str) -> list[Step]:
    return [
        Step(f"{prefix}_train", trainer, params, {"data": train}),
        Step(f"{prefix}_score", "score-model", {}, {"model": f"{prefix}_train.model", "data": test}),
        Step(f"{prefix}_eval", "evaluate-model", {}, {"scored": f"{prefix}_score.scored"}),
    ]


def test_every_classifier_family_plugs_into_score_and_evaluate(tmp_path: Path) -> None:
    label = {"label_column": "target"}
    steps = [
        Step("iris", "import-data", {"sample": "iris"}),
        Step("norm", "normalize-data", {"method": "zscore", "label_column": "target"}, {"data": "iris.data"}),
        Step("split", "split-data", {"test_size": 0.3, "seed": 1, "stratify_column": "target"}, {"data": "norm.data"}),
        *evaluate("lr", "logistic-regression", {**label, "C": 1.0}, "split.train", "split.test"),
        *evaluate("dt", "decision-tree", {**label, "max_depth": 3}, "split.train", "split.test"),
        *evaluate("rf", "random-forest", {**label, "n_estimators": 30}, "split.train", "split.test"),
        *evaluate("gb", "gradient-boosting", {**label, "n_estimators": 30}, "split.train", "split.test"),
        *evaluate("svm", "support-vector-machine", {**label, "kernel": "rbf"}, "split.train", "split.test"),
        *evaluate("knn", "k-nearest-neighbors", {**label, "n_neighbors": 5}, "split.train", "split.test"),
        *evaluate("nb", "naive-bayes", {**label, "distribution": "gaussian"}, "split.train", "split.test"),
        Step("bad_dt", "decision-tree", {**label, "criterion": "absolute_error"}, {"data": "split.train"}),
        Step("bad_label", "random-forest", {"label_column": "species"}, {"data": "split.train"}),
    ]
    chain = run_chain(tmp_path, steps)
    chain.check(*[s.name for s in steps if not s.name.startswith("bad_")])
    for prefix in ("lr", "dt", "rf", "gb", "svm", "knn", "nb"):
        metrics = chain.metrics(f"{prefix}_eval")
        assert metrics["task"] == "classification", prefix
        assert metrics["accuracy"] > 0.85, (prefix, metrics)
    scored = csv(chain.out("svm_score", "scored"))
    assert {"Scored Labels", "Scored Probabilities_0", "Scored Probabilities_2"} <= set(scored.columns)
    assert chain.codes["bad_dt"] == 1 and "criterion 'absolute_error' is not for classification" in chain.logs["bad_dt"]
    assert chain.codes["bad_label"] == 1 and "species" in chain.logs["bad_label"]
    assert "Traceback" not in chain.logs["bad_label"]


def test_every_regressor_family_on_diabetes(tmp_path: Path) -> None:
    reg = {"label_column": "target", "task": "regression"}
    steps = [
        Step("db", "import-data", {"sample": "diabetes"}),
        Step("split", "split-data", {"test_size": 0.25, "seed": 0}, {"data": "db.data"}),
        *evaluate("lin", "linear-regression", {"label_column": "target"}, "split.train", "split.test"),
        *evaluate("ridge", "linear-regression", {"label_column": "target", "alpha": 0.01}, "split.train", "split.test"),
        *evaluate("rf", "random-forest", {**reg, "n_estimators": 50, "max_depth": 6}, "split.train", "split.test"),
        *evaluate("gb", "gradient-boosting", {**reg, "n_estimators": 50}, "split.train", "split.test"),
        *evaluate("knn", "k-nearest-neighbors", {**reg, "n_neighbors": 15}, "split.train", "split.test"),
        *evaluate("dt", "decision-tree", {**reg, "max_depth": 3}, "split.train", "split.test"),
        *evaluate(
            "svr", "support-vector-machine", {**reg, "kernel": "linear", "C": 100.0}, "split.train", "split.test"
        ),
    ]
    chain = run_chain(tmp_path, steps)
    chain.check()
    for prefix in ("lin", "ridge", "rf", "gb", "knn", "dt", "svr"):
        metrics = chain.metrics(f"{prefix}_eval")
        assert metrics["task"] == "regression", prefix
        assert metrics["r2"] > (0.05 if prefix == "dt" else 0.2), (prefix, metrics)  # a depth-3 tree is weak
    assert chain.metrics("lin_train")["train_score"] == pytest.approx(0.555, abs=0.01)  # OLS R² on this split


def test_model_tools_cross_validate_tune_and_explain(tmp_path: Path) -> None:
    steps = [
        Step("iris", "import-data", {"sample": "iris"}),
        Step("lr", "logistic-regression", {"label_column": "target"}, {"data": "iris.data"}),
        Step("cv", "cross-validate-model", {"folds": 5, "seed": 1}, {"model": "lr.model", "data": "iris.data"}),
        Step("dt", "decision-tree", {"label_column": "target"}, {"data": "iris.data"}),
        Step(
            "grid",
            "tune-model-hyperparameters",
            {"search": "grid", "space": '{"max_depth": [1, 2, 3, 4]}', "folds": 5},
            {"model": "dt.model", "data": "iris.data"},
        ),
        Step(
            "random",
            "tune-model-hyperparameters",
            {
                "search": "random",
                "space": '{"max_depth": [1, 2, 3, 4, 5], "min_samples_leaf": [1, 5]}',
                "iterations": 4,
            },
            {"model": "dt.model", "data": "iris.data"},
        ),
        Step("score", "score-model", {}, {"model": "grid.model", "data": "iris.data"}),
        Step("bc", "import-data", {"sample": "breast_cancer"}),
        Step("bc_rf", "random-forest", {"label_column": "target", "n_estimators": 40}, {"data": "bc.data"}),
        Step("pfi", "permutation-feature-importance", {"repeats": 3}, {"model": "lr.model", "data": "iris.data"}),
        Step(
            "bad_space",
            "tune-model-hyperparameters",
            {"space": '{"depth": [1]}'},
            {"model": "dt.model", "data": "iris.data"},
        ),
        Step(
            "bad_json",
            "tune-model-hyperparameters",
            {"space": "{max_depth"},
            {"model": "dt.model", "data": "iris.data"},
        ),
    ]
    chain = run_chain(tmp_path, steps)
    chain.check("iris", "lr", "cv", "dt", "grid", "random", "score", "pfi")
    cv = chain.metrics("cv")
    assert cv["folds"] == 5 and cv["accuracy_mean"] > 0.9 and cv["accuracy_std"] < 0.1
    folds = csv(chain.out("cv", "folds"))
    assert folds["fold"].tolist() == ["1", "2", "3", "4", "5", "mean", "std"]
    assert folds["rows"].tolist()[:5] == [30] * 5
    grid = chain.metrics("grid")
    assert grid["tried"] == 4
    assert json.loads(grid["best_params"])["max_depth"] in (3, 4)
    assert grid["best_accuracy"] > 0.9
    results = csv(chain.out("grid", "results"))
    assert results.iloc[-1]["max_depth"] == 1 and results.iloc[-1]["accuracy_mean"] == pytest.approx(2 / 3, abs=0.01)
    assert chain.metrics("random")["tried"] == 4
    assert (
        csv(chain.out("score", "scored"))["Scored Labels"] == csv(chain.out("iris", "data"))["target"]
    ).mean() > 0.95
    importance = csv(chain.out("pfi", "importance"))
    assert importance.iloc[0]["feature"] in ("petal length (cm)", "petal width (cm)")
    assert importance.iloc[0]["importance"] > 0.1
    assert chain.codes["bad_space"] == 1 and "has no setting 'depth'" in chain.logs["bad_space"]
    assert chain.codes["bad_json"] == 1 and "'space' is not JSON" in chain.logs["bad_json"]


def test_clustering_feature_selection_and_correlation(tmp_path: Path) -> None:
    steps = [
        Step("iris", "import-data", {"sample": "iris"}),
        Step("norm", "normalize-data", {"method": "zscore", "label_column": "target"}, {"data": "iris.data"}),
        Step("km", "k-means", {"n_clusters": 3, "label_column": "target", "seed": 0}, {"data": "norm.data"}),
        Step("assign", "assign-data-to-clusters", {}, {"model": "km.model", "data": "norm.data"}),
        Step("score", "score-model", {}, {"model": "km.model", "data": "norm.data"}),
        Step("anova", "filter-based-feature-selection", {"method": "anova_f", "k": 2}, {"data": "iris.data"}),
        Step("pearson", "filter-based-feature-selection", {"method": "pearson", "k": 1}, {"data": "iris.data"}),
        Step("chi2", "filter-based-feature-selection", {"method": "chi_squared", "k": 3}, {"data": "iris.data"}),
        Step("mi", "filter-based-feature-selection", {"method": "mutual_information", "k": 2}, {"data": "iris.data"}),
        Step("bad_chi2", "filter-based-feature-selection", {"method": "chi_squared"}, {"data": "norm.data"}),
        Step("corr", "compute-linear-correlation", {}, {"data": "iris.data"}),
    ]
    chain = run_chain(tmp_path, steps)
    chain.check(*[s.name for s in steps if not s.name.startswith("bad_")])
    km = chain.metrics("km")
    assert km["clusters"] == 3 and km["adjusted_rand_index"] > 0.55 and km["silhouette"] > 0.4
    assigned = csv(chain.out("km", "assignments"))
    assert sorted(assigned["Assignments"].unique()) == [0, 1, 2]
    again = csv(chain.out("assign", "assignments"))
    assert again["Assignments"].tolist() == assigned["Assignments"].tolist()
    assert "DistancesToClusterCenter no.2" in again.columns
    assert json.loads((chain.out("assign", "metrics") / "metrics.json").read_text())["rows"] == 150
    assert csv(chain.out("score", "scored"))["Scored Labels"].tolist() == assigned["Assignments"].tolist()
    petals = {"petal length (cm)", "petal width (cm)"}
    assert set(csv(chain.out("anova", "data")).columns) == {"target"} | petals
    assert set(csv(chain.out("mi", "data")).columns) == {"target"} | petals
    assert list(csv(chain.out("pearson", "data")).columns) == ["target", "petal width (cm)"]
    assert len(csv(chain.out("chi2", "scores"))) == 4 and len(csv(chain.out("chi2", "data")).columns) == 4
    assert chain.codes["bad_chi2"] == 1 and "non-negative" in chain.logs["bad_chi2"]
    corr = pd.read_csv(chain.out("corr", "correlation") / "data.csv").set_index("column")
    assert corr.loc["petal length (cm)", "petal width (cm)"] == pytest.approx(0.963, abs=0.001)
    assert corr.loc["sepal width (cm)", "sepal width (cm)"] == pytest.approx(1.0)
    assert (chain.out("corr", "plot") / "image.png").read_bytes()[:8] == PNG_MAGIC


def test_text_features_classify_the_shipped_sentences(tmp_path: Path) -> None:
    text = {"sentences": {"sentences.csv": (SAMPLES / "sentences.csv").read_text()}}
    steps = [
        Step("pre", "preprocess-text", {"text_column": "text", "output_column": ""}, {"data": "data:sentences"}),
        Step("split", "split-data", {"test_size": 0.25, "seed": 2, "stratify_column": "label"}, {"data": "pre.data"}),
        Step("tf_train", "tfidf-text-features", {"text_column": "text"}, {"data": "split.train"}),
        Step(
            "tf_test",
            "tfidf-text-features",
            {"text_column": "text"},
            {"data": "split.test", "vocabulary": "tf_train.vocabulary"},
        ),
        *evaluate("lr", "logistic-regression", {"label_column": "label", "C": 10.0}, "tf_train.data", "tf_test.data"),
        Step("hash", "feature-hashing", {"text_column": "text", "bits": 9}, {"data": "pre.data"}),
        Step("hsplit", "split-data", {"test_size": 0.25, "seed": 2, "stratify_column": "label"}, {"data": "hash.data"}),
        *evaluate(
            "nb", "naive-bayes", {"label_column": "label", "distribution": "multinomial"}, "hsplit.train", "hsplit.test"
        ),
    ]
    chain = run_chain(tmp_path, steps, data=text)
    chain.check()
    cleaned = csv(chain.out("pre", "data"))
    assert len(cleaned) == 320 and not cleaned["text"].str.contains(r"[A-Z.]").any()
    assert " the " not in " ".join(cleaned["text"])  # a stop word
    train, test = csv(chain.out("tf_train", "data")), csv(chain.out("tf_test", "data"))
    assert list(train.columns) == list(test.columns)  # the test set gets the training vocabulary
    assert "tfidf_goalkeeper" in train.columns and "text" not in train.columns
    assert chain.metrics("lr_eval")["accuracy"] > 0.9
    hashed = csv(chain.out("hash", "data"))
    assert [c for c in hashed.columns if c.startswith("hash_")] == [f"hash_{i}" for i in range(512)]
    first = cleaned["text"].iloc[0].split()
    assert hashed.filter(like="hash_").iloc[0].sum() == len(first)  # counts of every word
    assert chain.metrics("nb_eval")["accuracy"] > 0.9


def test_data_modules_on_known_tables(tmp_path: Path) -> None:
    people = {"people": {"data.csv": "id,name,age,member\n1,Ann,30,yes\n2,Bo,41,no\n3,Cy,50,yes\n"}}
    steps = [
        Step("iris", "import-data", {"sample": "iris"}),
        Step("bc", "import-data", {"sample": "breast_cancer"}),
        Step("smote", "smote", {"label_column": "target", "percentage": 100, "neighbors": 5}, {"data": "bc.data"}),
        Step("dedup", "remove-duplicate-rows", {}, {"data": "iris.data"}),
        Step("dedup_key", "remove-duplicate-rows", {"columns": "target", "keep": "last"}, {"data": "iris.data"}),
        Step("head", "partition-and-sample", {"mode": "head", "rows": 10}, {"data": "iris.data"}),
        Step(
            "sample",
            "partition-and-sample",
            {"mode": "sample", "fraction": 0.2, "stratify_column": "target", "seed": 3},
            {"data": "iris.data"},
        ),
        Step(
            "folds",
            "partition-and-sample",
            {"mode": "folds", "folds": 5, "stratify_column": "target"},
            {"data": "iris.data"},
        ),
        Step("wine", "import-data", {"sample": "wine"}),
        Step(
            "meta",
            "edit-metadata",
            {"columns": "magnesium, proline", "new_names": "Mg, Proline", "data_type": "integer"},
            {"data": "wine.data"},
        ),
        Step("boolean", "edit-metadata", {"columns": "member", "data_type": "boolean"}, {"data": "data:people"}),
        Step("bad_int", "edit-metadata", {"columns": "name", "data_type": "integer"}, {"data": "data:people"}),
        Step("rows", "add-rows", {}, {"first": "head.data", "second": "sample.data"}),
        Step("mixed", "add-rows", {}, {"first": "head.data", "second": "data:people"}),
        Step("tsv", "convert-to-csv", {"delimiter": "tab"}, {"data": "iris.data"}),
        Step("parquet", "convert-to-parquet", {}, {"data": "iris.data"}),
        Step("jsonl", "export-data", {"file_name": "wine", "format": "jsonl"}, {"data": "wine.data"}),
        Step("json", "export-data", {"file_name": "iris", "format": "json"}, {"data": "iris.data"}),
    ]
    chain = run_chain(tmp_path, steps, data=people)
    chain.check(*[s.name for s in steps if s.name != "bad_int"])
    before = csv(chain.out("bc", "data"))["target"].value_counts().to_dict()
    assert before == {1: 357, 0: 212}
    after = csv(chain.out("smote", "data"))
    assert after["target"].value_counts().to_dict() == {1: 357, 0: 424}
    synthetic, minority = after.iloc[569:], before and after.iloc[:569][after.iloc[:569]["target"] == 0]
    for column in ("mean radius", "worst area"):
        assert minority[column].min() <= synthetic[column].min() and synthetic[column].max() <= minority[column].max()
    assert len(csv(chain.out("dedup", "data"))) == 149  # iris repeats one row
    assert csv(chain.out("dedup_key", "data")).index.size == 3
    assert len(csv(chain.out("head", "data"))) == 10
    sample = csv(chain.out("sample", "data"))
    assert sample["target"].value_counts().to_dict() == {0: 10, 1: 10, 2: 10}
    folds = csv(chain.out("folds", "data"))
    assert folds["Fold"].value_counts().to_dict() == {i: 30 for i in range(5)}
    assert (folds.groupby("Fold")["target"].nunique() == 3).all()
    meta = csv(chain.out("meta", "data"))
    assert list(meta.columns)[4:6] == ["Mg", "total_phenols"] and meta.columns[12] == "Proline"
    first = (chain.out("meta", "data") / "data.csv").read_text().splitlines()[1].split(",")
    assert (first[4], first[12]) == ("127", "1065")  # wine's first row (127.0, 1065.0), now integers
    assert csv(chain.out("boolean", "data"))["member"].tolist() == [True, False, True]
    assert chain.codes["bad_int"] == 1 and "column 'name' cannot become integer" in chain.logs["bad_int"]
    rows = csv(chain.out("rows", "data"))
    assert len(rows) == 40 and list(rows.columns) == list(csv(chain.out("iris", "data")).columns)
    mixed = csv(chain.out("mixed", "data"))
    assert len(mixed) == 13 and mixed["name"].notna().sum() == 3 and mixed["target"].notna().sum() == 10
    tsv = (chain.out("tsv", "file") / "data.tsv").read_text().splitlines()
    assert len(tsv) == 151 and tsv[0].split("\t") == list(csv(chain.out("iris", "data")).columns)
    parquet = (chain.out("parquet", "file") / "data.parquet").read_bytes()
    assert parquet[:4] == parquet[-4:] == b"PAR1"  # the format's magic at both ends (pyarrow in the image)
    assert "wrote data.parquet with pyarrow: 150 rows" in chain.logs["parquet"]
    lines = (chain.out("jsonl", "file") / "wine.jsonl").read_text().splitlines()
    assert len(lines) == 178 and json.loads(lines[0])["proline"] == 1065 and json.loads(lines[-1])["target"] == 2
    assert len(json.loads((chain.out("json", "file") / "iris.json").read_text())) == 150
