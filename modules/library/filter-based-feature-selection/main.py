"""Filter Based Feature Selection: the k numeric features that score best against the label."""

import pandas as pd
import pw
from sklearn import feature_selection as fs


def scores(method, x, y, seed):
    if method in ("pearson", "spearman"):
        return x.apply(lambda c: abs(c.corr(y, method=method)) if c.std() > 0 else 0.0).fillna(0.0).to_numpy()
    if method == "anova_f":
        return fs.f_classif(x, y)[0]
    if method == "chi_squared":
        negative = [c for c in x.columns if (x[c] < 0).any()]
        if negative:
            pw.fail(f"chi_squared needs non-negative features; negative values in: {', '.join(negative)}")
        return fs.chi2(x, y)[0]
    discrete = not pd.api.types.is_float_dtype(y) or y.nunique() <= 20
    fn = fs.mutual_info_classif if discrete else fs.mutual_info_regression
    return fn(x, y, random_state=seed)


def main():
    p = pw.params()
    df = pw.read_df("data")
    label = p.get("label_column", "target")
    pw.require_columns(df, [label], "label column")
    df = df.dropna(subset=[label])
    method = p.get("method", "pearson")
    numeric = [c for c in df.columns if c != label and pd.api.types.is_numeric_dtype(df[c])]
    if not numeric:
        pw.fail("no numeric feature columns to score")
    x = df[numeric].fillna(0).astype(float)
    y = df[label]
    if method == "pearson" or method == "spearman":
        if not pd.api.types.is_numeric_dtype(y):
            pw.fail(f"{method} needs a numeric label; '{label}' is {y.dtype}")
        y = y.astype(float)
    s = pd.Series(scores(method, x, y, int(p.get("seed", 42))), index=numeric).fillna(0.0)
    table = s.sort_values(ascending=False, kind="stable").rename_axis("feature").reset_index(name="score")
    keep = list(table["feature"][: int(p.get("k", 2))])
    pw.write_df("data", df[[label, *keep]])
    pw.write_df("scores", table)
    pw.record_metrics({"method": method, "kept": len(keep), "scored": len(numeric)})
    print(table.to_string(index=False))
    print(f"kept: {', '.join(keep)}")


if __name__ == "__main__":
    pw.run(main)
