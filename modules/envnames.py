"""Environment names a module spec may not set (`runtime.env`): they belong to the installation.

`PIPEWRIGHT_*` are the runner's (folders, and once the compute target), `LD_*` and `DYLD_*` load
code into every process, and the rest decide which programs and libraries run or where a process
thinks it lives. Publishing refuses them (400 naming `runtime.env.<NAME>`); the runner drops any
that a spec stored before this rule still holds. Pure Python.
"""

from __future__ import annotations

RESERVED_PREFIXES = ("PIPEWRIGHT_", "LD_", "DYLD_")
RESERVED_NAMES = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "PWD",
        "HOSTNAME",
        "TMPDIR",
        "IFS",
        "ENV",
        "BASH_ENV",
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONSTARTUP",
        "PYTHONUSERBASE",
        "PYTHONPLATLIBDIR",
        "PYTHONEXECUTABLE",
        "PYTHONINSPECT",
        "PERL5LIB",
        "PERL5OPT",
        "RUBYOPT",
        "NODE_OPTIONS",
        "GCONV_PATH",
        "MALLOC_CONF",
    }
)


def is_reserved(name: str) -> bool:
    upper = name.upper()
    return upper in RESERVED_NAMES or upper.startswith(RESERVED_PREFIXES)


def without_reserved(env: dict[str, str] | tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The names a step may set, from a spec's env (reserved ones dropped)."""
    items = env.items() if isinstance(env, dict) else env
    return {k: v for k, v in items if not is_reserved(k)}
