"""Apply SQL Transformation: SQLite in memory, tables t1 (and t2)."""

import sqlite3

import pandas as pd
import pw


def main():
    query = pw.params().get("query", "SELECT * FROM t1")
    conn = sqlite3.connect(":memory:")
    for port, required in (("t1", True), ("t2", False)):
        df = pw.read_df(port, required=required)
        if df is not None:
            df.to_sql(port, conn, index=False)
    try:
        result = pd.read_sql_query(query, conn)
    except Exception as exc:
        pw.fail(f"query failed: {exc}")
    print(f"query returned {len(result)} rows x {len(result.columns)} columns")
    pw.write_df("data", result)


if __name__ == "__main__":
    pw.run(main)
