"""Normalize Data."""

import json
import os

import pandas as pd
import pw


def write_transform(state):
    with open(os.path.join(pw.output_dir("transform"), "transform.json"), "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2, sort_keys=True)


def main():
    df = pw.read_df("data")
    p = pw.params()
    method = p.get("method", "zscore")
    label = p.get("label_column", "")
    columns = pw.column_list(p.get("columns"))
    if columns:
        pw.require_columns(df, columns)
        bad = [c for c in columns if not pd.api.types.is_numeric_dtype(df[c])]
        if bad:
            pw.fail(f"columns are not numeric: {', '.join(bad)}")
    else:
        columns = [c for c in df.columns if c != label and pd.api.types.is_numeric_dtype(df[c])]
    fitted = {}
    for c in columns:
        col = df[c].astype(float)
        if method == "zscore":
            center, scale = col.mean(), col.std(ddof=0)
        elif method == "minmax":
            center, scale = col.min(), col.max() - col.min()
        else:
            pw.fail(f"unknown method '{method}'")
        df[c] = (col - center) / scale if scale else 0.0
        fitted[str(c)] = {"center": float(center), "scale": float(scale)}
    # the fitted state: a deployment applies (x - center) / scale (0 when scale is 0) to new rows
    write_transform({"kind": "normalize", "method": method, "columns": fitted})
    print(f"normalized {len(columns)} columns with {method}")
    pw.write_df("data", df)


if __name__ == "__main__":
    pw.run(main)
