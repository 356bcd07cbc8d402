"""Reading an uploaded CSV: the check that it parses (naming the line that does not) and its
column profile (type, missing, distinct, min/max/mean, a small histogram per column).

Pure Python over a binary stream; `designer.services` calls it on upload and stores the profile
per artifact sha (`DatasetProfile`), so a profile is computed once for the same bytes.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any, BinaryIO

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
DISTINCT_CAP = 10_000  # distinct values counted exactly up to here, then reported as "at least"
BINS = 10
PROFILE_ROWS = 200_000  # the statistics cover the head of a bigger file; every row is still checked
TOP_VALUES = 8
MAX_FIELD = 16 * 1024 * 1024
csv.field_size_limit(MAX_FIELD)


class CsvProblem(ValueError):
    """The file does not parse as CSV; `line` is the 1-based physical line where it fails."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def is_csv_name(filename: str) -> bool:
    return filename.lower().endswith(CSV_SUFFIXES)


def _dialect(head: str, filename: str) -> Any:
    first = head.splitlines()[0] if head.strip() else ""
    if filename.lower().endswith(".tsv"):
        return csv.excel_tab
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


MISSING = frozenset({"", "na", "nan", "null", "none", "n/a"})


@dataclass
class _Column:
    name: str
    missing: int = 0
    numeric: int = 0
    integral: bool = True
    total: float = 0.0
    low: float | None = None
    high: float | None = None
    distinct: set[str] = field(default_factory=set)
    capped: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, value: str) -> None:
        text = value.strip()
        if text.lower() in MISSING:
            self.missing += 1
            return
        if not self.capped:
            self.distinct.add(text)
            if len(self.distinct) > DISTINCT_CAP:
                self.capped = True
                self.counts.clear()
            else:
                self.counts[text] = self.counts.get(text, 0) + 1
        number = _number(text)
        if number is None:
            return
        self.numeric += 1
        self.total += number
        self.integral = self.integral and number.is_integer() and "." not in text and "e" not in text.lower()
        self.low = number if self.low is None or number < self.low else self.low
        self.high = number if self.high is None or number > self.high else self.high

    def kind(self, rows: int) -> str:
        present = rows - self.missing
        if present == 0:
            return "empty"
        if self.numeric == present:
            return "integer" if self.integral else "number"
        return "string"


def _rows(stream: BinaryIO, filename: str) -> tuple[Any, Any]:
    """A csv reader over the whole stream (and its text wrapper); CsvProblem when the head is not text."""
    wrapper = io.TextIOWrapper(_Unclosing(stream), encoding="utf-8-sig", newline="", errors="strict")
    try:
        head = wrapper.read(64 * 1024)
    except UnicodeDecodeError as exc:
        raise CsvProblem(1 + _line_of(stream, exc), "is not UTF-8 text") from exc
    stream.seek(0)
    wrapper = io.TextIOWrapper(_Unclosing(stream), encoding="utf-8-sig", newline="", errors="strict")
    if not head.strip():
        raise CsvProblem(1, "the file is empty; a CSV needs a header line naming its columns")
    if "\x00" in head:
        raise CsvProblem(head[: head.index("\x00")].count("\n") + 1, "contains a NUL byte (binary data, not CSV)")
    reader = csv.reader(wrapper, _dialect(head, filename), strict=True)
    return reader, wrapper


class _Unclosing(io.RawIOBase):
    """A readable view of `stream` that TextIOWrapper may close without closing the upload."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _line_of(stream: BinaryIO, exc: UnicodeDecodeError) -> int:
    stream.seek(0)
    return stream.read(exc.start).count(b"\n") if isinstance(exc.start, int) else 0


def scan_csv(stream: BinaryIO, filename: str = "data.csv") -> dict[str, Any]:
    """Parse the whole file (CsvProblem naming the line when it does not) and profile it.

    Two passes: the first checks every row and gathers the statistics of the first PROFILE_ROWS,
    the second fills the numeric histograms of those rows between each column's min and max.
    `stream` is left at position 0.
    """
    stream.seek(0)
    reader, _wrapper = _rows(stream, filename)
    reader_any: Any = reader
    try:
        header = next(reader_any)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise CsvProblem(max(reader_any.line_num, 1), _why(exc)) from exc
    names = [c.strip() for c in header]
    if not any(names):
        raise CsvProblem(1, "the header line names no columns")
    columns = [_Column(n) for n in names]
    rows = 0
    while True:
        try:
            row = next(reader_any)
        except StopIteration:
            break
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CsvProblem(max(reader_any.line_num, 1), _why(exc)) from exc
        if not row:
            continue
        if len(row) > len(columns):
            raise CsvProblem(reader_any.line_num, f"has {len(row)} fields but the header names {len(columns)} columns")
        rows += 1
        if rows > PROFILE_ROWS:
            continue  # past the profiled head: only checked
        for col, value in zip(columns, row, strict=False):
            col.add(value)
        for col in columns[len(row) :]:
            col.missing += 1
    profiled = min(rows, PROFILE_ROWS)
    kinds = [c.kind(profiled) for c in columns]
    bins: list[list[int] | None] = [
        [0] * BINS if k in ("integer", "number") and c.low is not None else None
        for c, k in zip(columns, kinds, strict=True)
    ]
    if any(b is not None for b in bins):
        stream.seek(0)
        reader2, _w2 = _rows(stream, filename)
        r2: Any = reader2
        next(r2)
        for n, row in enumerate(r2):
            if n >= PROFILE_ROWS:
                break
            for i, value in enumerate(row[: len(columns)]):
                counts = bins[i]
                if counts is None:
                    continue
                number = _number(value.strip())
                if number is None:
                    continue
                col = columns[i]
                assert col.low is not None and col.high is not None
                span = col.high - col.low
                slot = 0 if span == 0 else min(BINS - 1, int((number - col.low) / span * BINS))
                counts[slot] += 1
    stream.seek(0)
    return {
        "rows": rows,
        "profiled_rows": profiled,
        "columns": [_render(c, k, b, profiled) for c, k, b in zip(columns, kinds, bins, strict=True)],
    }


def _why(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "is not UTF-8 text"
    text = str(exc)
    if "EOF" in text or "unexpected end of data" in text:
        return "a quoted field is never closed"
    return text


def _render(col: _Column, kind: str, bins: list[int] | None, rows: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": col.name,
        "type": kind,
        "missing": col.missing,
        "distinct": len(col.distinct) if not col.capped else DISTINCT_CAP,
        "distinct_capped": col.capped,
        "min": None,
        "max": None,
        "mean": None,
        "histogram": [],
    }
    if kind in ("integer", "number") and col.low is not None and col.high is not None:
        present = rows - col.missing
        out["min"], out["max"] = col.low, col.high
        out["mean"] = col.total / present if present else None
        span = col.high - col.low
        edges = [col.low + span * i / BINS for i in range(BINS + 1)]
        out["histogram"] = [
            {"label": f"{_short(edges[i])} to {_short(edges[i + 1])}", "count": n}
            for i, n in enumerate(bins or [])
            if span != 0 or i == 0
        ]
        if span == 0 and out["histogram"]:
            out["histogram"] = [{"label": _short(col.low), "count": present}]
    elif not col.capped:
        top = sorted(col.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_VALUES]
        out["histogram"] = [{"label": k[:40], "count": n} for k, n in top]
    return out


def _short(value: float) -> str:
    return f"{value:.4g}"
