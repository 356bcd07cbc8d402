# Pipewright module exported as a Kubeflow component: `python3 -c <this> <manifest> <args>`.
# The manifest carries the module's files, its command and its ports; the arguments are
# --in NAME PATH, --param NAME VALUE and --out NAME PATH, filled in by KFP's placeholders.
# It lays out the Pipewright container contract under /tmp, runs the module, then copies each
# output folder to the path KFP gave (its single file, or the folder).
import json
import os
import shutil
import subprocess
import sys
import tempfile

manifest = json.loads(sys.argv[1])
rest = sys.argv[2:]
root = tempfile.mkdtemp(prefix="pipewright-")
module, inp, out = (os.path.join(root, d) for d in ("module", "in", "out"))
for path, text in manifest["files"].items():
    target = os.path.join(module, path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)
os.makedirs(inp)
params = dict(manifest["defaults"])
outputs = {}
i = 0
while i + 2 < len(rest):
    flag, name, value = rest[i], rest[i + 1], rest[i + 2]
    i += 3
    if flag == "--in":
        folder = os.path.join(inp, name)
        if os.path.isdir(value):
            os.symlink(value, folder)
        else:
            os.makedirs(folder)
            os.symlink(value, os.path.join(folder, manifest["in_files"].get(name) or os.path.basename(value)))
    elif flag == "--param":
        kind = manifest["param_types"].get(name, "string")
        if kind == "string":
            params[name] = value
        elif kind == "boolean":
            params[name] = value.strip().lower() in ("true", "1", "yes")
        else:
            params[name] = json.loads(value)
    elif flag == "--out":
        outputs[name] = value
for name in manifest["outputs"]:
    os.makedirs(os.path.join(out, name))
with open(os.path.join(inp, "params.json"), "w", encoding="utf-8") as f:
    json.dump(params, f)


def remap(arg):
    for prefix, real in (("/module", module), ("/in", inp), ("/out", out)):
        if arg == prefix or arg.startswith(prefix + "/"):
            return real + arg[len(prefix) :]
    return arg


env = dict(os.environ, PIPEWRIGHT_IN=inp, PIPEWRIGHT_OUT=out, PIPEWRIGHT_MODULE=module)
env["PIPEWRIGHT_PARAMS"] = os.path.join(inp, "params.json")
code = subprocess.call([remap(a) for a in manifest["command"]], env=env, cwd=out)
if code != 0:
    sys.exit(code)
for name, target in outputs.items():
    folder = os.path.join(out, name)
    entries = os.listdir(folder)
    os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    if len(entries) == 1 and os.path.isfile(os.path.join(folder, entries[0])):
        shutil.copyfile(os.path.join(folder, entries[0]), target)
    else:
        shutil.copytree(folder, target, dirs_exist_ok=True)
