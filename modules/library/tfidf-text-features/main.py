"""Extract N-Gram Features (TF-IDF): TF-IDF weighted term columns of a text column."""

import numpy as np
import pandas as pd
import pw
from sklearn.feature_extraction.text import TfidfVectorizer


def main():
    p = pw.params()
    df = pw.read_df("data")
    column = p.get("text_column", "text")
    pw.require_columns(df, [column], "text column")
    text = df[column].fillna("").astype(str)
    stop = "english" if p.get("stop_words", "english") == "english" else None
    ngrams = (1, int(p.get("ngrams", 1)))
    vocab = pw.read_df("vocabulary", required=False)
    if vocab is not None:
        pw.require_columns(vocab, ["term", "idf"], "vocabulary column")
        terms = vocab["term"].astype(str).tolist()
        vectorizer = TfidfVectorizer(vocabulary=terms, ngram_range=ngrams, stop_words=stop)
        vectorizer.fit(["placeholder"])
        vectorizer.idf_ = vocab["idf"].to_numpy(dtype=float)
    else:
        vectorizer = TfidfVectorizer(
            ngram_range=ngrams,
            stop_words=stop,
            max_features=int(p.get("max_features", 1000)),
            min_df=int(p.get("min_df", 1)),
        )
        try:
            vectorizer.fit(text)
        except ValueError as exc:
            pw.fail(f"no vocabulary: {exc}")
    weights = vectorizer.transform(text).toarray()
    terms = list(vectorizer.get_feature_names_out())
    features = pd.DataFrame(np.round(weights, 6), columns=[f"tfidf_{t}" for t in terms], index=df.index)
    rest = df if p.get("keep_text", False) else df.drop(columns=[column])
    pw.write_df("data", pd.concat([rest, features], axis=1))
    pw.write_df("vocabulary", pd.DataFrame({"term": terms, "idf": vectorizer.idf_}))
    pw.record_metrics({"rows": len(df), "terms": len(terms)})
    print(f"{len(df)} rows, {len(terms)} terms")


if __name__ == "__main__":
    pw.run(main)
