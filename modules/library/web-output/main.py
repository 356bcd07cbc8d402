"""Web Service Output: in a batch run, prints how many rows a deployment would answer with."""

import pw


def main():
    df = pw.read_df("data")
    columns = pw.column_list(pw.params().get("columns"))
    pw.require_columns(df, columns)
    print(f"web output: {len(df)} rows")


if __name__ == "__main__":
    pw.run(main)
