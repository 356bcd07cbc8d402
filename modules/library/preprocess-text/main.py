"""Preprocess Text: normalize a text column."""

import re

import pw
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS


def clean(text, p):
    if p.get("lowercase", True):
        text = text.lower()
    if p.get("remove_numbers", True):
        text = re.sub(r"\d+", " ", text)
    if p.get("remove_punctuation", True):
        text = re.sub(r"[^\w\s]|_", " ", text)
    words = text.split()
    if p.get("remove_stop_words", True):
        words = [w for w in words if w.lower() not in ENGLISH_STOP_WORDS]
    return " ".join(words)


def main():
    p = pw.params()
    df = pw.read_df("data")
    column = p.get("text_column", "text")
    pw.require_columns(df, [column], "text column")
    target = (p.get("output_column") or "").strip() or column
    out = df.copy()
    out[target] = df[column].fillna("").astype(str).map(lambda t: clean(t, p))
    pw.write_df("data", out)
    print(f"preprocessed {len(out)} rows of '{column}' into '{target}'")


if __name__ == "__main__":
    pw.run(main)
