"""Feature Hashing: hashed word / n-gram counts of a text column."""

import pandas as pd
import pw
from sklearn.feature_extraction.text import HashingVectorizer


def main():
    p = pw.params()
    df = pw.read_df("data")
    column = p.get("text_column", "text")
    pw.require_columns(df, [column], "text column")
    width = 2 ** int(p.get("bits", 8))
    vectorizer = HashingVectorizer(
        n_features=width, ngram_range=(1, int(p.get("ngrams", 1))), alternate_sign=False, norm=None
    )
    counts = vectorizer.transform(df[column].fillna("").astype(str)).toarray()
    hashed = pd.DataFrame(counts, columns=[f"hash_{i}" for i in range(width)], index=df.index)
    rest = df if p.get("keep_text", False) else df.drop(columns=[column])
    out = pd.concat([rest, hashed], axis=1)
    pw.write_df("data", out)
    used = int((counts.sum(axis=0) > 0).sum())
    pw.record_metrics({"rows": len(out), "hash_columns": width, "buckets_used": used})
    print(f"{len(out)} rows hashed into {width} columns ({used} used)")


if __name__ == "__main__":
    pw.run(main)
