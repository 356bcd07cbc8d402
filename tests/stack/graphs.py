"""Canvas documents for the stack tests, built from the built-in library as a user builds them."""

from __future__ import annotations

from typing import Any

from tests.stack.stack import Api

TEAM = "demo"  # the team `ensure_dev_user` makes admin the owner of


def node(node_id: str, module: str, params: dict[str, Any] | None = None, x: int = 0, y: int = 0) -> dict[str, Any]:
    team = "" if "/" in module else "builtin/"
    return {
        "id": node_id,
        "module": team + module,
        "version": None,
        "params": params or {},
        "position": {"x": x, "y": y},
    }


def edge(source: str, target: str, target_port: str, source_port: str = "result") -> dict[str, Any]:
    return {"source": source, "source_port": source_port, "target": target, "target_port": target_port}


Doc = dict[str, Any]


def graph(nodes: list[Doc], edges: list[Doc] | None = None, parameters: list[Doc] | None = None) -> Doc:
    return {"schema": 1, "nodes": nodes, "edges": edges or [], "parameters": parameters or []}


def py(result: str, *lines: str) -> str:
    """An Execute Python Script body: `lines` run in azureml_main, which returns `result`."""
    body = "".join(f"    {line}\n" for line in lines)
    return (
        "import time\nimport pandas as pd\n\n\n"
        f"def azureml_main(dataframe1=None, dataframe2=None):\n{body}    return {result}\n"
    )


def source(rows: int, seed: int = 0) -> dict[str, Any]:
    return {"script": py(f"pd.DataFrame({{'id': range({rows}), 'v': [(i * 7 + {seed}) % 11 for i in range({rows})]}})")}


def add_column(name: str, k: int) -> dict[str, Any]:
    return {"script": py("df", "df = dataframe1.copy()", f"df['{name}'] = df['v'] + {k}", f"print('added {name}')")}


def create_pipeline(api: Api, name: str, document: dict[str, Any]) -> int:
    body = api.ok("POST", "/api/pipelines/", {"team": TEAM, "name": name, "graph": document}, status=201)
    assert not body["errors"], body["errors"]
    return int(body["id"])


GATHER_MAIN = """
import glob, json, os
import pandas as pd

inp, out = os.environ["PIPEWRIGHT_IN"], os.environ["PIPEWRIGHT_OUT"]
frames = [pd.read_csv(f) for f in sorted(glob.glob(os.path.join(inp, "in*", "*.csv")))]
result = pd.concat(frames, ignore_index=True)
print("gathered", len(frames), "inputs,", len(result), "rows")
result.to_csv(os.path.join(out, "data", "data.csv"), index=False)
json.dump({"inputs": len(frames), "rows": len(result)}, open(os.path.join(out, "metrics.json"), "w"))
"""


def publish_gather(api: Api) -> str:
    """`demo/gather`: six DataFrame inputs concatenated, published through the catalog API."""
    api.ok(
        "POST",
        "/api/modules/",
        {"team": TEAM, "name": "gather", "display_name": "Gather", "category": "Data Transformation",
         "description": "Concatenate six tables."},
        status=201,
    )  # fmt: skip
    spec = {
        "name": "gather",
        "version": "1.0.0",
        "display_name": "Gather",
        "category": "Data Transformation",
        "description": "Concatenate six tables.",
        "inputs": [{"name": f"in{i}", "type": "DataFrame"} for i in range(1, 7)],
        "outputs": [{"name": "data", "type": "DataFrame"}],
        "runtime": {"image": "pipewright/python-ml:1", "command": ["python3", "/module/main.py"], "timeout": 120},
        "deterministic": True,
    }
    api.ok(
        "POST", f"/api/modules/{TEAM}/gather/versions/", {"spec": spec, "files": {"main.py": GATHER_MAIN},
                                                          "is_default": True}, status=201
    )  # fmt: skip
    return f"{TEAM}/gather"
