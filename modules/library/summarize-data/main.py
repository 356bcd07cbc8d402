"""Summarize Data: one row of statistics per column."""

import pandas as pd
import pw


def main():
    df = pw.read_df("data")
    rows = []
    for c in df.columns:
        col = df[c]
        row = {
            "column": c,
            "type": str(col.dtype),
            "count": int(col.count()),
            "missing": int(col.isna().sum()),
            "unique": int(col.nunique()),
        }
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            q = col.quantile([0.25, 0.5, 0.75])
            row.update(
                mean=col.mean(), std=col.std(), min=col.min(), q1=q[0.25], median=q[0.5], q3=q[0.75], max=col.max()
            )
        rows.append(row)
    columns = ["column", "type", "count", "missing", "unique", "mean", "std", "min", "q1", "median", "q3", "max"]
    summary = pd.DataFrame(rows, columns=columns)
    pw.write_df("summary", summary)
    pw.record_metrics({"rows": len(df), "columns": len(df.columns)})
    print(summary.to_string(index=False))


if __name__ == "__main__":
    pw.run(main)
