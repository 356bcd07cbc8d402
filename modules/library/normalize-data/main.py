"""Normalize Data."""

import pandas as pd
import pw


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
    for c in columns:
        col = df[c].astype(float)
        if method == "zscore":
            std = col.std(ddof=0)
            df[c] = (col - col.mean()) / std if std else 0.0
        elif method == "minmax":
            span = col.max() - col.min()
            df[c] = (col - col.min()) / span if span else 0.0
        else:
            pw.fail(f"unknown method '{method}'")
    print(f"normalized {len(columns)} columns with {method}")
    pw.write_df("data", df)


if __name__ == "__main__":
    pw.run(main)
