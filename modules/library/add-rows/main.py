"""Add Rows: the first table's rows, then the second's."""

import pandas as pd
import pw


def main():
    first, second = pw.read_df("first"), pw.read_df("second")
    out = pd.concat([first, second], ignore_index=True, sort=False)
    pw.write_df("data", out)
    print(f"{len(first)} + {len(second)} = {len(out)} rows")


if __name__ == "__main__":
    pw.run(main)
