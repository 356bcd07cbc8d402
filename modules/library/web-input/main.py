"""Web Service Input: in a batch run, an empty table with the schema's columns (a deployment feeds request rows)."""

import pandas as pd
import pw

TYPES = {"number": "float64", "integer": "Int64", "string": "object", "boolean": "boolean"}


def main():
    schema = pw.params().get("schema", "")
    columns = {}
    for item in pw.column_list(schema):
        name, _, kind = item.partition(":")
        kind = kind.strip() or "string"
        if kind not in TYPES:
            pw.fail(f"schema: column '{name.strip()}' has unknown type '{kind}' (number, integer, string, boolean)")
        columns[name.strip()] = pd.Series(dtype=TYPES[kind])
    if not columns:
        pw.fail("schema: no columns")
    pw.write_df("data", pd.DataFrame(columns))
    print(f"web input with {len(columns)} columns")


if __name__ == "__main__":
    pw.run(main)
