"""Clean Missing Data."""

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
    mode = p.get("mode", "remove_rows")
    columns = pw.column_list(p.get("columns")) or list(df.columns)
    pw.require_columns(df, columns)
    before = int(df[columns].isna().sum().sum())
    fills = {}
    if mode == "remove_rows":
        df = df.dropna(subset=columns)
    else:
        for c in columns:
            col = df[c]
            numeric = pd.api.types.is_numeric_dtype(col)
            if mode in ("mean", "median") and not numeric:
                continue
            if mode == "mean":
                fill = col.mean()
            elif mode == "median":
                fill = col.median()
            elif mode == "mode":
                modes = col.mode(dropna=True)
                if modes.empty:
                    continue
                fill = modes.iloc[0]
            elif mode == "constant":
                fill = p.get("value", "0")
                if numeric:
                    try:
                        fill = float(fill)
                    except ValueError:
                        pw.fail(f"value '{fill}' is not a number but column '{c}' is numeric")
            else:
                pw.fail(f"unknown mode '{mode}'")
            if hasattr(fill, "item"):
                fill = fill.item()
            fills[str(c)] = fill
            if col.isna().any():
                df[c] = col.fillna(fill)
    print(f"missing values before: {before}, after: {int(df[columns].isna().sum().sum())}, rows: {len(df)}")
    # the fitted state: a deployment fills a missing value with these (remove_rows: refuses the row)
    write_transform({"kind": "clean-missing", "mode": mode, "columns": list(map(str, columns)), "fill": fills})
    pw.write_df("data", df)


if __name__ == "__main__":
    pw.run(main)
