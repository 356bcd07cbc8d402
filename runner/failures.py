"""Why a step failed, in one line, from the tail of its log: the last Python exception it printed
(type, message and the user's line) or the last `error: ...` line of the module helper (`pw.fail`).
Pure functions; `runner.execute` calls them when a container exits non-zero."""

from __future__ import annotations

import re
from pathlib import Path

#: how much of a log's end is read: a traceback's header, frames and exception line fit in it
TAIL_BYTES = 16 * 1024
#: the longest exception line kept (an exception message may quote a whole row)
MAX_CHARS = 500

TRACEBACK = "Traceback (most recent call last):"
FRAME = re.compile(r'^\s+File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?\s*$')
ERROR_LINE = re.compile(r"^error:\s*(?P<message>.+)$", re.IGNORECASE)
# frames of the interpreter and of installed packages are not "the user's line"
LIBRARY = re.compile(r"/(site|dist)-packages/|/lib/python\d|^<frozen ")


def read_tail(path: str | Path, limit: int = TAIL_BYTES) -> str:
    """The last `limit` bytes of a log file, decoded leniently ("" when it cannot be read)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - limit))
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return text if size <= limit else text.split("\n", 1)[-1]  # drop the cut first line


def attempt_tail(path: str | Path, attempt: int) -> str:
    """The end of a step's log as this attempt wrote it (a retry appends to the same file after an
    `--- attempt N ---` line, so an earlier attempt's traceback is never blamed on this one)."""
    tail = read_tail(path)
    marker = f"--- attempt {attempt} ---"
    return tail.rsplit(marker, 1)[1] if attempt > 1 and marker in tail else tail


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def _last_traceback(lines: list[str]) -> tuple[int, str] | None:
    """(index of the exception line, explanation) of the last traceback in `lines`."""
    start = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip() == TRACEBACK), None)
    if start is None:
        # a SyntaxError in the program's own file comes without the header: just its location
        start = next(
            (i - 1 for i in range(len(lines) - 1, -1, -1) if (f := FRAME.match(lines[i])) and not f["func"]), None
        )
    if start is None:
        return None
    frames: list[tuple[str, str]] = []
    for i in range(start + 1, len(lines)):
        line = lines[i]
        frame = FRAME.match(line)
        if frame:
            frames.append((frame["path"], frame["line"]))
            continue
        if not line.strip() or line[0].isspace():
            continue  # source lines, carets, blank lines
        exception = _clip(line.strip())
        own = [f for f in frames if not LIBRARY.search(f[0])] or frames
        if own:
            path, number = own[-1]
            return i, f"{exception} (at {path} line {number})"
        return i, exception
    return None


def explain_failure(log_tail: str) -> str | None:
    """The cause of a failure as the log's end tells it, or None when it tells none.

    The last traceback names its final exception (for chained exceptions, the one that ended the
    program) and the innermost frame outside the interpreter and installed packages (for a
    SyntaxError, the offending file and line). An `error: ...` line printed after it (or with no
    traceback at all) wins: it is the module's own last word."""
    lines = [line.rstrip("\r") for line in log_tail.splitlines()]
    found = _last_traceback(lines)
    for i in range(len(lines) - 1, -1, -1):
        if found and i <= found[0]:
            break
        said = ERROR_LINE.match(lines[i].strip())
        if said and not said["message"].rstrip().endswith(":"):  # "error: ... raised:" heads a traceback
            return _clip(said["message"].strip())
    return found[1] if found else None


def failure_message(exit_code: int | None, log_tail: str) -> str:
    """A failed attempt's error: the explanation when the log has one, and the exit code."""
    exited = f"exited with code {exit_code}"
    why = explain_failure(log_tail)
    return f"{why}; {exited}" if why else exited
