"""Edit Metadata: rename columns and cast their type."""

import pandas as pd
import pw

TRUE = {"1", "true", "yes", "y", "t"}
FALSE = {"0", "false", "no", "n", "f", ""}


def cast(col, kind, name):
    if kind == "unchanged":
        return col
    if kind in ("string", "categorical"):
        return col.map(
            lambda v: v if pd.isna(v) else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
        )
    if kind == "float":
        try:
            return pd.to_numeric(col).astype(float)
        except (ValueError, TypeError) as exc:
            pw.fail(f"column '{name}' cannot become float: {exc}")
    if kind == "integer":
        try:
            number = pd.to_numeric(col)
        except (ValueError, TypeError) as exc:
            pw.fail(f"column '{name}' cannot become integer: {exc}")
        if (number.dropna() % 1 != 0).any():
            pw.fail(f"column '{name}' has fractional values; it cannot become integer")
        return number.astype("Int64")
    if kind == "boolean":
        text = col.astype(str).str.strip().str.lower()
        bad = sorted(set(text[~text.isin(TRUE | FALSE) & col.notna()]))
        if bad:
            pw.fail(f"column '{name}' has values that are not yes/no: {', '.join(bad[:5])}")
        return text.isin(TRUE)
    pw.fail(f"unknown data_type '{kind}'")
    return col


def main():
    p = pw.params()
    df = pw.read_df("data")
    columns = pw.column_list(p.get("columns"))
    if not columns:
        pw.fail("set 'columns'")
    pw.require_columns(df, columns)
    names = pw.column_list(p.get("new_names"))
    if names and len(names) != len(columns):
        pw.fail(f"new_names has {len(names)} names for {len(columns)} columns")
    kind = p.get("data_type", "unchanged")
    out = df.copy()
    for c in columns:
        out[c] = cast(out[c], kind, c)
    if names:
        clash = [n for n in names if n in out.columns and n not in columns]
        if clash:
            pw.fail(f"new_names clash with existing columns: {', '.join(clash)}")
        out = out.rename(columns=dict(zip(columns, names, strict=False)))
    pw.write_df("data", out)
    print(f"edited {len(columns)} columns: {', '.join(map(str, out.columns))}")


if __name__ == "__main__":
    pw.run(main)
