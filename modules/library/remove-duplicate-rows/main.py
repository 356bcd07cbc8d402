"""Remove Duplicate Rows: keep the first (or last) row of each set of duplicates."""

import pw


def main():
    p = pw.params()
    df = pw.read_df("data")
    keys = pw.column_list(p.get("columns"))
    pw.require_columns(df, keys, "key column")
    out = df.drop_duplicates(subset=keys or None, keep=p.get("keep", "first"))
    pw.write_df("data", out)
    pw.record_metrics({"rows_in": len(df), "rows_out": len(out), "removed": len(df) - len(out)})
    print(f"removed {len(df) - len(out)} duplicate rows; {len(out)} left")


if __name__ == "__main__":
    pw.run(main)
