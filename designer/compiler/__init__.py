"""The canvas-to-DAG compiler. Pure Python: nothing here imports Django."""

from designer.compiler.core import CompileResult, compile
from designer.compiler.document import SCHEMA_VERSION, upgrade
from designer.compiler.issues import Issue

__all__ = ["SCHEMA_VERSION", "CompileResult", "Issue", "compile", "upgrade"]
