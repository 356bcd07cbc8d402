"""Convert to Parquet: the table as data.parquet (needs pyarrow or fastparquet in the image)."""

import importlib.util
import os

import pw


def engine():
    for name in ("pyarrow", "fastparquet"):
        if importlib.util.find_spec(name) is not None:
            return name
    pw.fail(
        "this step image has no Parquet engine (pyarrow or fastparquet); set the node's Compute image "
        "to one that has, or use Convert to CSV"
    )
    return None


def main():
    p = pw.params()
    df = pw.read_df("data")
    name = engine()
    compression = p.get("compression", "snappy")
    path = os.path.join(pw.output_dir("file"), "data.parquet")
    df.to_parquet(path, engine=name, compression=None if compression == "none" else compression, index=False)
    print(f"wrote data.parquet with {name}: {len(df)} rows, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    pw.run(main)
