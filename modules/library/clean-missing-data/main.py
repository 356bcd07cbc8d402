"""Clean Missing Data."""

import pandas as pd
import pw


def main():
    df = pw.read_df("data")
    p = pw.params()
    mode = p.get("mode", "remove_rows")
    columns = pw.column_list(p.get("columns")) or list(df.columns)
    pw.require_columns(df, columns)
    before = int(df[columns].isna().sum().sum())
    if mode == "remove_rows":
        df = df.dropna(subset=columns)
    else:
        for c in columns:
            col = df[c]
            if not col.isna().any():
                continue
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
            df[c] = col.fillna(fill)
    print(f"missing values before: {before}, after: {int(df[columns].isna().sum().sum())}, rows: {len(df)}")
    pw.write_df("data", df)


if __name__ == "__main__":
    pw.run(main)
