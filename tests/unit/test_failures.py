"""A failed step explains itself from its log's end (runner/failures.py), over tracebacks that real
Python programs print here: raised in the user's code, in the standard library, chained, a
SyntaxError, and the built-in Execute Python Script module run as its container would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from runner.failures import attempt_tail, explain_failure, failure_message, read_tail

LIBRARY = Path(__file__).resolve().parents[2] / "modules" / "library"


def run_py(tmp_path: Path, source: str, name: str = "main.py") -> tuple[int, str]:
    """Run a program as a step would (output and errors in one stream); its exit code and log."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(source).lstrip())
    done = subprocess.run(
        [sys.executable, str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path
    )
    return done.returncode, done.stdout


def test_it_names_the_exception_and_the_users_line(tmp_path: Path) -> None:
    code, log = run_py(
        tmp_path,
        """
        print("reading rows")
        rows = ["1.5", "abc"]
        values = [float(r) for r in rows]
        """,
    )
    assert code == 1
    assert explain_failure(log) == (
        f"ValueError: could not convert string to float: 'abc' (at {tmp_path / 'main.py'} line 3)"
    )
    assert failure_message(code, log) == (
        f"ValueError: could not convert string to float: 'abc' (at {tmp_path / 'main.py'} line 3); exited with code 1"
    )


def test_a_frame_in_the_standard_library_is_not_the_users_line(tmp_path: Path) -> None:
    code, log = run_py(
        tmp_path,
        """
        import json

        def load(text):
            return json.loads(text)

        config = load("{not json")
        """,
    )
    assert code == 1 and "/json/" in log  # the traceback goes on into the json package
    assert explain_failure(log) == (
        "json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
        f" (at {tmp_path / 'main.py'} line 4)"
    )


def test_chained_exceptions_name_the_one_that_ended_the_program(tmp_path: Path) -> None:
    code, log = run_py(
        tmp_path,
        """
        def parse(value):
            try:
                return int(value)
            except ValueError as exc:
                raise RuntimeError(f"bad setting {value!r}") from exc

        parse("x")
        """,
    )
    assert code == 1 and "The above exception was the direct cause" in log and "ValueError" in log
    assert explain_failure(log) == f"RuntimeError: bad setting 'x' (at {tmp_path / 'main.py'} line 5)"

    code, log = run_py(
        tmp_path,
        """
        try:
            {}["missing"]
        except KeyError:
            undefined_name
        """,
        name="implicit.py",
    )
    assert code == 1 and "During handling of the above exception" in log
    assert (
        explain_failure(log)
        == f"NameError: name 'undefined_name' is not defined (at {tmp_path / 'implicit.py'} line 4)"
    )


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    code, log = run_py(tmp_path, "x = 1\ndef broken(:\n    pass\n")
    assert code == 1 and "Traceback" not in log  # the program never started
    assert explain_failure(log) == f"SyntaxError: invalid syntax (at {tmp_path / 'main.py'} line 2)"


def run_python_script_module(tmp_path: Path, script: str) -> tuple[int, str]:
    """The built-in Execute Python Script module, run on this machine as its container runs it."""
    (tmp_path / "in").mkdir()
    (tmp_path / "out" / "result").mkdir(parents=True)
    (tmp_path / "in" / "params.json").write_text(json.dumps({"script": textwrap.dedent(script).lstrip()}))
    module = LIBRARY / "execute-python-script"
    env = dict(
        os.environ,
        PYTHONPATH=str(LIBRARY / "_common"),
        PIPEWRIGHT_IN=str(tmp_path / "in"),
        PIPEWRIGHT_OUT=str(tmp_path / "out"),
        PIPEWRIGHT_MODULE=str(module),
        MPLCONFIGDIR=str(tmp_path),
    )
    done = subprocess.run(
        [sys.executable, str(module / "main.py")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    return done.returncode, done.stdout


def test_execute_python_script_names_the_line_of_the_users_script(tmp_path: Path) -> None:
    code, log = run_python_script_module(
        tmp_path,
        """
        import pandas as pd

        def azureml_main(dataframe1=None, dataframe2=None):
            value = float("abc")
            return pd.DataFrame({"v": [value]})
        """,
    )
    assert code == 1 and log.startswith("error: azureml_main raised:")
    assert explain_failure(log) == "ValueError: could not convert string to float: 'abc' (at script.py line 4)"


def test_execute_python_script_syntax_error(tmp_path: Path) -> None:
    code, log = run_python_script_module(tmp_path, "def azureml_main(a, b):\n    return (\n")
    assert code == 1 and "failed to load" in log
    explained = explain_failure(log)
    assert explained is not None
    assert explained.startswith("SyntaxError: ") and explained.endswith("(at script.py line 2)"), explained


def test_the_modules_own_error_line_wins_over_an_earlier_handled_traceback(tmp_path: Path) -> None:
    code, log = run_python_script_module(
        tmp_path,
        """
        import traceback

        def azureml_main(dataframe1=None, dataframe2=None):
            try:
                1 / 0
            except ZeroDivisionError:
                traceback.print_exc()
            return None
        """,
    )
    assert code == 1 and "ZeroDivisionError" in log
    assert explain_failure(log) == "azureml_main must return a pandas DataFrame, not NoneType"


def test_a_log_without_an_explanation_keeps_the_exit_code() -> None:
    assert explain_failure("about to fail\n") is None
    assert failure_message(3, "about to fail\n") == "exited with code 3"
    assert failure_message(137, "") == "exited with code 137"


def test_only_this_attempts_part_of_the_log_is_read(tmp_path: Path) -> None:
    log = tmp_path / "step.log"
    log.write_text(
        "Traceback (most recent call last):\n"
        '  File "/module/main.py", line 3, in <module>\n'
        "KeyError: 'first'\n"
        "--- attempt 2 ---\n"
        "nothing to say\n"
    )
    assert explain_failure(attempt_tail(log, 2)) is None
    assert explain_failure(attempt_tail(log, 1)) == "KeyError: 'first' (at /module/main.py line 3)"
    assert read_tail(tmp_path / "absent.log") == ""


def test_a_long_log_is_read_from_its_end_and_long_messages_are_clipped(tmp_path: Path) -> None:
    log = tmp_path / "step.log"
    log.write_text(
        "x" * 100_000
        + "\nTraceback (most recent call last):\n"
        + '  File "/module/main.py", line 9, in <module>\n'
        + "ValueError: "
        + "y" * 2000
        + "\n"
    )
    tail = read_tail(log)
    assert len(tail.encode()) < 17 * 1024 and not tail.startswith("x")
    explained = explain_failure(tail)
    assert explained is not None and explained.startswith("ValueError: yyy")
    assert explained.endswith("y… (at /module/main.py line 9)") and len(explained) < 600
