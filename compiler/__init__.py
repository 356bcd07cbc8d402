"""The canvas-to-DAG compiler. Pure Python: nothing here imports Django."""

from compiler.core import CompileResult, compile
from compiler.document import SCHEMA_VERSION, upgrade
from compiler.issues import Issue

__all__ = ["SCHEMA_VERSION", "CompileResult", "Issue", "compile", "upgrade"]
