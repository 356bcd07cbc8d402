"""Every built-in module, run in the real step image on small data, chained where natural."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.library.steps import PNG_MAGIC, Step, run_chain, run_contract

pytestmark = pytest.mark.docker


def csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path / "data.csv")


def test_it_imports_an_uploaded_dataset_under_the_real_contract(tmp_path: Path) -> None:
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "My Customers.csv").write_text("id,age,city\n1,34,Oslo\n2,,Bergen\n3,51,Oslo\n")
    result = run_contract(tmp_path, "import-data", {"data": upload}, {"sample": "none"})
    assert result.exit_code == 0, result.log
    df = csv(result.out / "data")
    assert list(df.columns) == ["id", "age", "city"]
    assert len(df) == 3
    assert "imported 3 rows" in result.log


def test_it_fails_with_a_message_when_nothing_is_imported(tmp_path: Path) -> None:
    result = run_contract(tmp_path, "import-data", {}, {"sample": "none"})
    assert result.exit_code == 1
    assert "connect a dataset" in result.log
    assert "Traceback" not in result.log


def test_it_trains_scores_and_evaluates_iris(tmp_path: Path) -> None:
    chain = run_chain(
        tmp_path,
        [
            Step("import", "import-data", {"sample": "iris"}),
            Step("summary", "summarize-data", {}, {"data": "import.data"}),
            Step("norm", "normalize-data", {"method": "zscore", "label_column": "target"}, {"data": "import.data"}),
            Step(
                "split", "split-data", {"test_size": 0.3, "seed": 1, "stratify_column": "target"}, {"data": "norm.data"}
            ),
            Step(
                "train",
                "train-model",
                {"label_column": "target", "algorithm": "logistic_regression", "C": 1.0},
                {"data": "split.train"},
            ),
            Step("score", "score-model", {}, {"model": "train.model", "data": "split.test"}),
            Step("eval", "evaluate-model", {}, {"scored": "score.scored"}),
        ],
    )
    chain.check()
    assert len(csv(chain.out("import", "data"))) == 150
    summary = csv(chain.out("summary", "summary")).set_index("column")
    assert summary.loc["sepal length (cm)", "count"] == 150
    assert summary.loc["sepal length (cm)", "mean"] == pytest.approx(5.843, abs=0.01)
    norm = csv(chain.out("norm", "data"))
    assert norm["petal width (cm)"].mean() == pytest.approx(0, abs=1e-6)
    assert sorted(norm["target"].unique()) == [0, 1, 2]  # the label is not rescaled
    train, test = csv(chain.out("split", "train")), csv(chain.out("split", "test"))
    assert (len(train), len(test)) == (105, 45)
    assert test["target"].value_counts().tolist() == [15, 15, 15]  # stratified
    assert (chain.out("train", "model") / "model.pkl").stat().st_size > 0
    scored = csv(chain.out("score", "scored"))
    assert {"Scored Labels", "Scored Probabilities_0", "Scored Probabilities_2"} <= set(scored.columns)
    metrics = json.loads((chain.out("eval", "metrics") / "metrics.json").read_text())
    assert metrics["task"] == "classification"
    assert metrics["accuracy"] > 0.8
    assert 0 < metrics["f1"] <= 1
    assert chain.metrics("eval") == metrics  # also recorded as the step's metrics
    assert (chain.out("eval", "plot") / "image.png").read_bytes()[:8] == PNG_MAGIC


def test_it_evaluates_a_binary_classifier_and_a_regressor(tmp_path: Path) -> None:
    chain = run_chain(
        tmp_path,
        [
            Step("bc", "import-data", {"sample": "breast_cancer"}),
            Step("bc_split", "split-data", {"test_size": 0.25, "seed": 3}, {"data": "bc.data"}),
            Step(
                "bc_train",
                "train-model",
                {"label_column": "target", "algorithm": "random_forest_classifier", "n_estimators": 30, "max_depth": 6},
                {"data": "bc_split.train"},
            ),
            Step("bc_score", "score-model", {}, {"model": "bc_train.model", "data": "bc_split.test"}),
            Step("bc_eval", "evaluate-model", {}, {"scored": "bc_score.scored"}),
            Step("db", "import-data", {"sample": "diabetes"}),
            Step("db_split", "split-data", {"test_size": 0.2, "seed": 0}, {"data": "db.data"}),
            Step(
                "db_train",
                "train-model",
                {"label_column": "target", "algorithm": "linear_regression"},
                {"data": "db_split.train"},
            ),
            Step("db_score", "score-model", {}, {"model": "db_train.model", "data": "db_split.test"}),
            Step("db_eval", "evaluate-model", {"label_column": "target"}, {"scored": "db_score.scored"}),
            Step(
                "gb",
                "train-model",
                {
                    "label_column": "target",
                    "algorithm": "gradient_boosting_regressor",
                    "n_estimators": 20,
                    "learning_rate": 0.2,
                },
                {"data": "db_split.train"},
            ),
        ],
    )
    chain.check()
    bc = chain.metrics("bc_eval")
    assert bc["accuracy"] > 0.9
    assert bc["auc"] > 0.95
    assert {"precision", "recall", "f1"} <= set(bc)
    assert "Scored Probabilities" in csv(chain.out("bc_score", "scored")).columns
    db = chain.metrics("db_eval")
    assert db["task"] == "regression"
    assert db["r2"] > 0.3
    assert db["rmse"] >= db["mae"] > 0
    assert (chain.out("db_eval", "plot") / "image.png").read_bytes()[:8] == PNG_MAGIC
    curves = json.loads((chain.out("bc_eval", "curves") / "curves.json").read_text())
    assert curves["auc"] == bc["auc"] and 2 < len(curves["roc"]) <= 200 and len(curves["pr"]) <= 200
    assert curves["roc"][0]["fpr"] == 0 and curves["roc"][-1]["tpr"] == 1
    assert sum(map(sum, curves["confusion"]["matrix"])) == bc["rows"]
    assert json.loads((chain.out("db_eval", "curves") / "curves.json").read_text()) == {"task": "regression"}
    assert chain.metrics("gb")["train_score"] > 0.5


PEOPLE = "id,name,age,score\n1,Ann,30,1.5\n2,Bo,,2.5\n3,Cy,50,\n4,Di,40,4.0\n"
CITIES = "person,city\n1,Oslo\n2,Rome\n4,Lima\n5,Kyiv\n"
SCRIPT = """
import pandas as pd

def azureml_main(dataframe1=None, dataframe2=None):
    out = dataframe1.copy()
    out["age_next_year"] = out["age"] + 1
    return out, None
"""


def test_it_transforms_tables(tmp_path: Path) -> None:
    data = {"people": {"people.csv": PEOPLE}, "cities": {"data.csv": CITIES}}
    chain = run_chain(
        tmp_path,
        [
            Step("drop", "clean-missing-data", {"mode": "remove_rows"}, {"data": "data:people"}),
            Step("mean", "clean-missing-data", {"mode": "mean", "columns": "age"}, {"data": "data:people"}),
            Step("const", "clean-missing-data", {"mode": "constant", "value": "-1"}, {"data": "data:people"}),
            Step("select", "select-columns", {"columns": "name, age"}, {"data": "mean.data"}),
            Step(
                "join",
                "join-data",
                {"keys": "id=person", "how": "left"},
                {"left": "data:people", "right": "data:cities"},
            ),
            Step(
                "sql",
                "apply-sql-transformation",
                {"query": "SELECT t1.name, t2.city FROM t1 JOIN t2 ON t1.id = t2.person ORDER BY t1.name"},
                {"t1": "data:people", "t2": "data:cities"},
            ),
            Step("py", "execute-python-script", {"script": SCRIPT}, {"dataset1": "mean.data"}),
            Step(
                "minmax",
                "normalize-data",
                {"method": "minmax", "columns": "age", "label_column": ""},
                {"data": "mean.data"},
            ),
            Step("web", "web-input", {"schema": "age:number, name:string"}, {}),
            Step("bad_select", "select-columns", {"columns": "name, salary"}, {"data": "data:people"}),
            Step("bad_sql", "apply-sql-transformation", {"query": "SELECT nope FROM t1"}, {"t1": "data:people"}),
            Step("bad_py", "execute-python-script", {"script": "x = 1"}, {"dataset1": "data:people"}),
        ],
        data=data,
    )
    chain.check("drop", "mean", "const", "select", "join", "sql", "py", "minmax", "web")
    assert csv(chain.out("drop", "data"))["id"].tolist() == [1, 4]
    assert csv(chain.out("mean", "data"))["age"].tolist() == [30, 40, 50, 40]
    assert csv(chain.out("mean", "data"))["score"].isna().sum() == 1  # only 'age' was cleaned
    const = csv(chain.out("const", "data"))
    assert const["age"].tolist() == [30, -1, 50, 40] and const["score"].tolist()[2] == -1
    assert list(csv(chain.out("select", "data")).columns) == ["name", "age"]
    joined = csv(chain.out("join", "data"))
    assert len(joined) == 4 and joined.set_index("id").loc[2, "city"] == "Rome"
    assert joined.set_index("id")["city"].isna().tolist() == [False, False, True, False]
    assert csv(chain.out("sql", "data")).to_dict("list") == {
        "name": ["Ann", "Bo", "Di"],
        "city": ["Oslo", "Rome", "Lima"],
    }
    assert csv(chain.out("py", "result"))["age_next_year"].tolist() == [31, 41, 51, 41]
    assert csv(chain.out("minmax", "data"))["age"].tolist() == [0.0, 0.5, 1.0, 0.5]
    # the fitted state a deployment applies (1.3.0): fill values, and each column's center and scale
    fitted = json.loads((chain.out("mean", "transform") / "transform.json").read_text())
    assert fitted == {"kind": "clean-missing", "mode": "mean", "columns": ["age"], "fill": {"age": 40.0}}
    scaling = json.loads((chain.out("minmax", "transform") / "transform.json").read_text())
    assert scaling == {"kind": "normalize", "method": "minmax", "columns": {"age": {"center": 30.0, "scale": 20.0}}}
    assert list(csv(chain.out("web", "data")).columns) == ["age", "name"] and csv(chain.out("web", "data")).empty
    assert chain.codes["bad_select"] == 1 and "salary" in chain.logs["bad_select"]
    assert chain.codes["bad_sql"] == 1 and "no such column: nope" in chain.logs["bad_sql"]
    assert chain.codes["bad_py"] == 1 and "azureml_main" in chain.logs["bad_py"]


def test_it_reads_a_single_csv_with_any_name_and_refuses_ambiguity(tmp_path: Path) -> None:
    data = {"one": {"export 2024.csv": "a,b\n1,2\n"}, "two": {"x.csv": "a\n1\n", "y.csv": "a\n2\n"}}
    chain = run_chain(
        tmp_path,
        [
            Step("one", "summarize-data", {}, {"data": "data:one"}),
            Step("two", "summarize-data", {}, {"data": "data:two"}),
        ],
        data=data,
    )
    chain.check("one")
    assert csv(chain.out("one", "summary"))["column"].tolist() == ["a", "b"]
    assert chain.codes["two"] == 1 and "several candidate files" in chain.logs["two"]
    assert pd.read_csv(io.StringIO("a\n1\n"))["a"].tolist() == [1]
