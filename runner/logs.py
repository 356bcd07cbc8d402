"""Reading a step's log for the API: a byte range from an offset (tailing), or about the last N
bytes from a line start."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipewright.errors import LocatedError


@dataclass(frozen=True)
class LogChunk:
    data: bytes
    offset: int  # where `data` starts in the log file
    size: int  # the log's size as far as the reader knows

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.data)


def byte_count(raw: str, name: str) -> int | None:
    """A query parameter holding a byte count: None when empty, 400 naming `name` when not one."""
    if raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise LocatedError(
            f"{name} must be a non-negative integer.", [{"field": name, "message": "must be a non-negative integer"}]
        )
    return int(raw)


def read_log(log_path: str, *, offset: int | None, tail: int | None) -> LogChunk:
    """The log from `offset` to its end; without an offset and with `tail`, only about the last
    `tail` bytes, starting at a line start. A step without a log yet reads as empty."""
    start = offset or 0
    data = b""
    size = 0
    path = Path(log_path) if log_path else None
    if path is not None and path.is_file():
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if tail is not None and offset is None and size > tail:
                fh.seek(size - tail)
                skipped = fh.readline()  # start at a line start, not mid-line
                start = size - tail + len(skipped)
            fh.seek(start)
            data = fh.read()
    return LogChunk(data=data, offset=start, size=max(size, start + len(data)))
