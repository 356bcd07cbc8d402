"""Select Columns in Dataset."""

import pw


def main():
    df = pw.read_df("data")
    columns = pw.column_list(pw.params().get("columns"))
    if not columns:
        pw.fail("parameter 'columns' is empty")
    pw.require_columns(df, columns)
    pw.write_df("data", df[columns])


if __name__ == "__main__":
    pw.run(main)
