"""Convert to CSV: the table as a delimited text file."""

import os

import pw

SEPARATORS = {"comma": (",", "data.csv"), "tab": ("\t", "data.tsv"), "semicolon": (";", "data.csv")}


def main():
    p = pw.params()
    df = pw.read_df("data")
    sep, name = SEPARATORS.get(p.get("delimiter", "comma"), SEPARATORS["comma"])
    path = os.path.join(pw.output_dir("file"), name)
    df.to_csv(path, sep=sep, index=False, header=bool(p.get("header", True)))
    print(f"wrote {name}: {len(df)} rows, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    pw.run(main)
