"""Assign Data to Clusters: the nearest centre of a K-Means model for every row."""

import pw
import trainer
from sklearn import metrics


def main():
    model = pw.read_model("model")
    if not isinstance(model, dict) or model.get("task") != "clustering":
        pw.fail("input 'model' is not a clustering model (train it with K-Means Clustering)")
    df = pw.read_df("data")
    est = model["estimator"]
    x = trainer.features(df.drop(columns=[model["label"]]) if model["label"] in df.columns else df, model["features"])
    assigned = est.predict(x)
    distances = est.transform(x)
    out = df.copy()
    out["Assignments"] = assigned
    for i in range(distances.shape[1]):
        out[f"DistancesToClusterCenter no.{i}"] = distances[:, i]
    pw.write_df("assignments", out)
    result = {"rows": len(out), "clusters": int(distances.shape[1])}
    for i in range(distances.shape[1]):
        result[f"size_{i}"] = int((assigned == i).sum())
    if len(set(assigned)) > 1:
        result["silhouette"] = float(metrics.silhouette_score(x, assigned))
    label = model["label"]
    if label and label in df.columns:
        known = df[label].notna()
        result["adjusted_rand_index"] = float(
            metrics.adjusted_rand_score(df.loc[known, label], assigned[known.to_numpy()])
        )
    pw.write_metrics("metrics", result)
    print(", ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    pw.run(main)
