"""Import Data: a connected dataset, else a bundled scikit-learn sample dataset."""

import pw

SAMPLES = ("iris", "wine", "breast_cancer", "diabetes")


def main():
    p = pw.params()
    sample = p.get("sample", "none")
    df = pw.read_df("data", required=False)
    if df is None:
        if sample not in SAMPLES:
            pw.fail("connect a dataset to 'data' or choose a sample dataset")
        from sklearn import datasets

        df = getattr(datasets, f"load_{sample}")(as_frame=True).frame
    print(f"imported {len(df)} rows x {len(df.columns)} columns")
    pw.write_df("data", df)


if __name__ == "__main__":
    pw.run(main)
