"""zhishu.progress: a bar on a terminal, nothing otherwise; checked through a real pseudo-terminal (pty)."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

import zhishu
from zhishu.progress import Progress, is_terminal

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "demo.toml"
SPEC = "[sensitivity]\nreplications = 40\nseed = 3\n[sensitivity.weights]\nnoise = 0.2\n"


def run_on(terminal: bool, argv: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run ``argv`` with stderr on a new pseudo-terminal (``terminal``) or on a pipe; (exit code, stdout, stderr)."""
    if not terminal:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300)
        return done.returncode, done.stdout, done.stderr
    master, slave = pty.openpty()
    with subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL) as proc:
        os.close(slave)
        chunks = []
        while True:
            ready, _, _ = select.select([master], [], [], 300)
            if not ready:
                proc.kill()
                pytest.fail("no output from the pseudo-terminal for 300 s")
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        out = proc.stdout.read().decode()
        code = proc.wait(timeout=300)
    os.close(master)
    return code, out, b"".join(chunks).decode(errors="replace")


def test_a_bar_only_when_enabled_or_on_a_terminal():
    quiet = io.StringIO()  # not a terminal
    with Progress(10, stream=quiet, unit="stages") as bar:
        bar.update(4)
        bar.update(6)
    assert quiet.getvalue() == "" and bar.done == 10  # counted, not drawn
    forced = io.StringIO()
    with Progress(10, enabled=True, stream=forced, unit="stages") as bar:
        bar.stage("load")
        bar.update(10)
    text = forced.getvalue()
    assert text.startswith("\r") and "[" + "#" * 30 + "] 10/10 stages" in text and text.endswith("\n")
    assert "load " in text


def test_is_terminal_on_a_pty_and_not_on_pipes_files_or_closed_streams(tmp_path):
    master, slave = pty.openpty()
    try:
        with os.fdopen(slave, "w", closefd=False) as tty:
            assert is_terminal(tty)
            with Progress(3, stream=tty) as bar:  # enabled by the terminal itself
                bar.update(3)
        seen = b""
        while not seen.endswith(b"\n") and select.select([master], [], [], 10)[0]:
            seen += os.read(master, 65536)
        assert b"3/3 replications" in seen
    finally:
        os.close(slave)
        os.close(master)
    r, w = os.pipe()
    with os.fdopen(w, "w") as pipe:
        assert not is_terminal(pipe)
    os.close(r)
    with open(tmp_path / "log.txt", "w") as file:
        assert not is_terminal(file)
    closed = io.StringIO()
    closed.close()
    assert not is_terminal(closed) and not is_terminal(None) and not is_terminal(object())


def test_a_quick_bar_with_a_delay_draws_nothing():
    stream = io.StringIO()
    with Progress(5, enabled=True, stream=stream, delay=60) as bar:
        bar.update(5)
    assert stream.getvalue() == ""


def test_sensitivity_shows_its_bar_on_a_terminal_and_nothing_when_piped(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC, encoding="utf-8")
    zhishu_cli = [sys.executable, "-m", "zhishu", "sensitivity", str(DEMO), "--spec", str(spec), "--chunk-size", "8"]
    code, out, err = run_on(True, [*zhishu_cli, "-o", str(tmp_path / "tty")], ROOT)
    assert code == 0, err
    assert "40/40 replications" in err and "#" * 30 in err and "\r" in err
    assert "40 replications in" in out  # the timing line goes to stdout, after the bar
    code, out, err = run_on(False, [*zhishu_cli, "-o", str(tmp_path / "pipe")], ROOT)
    assert code == 0, err
    assert err == ""  # piped: no bar, no control characters
    assert "40 replications in" in out
    for name in ["sensitivity-ranks.csv", "sensitivity-replications.csv"]:  # the bar changes no number
        assert (tmp_path / "tty" / name).read_bytes() == (tmp_path / "pipe" / name).read_bytes()


RUN_WITH_BAR = """
import sys, zhishu, zhishu.pipeline as p
p.RUN_PROGRESS_DELAY = 0  # as if the data were large: the bar shows at once
result = p.run_config(zhishu.load_config(sys.argv[1]), progress=None)
print(result.scores["index"].sum())
"""


def test_run_shows_a_bar_of_the_stages_on_a_terminal_only():
    argv = [sys.executable, "-c", RUN_WITH_BAR, str(DEMO)]
    code, out_tty, err = run_on(True, argv, ROOT)
    assert code == 0, err
    total = len(zhishu.STAGES) + 3  # the stage table, then aggregate, rank and analyse
    assert f"{total}/{total} stages" in err and "#" * 30 in err
    assert "analyse [" + "#" * 30 + f"] {total}/{total} stages" in err  # the last stage named (others: redrawn at most 10/s)
    code, out_pipe, err = run_on(False, argv, ROOT)
    assert code == 0 and err == ""
    assert out_tty == out_pipe  # same scores


def test_run_config_is_silent_by_default(capsys):
    zhishu.run(DEMO)
    assert capsys.readouterr() == ("", "")


CLI_WITH_DELAY = """
import sys, zhishu.pipeline as p
from zhishu.cli import main
p.RUN_PROGRESS_DELAY = float(sys.argv[1])
sys.exit(main(sys.argv[2:]))
"""


def test_zhishu_run_shows_no_bar_before_the_delay_even_on_a_terminal(tmp_path):
    """The CLI's bar waits RUN_PROGRESS_DELAY seconds (small data: done before, so nothing appears). The delay is
    set far beyond the run's length here, so the test does not depend on how loaded the machine is; with a delay of
    0 the same command shows the bar, so the check can fail."""
    run = [sys.executable, "-c", CLI_WITH_DELAY]
    args = ["run", str(DEMO), "--top", "0", "-o"]
    code, out, err = run_on(True, [*run, "600", *args, str(tmp_path / "o")], ROOT)
    assert code == 0, err
    assert "stages" not in err and "wrote" in out
    code, out, err = run_on(True, [*run, "0", *args, str(tmp_path / "o2")], ROOT)
    assert code == 0 and "stages" in err and "wrote" in out
