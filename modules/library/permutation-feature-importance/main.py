"""Permutation Feature Importance: score drop per shuffled feature."""

import pandas as pd
import pw
import scoring
import trainer
from sklearn import inspection


def main():
    model = pw.read_model("model")
    scoring.supervised(model, "Permutation Feature Importance")
    p = pw.params()
    task = model["task"]
    df = pw.read_df("data")
    pw.require_columns(df, [model["label"]], "label column")
    df = df.dropna(subset=[model["label"]])
    x = trainer.features(df.drop(columns=[model["label"]]), model["features"])
    name, metric, _ = scoring.scorer(task, p.get("metric", "auto"))
    result = inspection.permutation_importance(
        model["estimator"],
        x,
        df[model["label"]],
        scoring=name,
        n_repeats=int(p.get("repeats", 5)),
        random_state=int(p.get("seed", 42)),
    )
    table = pd.DataFrame(
        {"feature": x.columns, "importance": result.importances_mean, "std": result.importances_std}
    ).sort_values("importance", ascending=False, kind="stable")
    pw.write_df("importance", table)
    pw.record_metrics({"metric": metric, "top_feature": str(table.iloc[0]["feature"]), "features": len(table)})
    print(table.to_string(index=False))


if __name__ == "__main__":
    pw.run(main)
