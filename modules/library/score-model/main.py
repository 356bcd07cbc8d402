"""Score Model: the input rows plus Scored Labels / Scored Probabilities."""

import pandas as pd
import pw


def main():
    if pw.input_dir("model") is None:
        pw.fail("input 'model' is not connected (the 'model' parameter binds a model for deployments only)")
    model = pw.read_model("model")
    if not isinstance(model, dict) or "estimator" not in model:
        pw.fail("input 'model' is not a model trained by Train Model")
    df = pw.read_df("data")
    label = model["label"]
    x = df.drop(columns=[label]) if label in df.columns else df
    x = pd.get_dummies(x, dummy_na=False).reindex(columns=model["features"], fill_value=0).fillna(0).astype(float)
    estimator = model["estimator"]
    scored = df.copy()
    scored["Scored Labels"] = estimator.predict(x)
    if model["task"] == "classification" and hasattr(estimator, "predict_proba"):
        proba = estimator.predict_proba(x)
        classes = list(model["classes"])
        if len(classes) == 2:
            scored["Scored Probabilities"] = proba[:, 1]
        else:
            for i, c in enumerate(classes):
                scored[f"Scored Probabilities_{c}"] = proba[:, i]
    meta = {"label": label, "task": model["task"], "classes": model["classes"], "algorithm": model["algorithm"]}
    pw.write_df("scored", scored, meta=meta)
    print(f"scored {len(scored)} rows with {model['algorithm']}")


if __name__ == "__main__":
    pw.run(main)
