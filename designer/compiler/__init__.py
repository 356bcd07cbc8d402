"""The canvas-to-DAG compiler. Pure Python: nothing here imports Django."""
