"""K-Means Clustering: fit k-means, write the model and each row's cluster."""

import pw
import trainer
from sklearn import cluster, metrics


def main():
    p = pw.params()
    df = pw.read_df("data")
    label = (p.get("label_column") or "").strip()
    chosen = pw.column_list(p.get("columns"))
    if label:
        pw.require_columns(df, [label], "label column")
    pw.require_columns(df, chosen, "feature column")
    source = df[chosen] if chosen else df.drop(columns=[label] if label else [])
    x = trainer.features(source)
    if x.shape[1] == 0:
        pw.fail("no feature columns")
    k = int(p.get("n_clusters", 3))
    if k > len(x):
        pw.fail(f"n_clusters is {k} but the table has only {len(x)} rows")
    est = cluster.KMeans(
        n_clusters=k,
        init=p.get("init", "k-means++"),
        n_init=int(p.get("n_init", 10)),
        random_state=int(p.get("seed", 42)),
    )
    assigned = est.fit_predict(x)
    model = trainer.package(est, "k_means", "clustering", label, x)
    model["classes"] = list(range(k))
    pw.write_model("model", model)
    out = df.copy()
    out["Assignments"] = assigned
    pw.write_df("assignments", out)
    result = {"inertia": float(est.inertia_), "clusters": k, "rows": len(x)}
    if len(set(assigned)) > 1:
        result["silhouette"] = float(metrics.silhouette_score(x, assigned))
    if label:
        known = df[label].notna()
        result["adjusted_rand_index"] = float(
            metrics.adjusted_rand_score(df.loc[known, label], assigned[known.to_numpy()])
        )
    pw.record_metrics(result)
    print(", ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    pw.run(main)
