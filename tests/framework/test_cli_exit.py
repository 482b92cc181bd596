"""``zhishu`` ends its process without the interpreter's teardown (:func:`zhishu.cli.exit_process`), and what
the process shows is what ``sys.exit`` gives (the reference): the exit status, everything printed (also by
``atexit`` functions, in their order), a live thread waited for, a closed pipe reported."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest

PROGRAMS = {
    "printed and atexit": """
        import atexit, sys
        atexit.register(lambda: print("second exit function"))
        atexit.register(lambda: print("first exit function", file=sys.stderr))
        print("buffered, not flushed", end="")
        sys.stderr.write("on stderr")
        EXIT(3)
    """,
    "a thread still running": """
        import threading, time
        def late():
            time.sleep(0.3)
            print("the thread's last words")
        threading.Thread(target=late).start()
        EXIT(0)
    """,
    "an exit function that fails": """
        import atexit
        def broken():
            raise RuntimeError("in an exit function")
        atexit.register(broken)
        EXIT(5)
    """,
}


def _run(program: str, exit_with: str, stdout=subprocess.PIPE) -> tuple[int, str, str]:
    head = "from zhishu.cli import exit_process as EXIT\n" if exit_with == "exit_process" else "from sys import exit as EXIT\n"
    done = subprocess.run([sys.executable, "-c", head + textwrap.dedent(program)], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=60)
    return done.returncode, done.stdout or "", re.sub(r"0x[0-9a-f]+", "0x…", done.stderr)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_as_sys_exit(name):
    ours = _run(PROGRAMS[name], "exit_process")
    assert ours == _run(PROGRAMS[name], "sys.exit")
    assert ours[0] in (0, 3, 5)


def test_a_closed_pipe_is_reported_as_by_sys_exit():
    program = """
        import os, sys
        r, w = os.pipe()
        os.close(r)
        sys.stdout = os.fdopen(w, "w")  # a pipe: block-buffered, so the text waits for the flush at exit
        print("x" * 10)
        EXIT(0)
    """
    ours = _run(program, "exit_process")
    reference = _run(program, "sys.exit")
    assert ours == reference
    assert ours[0] == 120 and "BrokenPipeError" in ours[2]


@pytest.mark.parametrize("launcher", [[sys.executable, "-m", "zhishu"], [str(__import__("pathlib").Path(sys.executable).with_name("zhishu"))]])
def test_the_command_line_ends_with_its_status(launcher, tmp_path):
    ok = subprocess.run([*launcher, "plugins"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "normalisers" in ok.stdout
    bad = subprocess.run([*launcher, "validate", str(tmp_path / "missing.toml")], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ")
