"""Export Data: the table as a named file in the chosen format."""

import os

import pw


def main():
    p = pw.params()
    df = pw.read_df("data")
    fmt = p.get("format", "csv")
    name = f"{p.get('file_name', 'export')}.{fmt}"
    path = os.path.join(pw.output_dir("file"), name)
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "tsv":
        df.to_csv(path, sep="\t", index=False)
    elif fmt == "json":
        df.to_json(path, orient="records", indent=1)
    elif fmt == "jsonl":
        df.to_json(path, orient="records", lines=True)
    else:
        pw.fail(f"unknown format '{fmt}'")
    pw.record_metrics({"rows": len(df), "bytes": os.path.getsize(path)})
    print(f"exported {len(df)} rows to {name} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    pw.run(main)
