"""Execute Python Script: user code defines azureml_main(dataframe1, dataframe2) -> DataFrame."""

import traceback

import pandas as pd
import pw


def main():
    script = pw.params().get("script", "")
    df1 = pw.read_df("dataset1", required=False)
    df2 = pw.read_df("dataset2", required=False)
    namespace = {"__name__": "user_script"}
    try:
        exec(compile(script, "script.py", "exec"), namespace)
    except Exception:
        pw.fail("the script failed to load:\n" + traceback.format_exc(limit=-1))
    entry = namespace.get("azureml_main")
    if not callable(entry):
        pw.fail("the script must define azureml_main(dataframe1, dataframe2)")
    try:
        result = entry(df1, df2)
    except Exception:
        pw.fail("azureml_main raised:\n" + traceback.format_exc(limit=-2))
    if isinstance(result, tuple):
        result = result[0] if result else None
    if not isinstance(result, pd.DataFrame):
        pw.fail(f"azureml_main must return a pandas DataFrame, not {type(result).__name__}")
    print(f"result: {len(result)} rows x {len(result.columns)} columns")
    pw.write_df("result", result)


if __name__ == "__main__":
    pw.run(main)
