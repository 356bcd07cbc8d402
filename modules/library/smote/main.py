"""SMOTE: synthetic minority rows interpolated between nearest minority neighbours."""

import numpy as np
import pandas as pd
import pw
from sklearn.neighbors import NearestNeighbors


def main():
    p = pw.params()
    df = pw.read_df("data")
    label = p.get("label_column", "target")
    pw.require_columns(df, [label], "label column")
    features = [c for c in df.columns if c != label]
    text = [c for c in features if not pd.api.types.is_numeric_dtype(df[c])]
    if text:
        pw.fail(f"SMOTE needs numeric features; not numeric: {', '.join(text)} (convert or select columns first)")
    counts = df[label].value_counts()
    wanted = str(p.get("minority_class", "")).strip()
    if wanted:
        matches = [c for c in counts.index if str(c) == wanted]
        if not matches:
            pw.fail(
                f"minority_class '{wanted}' is not a value of '{label}' (values: {', '.join(map(str, counts.index))})"
            )
        minority = matches[0]
    else:
        minority = counts.idxmin()
    rows = df[df[label] == minority]
    x = rows[features].astype(float).fillna(rows[features].mean()).to_numpy()
    new = round(len(rows) * int(p.get("percentage", 100)) / 100)
    if len(rows) < 2 or new == 0:
        pw.write_df("data", df)
        print(f"class {minority!r} has {len(rows)} rows; nothing to synthesize")
        return
    k = min(int(p.get("neighbors", 5)), len(rows) - 1)
    _, idx = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x)
    rng = np.random.default_rng(int(p.get("seed", 42)))
    base = rng.integers(0, len(rows), size=new)
    neighbour = idx[base, rng.integers(1, k + 1, size=new)]
    gap = rng.random((new, 1))
    synthetic = x[base] + gap * (x[neighbour] - x[base])
    extra = pd.DataFrame(synthetic, columns=features)
    for c in features:
        if pd.api.types.is_integer_dtype(df[c]):
            extra[c] = extra[c].round().astype(df[c].dtype)
    extra[label] = minority
    out = pd.concat([df, extra[df.columns]], ignore_index=True)
    pw.write_df("data", out)
    pw.record_metrics({"minority_class": str(minority), "synthetic_rows": new, "rows": len(out)})
    print(f"class {minority!r}: {len(rows)} rows + {new} synthetic (k={k}); {len(out)} rows in all")


if __name__ == "__main__":
    pw.run(main)
