"""Split Data."""

import pw
from sklearn.model_selection import train_test_split


def main():
    df = pw.read_df("data")
    p = pw.params()
    test_size = float(p.get("test_size", 0.2))
    seed = int(p.get("seed", 42))
    stratify = (p.get("stratify_column") or "").strip()
    if stratify:
        pw.require_columns(df, [stratify], "stratify column")
    if len(df) < 2:
        pw.fail("need at least 2 rows to split")
    try:
        train, test = train_test_split(
            df, test_size=test_size, random_state=seed, stratify=df[stratify] if stratify else None
        )
    except ValueError as exc:
        pw.fail(f"cannot split: {exc}")
    print(f"train: {len(train)} rows, test: {len(test)} rows")
    pw.write_df("train", train)
    pw.write_df("test", test)


if __name__ == "__main__":
    pw.run(main)
