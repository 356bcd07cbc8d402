"""Partition and Sample: head, random (stratified) sample, or fold assignment."""

import numpy as np
import pw
from sklearn import model_selection


def main():
    p = pw.params()
    df = pw.read_df("data")
    mode = p.get("mode", "sample")
    seed = int(p.get("seed", 42))
    strat = (p.get("stratify_column") or "").strip()
    if strat:
        pw.require_columns(df, [strat], "stratify column")
    if mode == "head":
        out = df.head(int(p.get("rows", 10)))
    elif mode == "sample":
        fraction = float(p.get("fraction", 0.1))
        replace = bool(p.get("replacement", False))
        if strat:
            out = df.groupby(strat, group_keys=False, sort=False).sample(
                frac=fraction, replace=replace, random_state=seed
            )
            out = out.sort_index() if not replace else out
        else:
            out = df.sample(frac=fraction, replace=replace, random_state=seed)
    elif mode == "folds":
        k = int(p.get("folds", 5))
        if k > len(df):
            pw.fail(f"folds is {k} but the table has only {len(df)} rows")
        fold = np.zeros(len(df), dtype=int)
        if strat:
            smallest = int(df[strat].value_counts().min())
            if smallest < k:
                pw.fail(f"a value of '{strat}' has only {smallest} rows, fewer than folds={k}")
            splitter = model_selection.StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
            parts = splitter.split(df, df[strat].astype(str))
        else:
            parts = model_selection.KFold(n_splits=k, shuffle=True, random_state=seed).split(df)
        for i, (_, test) in enumerate(parts):
            fold[test] = i
        out = df.copy()
        out["Fold"] = fold
    else:
        pw.fail(f"unknown mode '{mode}'")
    pw.write_df("data", out)
    pw.record_metrics({"rows_in": len(df), "rows_out": len(out)})
    print(f"{mode}: {len(df)} rows -> {len(out)}")


if __name__ == "__main__":
    pw.run(main)
