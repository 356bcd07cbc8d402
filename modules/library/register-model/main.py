"""Register Model: checks that the model input holds files; Pipewright registers it when the step
succeeds (registry.services.register_from_step), as the next version of <team>/<name>."""

import json
import os

import pw


def main():
    folder = os.path.join(pw.IN, "model")
    files = sorted(os.path.relpath(os.path.join(root, f), folder) for root, _, names in os.walk(folder) for f in names)
    if not files:
        pw.fail("the model input is empty: connect a Model output")
    name = pw.params().get("name", "model")
    print(f"registering {len(files)} file(s) as model '{name}'")
    with open(os.path.join(pw.OUT, "metrics.json"), "w") as fh:
        json.dump({"model_files": len(files)}, fh)


pw.run(main)
