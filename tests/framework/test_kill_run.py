"""All-or-nothing outputs under a real ``kill -9``, and concurrent runs into one folder (issue 8 item 1).

A synthetic index large enough that ``zhishu run`` takes seconds writes into a folder holding an earlier run of
another config. The run is killed with SIGKILL at many moments — anywhere in the run, and just after its first
file appears in the staging folder — and after every kill the folder must hold exactly one complete set: every
file its manifest lists, with the listed SHA-256, and no other file; either the previous set or the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zhishu.outputs import output_folder

UNITS, YEARS, INDICATORS = 600, 4, 12
KILLS = 15


def write_config(folder: Path, name: str, scale: float, tiers: bool, units: int = UNITS) -> Path:
    rng = np.random.default_rng(7)
    index = pd.MultiIndex.from_product([[f"U{i:05d}" for i in range(units)], range(2018, 2018 + YEARS)],
                                       names=["unit", "year"])
    values = rng.gamma(2.0, 10.0, size=(len(index), INDICATORS)) * scale
    data = pd.DataFrame(values, index=index, columns=[f"x{j}" for j in range(INDICATORS)]).reset_index()
    data.to_csv(folder / f"{name}.csv", index=False)
    groups = [f"g{k}" for k in range(4)]
    lines = ["[index]", f'id = "{name}"', 'root = "index"', "", "[sources.s]", 'plugin = "table"',
             f'params = {{ path = "{name}.csv" }}', ""]
    for j in range(INDICATORS):
        lines += [f"[indicators.x{j}]", "direction = 1", f'variable = "x{j}"', ""]
    lines += ["[nodes.index]", "children = [" + ", ".join(f'"{g}"' for g in groups) + "]", ""]
    for k, g in enumerate(groups):
        lines += [f"[nodes.{g}]", "children = [" + ", ".join(f'"x{j}"' for j in range(3 * k, 3 * k + 3)) + "]", ""]
    if tiers:
        lines += ["[analyses.tiers]", 'params = { thresholds = [60, 30], labels = ["A", "B", "C"] }', ""]
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def zhishu(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "zhishu", "run", *map(str, args), "--top", "0"]


def complete_set(folder: Path) -> str:
    """The manifest's text when ``folder`` holds exactly the files it lists with their SHA-256; else fail."""
    assert folder.is_dir(), f"{folder} is missing"
    text = (folder / "manifest.json").read_text(encoding="utf-8")
    listed = {f["path"]: f["sha256"] for f in json.loads(text)["outputs"]["files"]}
    present = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert present == sorted([*listed, "manifest.json"]), "files the manifest does not list, or missing ones"
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, f"{name} is not the listed one"
    return text


@pytest.fixture(scope="module")
def configs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kill")
    return folder, write_config(folder, "previous", 1.0, tiers=True), write_config(folder, "new", 3.0, tiers=False)


def staged_file_appeared(parent: Path, name: str) -> bool:
    return any(p.is_dir() and any(p.iterdir()) for p in parent.glob(f".{name}.zhishu-staging-*"))


def test_kill_9_at_any_moment_leaves_the_previous_or_the_new_complete_set(configs):
    folder, previous, new = configs
    out = folder / "out"
    subprocess.run(zhishu(previous, "-o", out), check=True, cwd=folder)
    before = complete_set(out)
    assert (out / "analysis-tiers.csv").is_file()

    started = time.monotonic()
    subprocess.run(zhishu(new, "-o", folder / "timing"), check=True, cwd=folder)
    duration = time.monotonic() - started

    rng = random.Random(20261201)
    seen = {"previous": 0, "new": 0}
    for k in range(KILLS):
        config = new if k % 2 == 0 else previous
        proc = subprocess.Popen(zhishu(config, "-o", out), cwd=folder,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if k % 2:  # anywhere in the run
            time.sleep(rng.uniform(0.0, duration * 1.1))
        else:  # while files are being written or swapped in
            deadline = time.monotonic() + duration * 3
            while not staged_file_appeared(folder, "out") and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        text = complete_set(out)
        assert text == before or json.loads(text)["config"]["path"] == str(config.resolve())
        seen["previous" if text == before else "new"] += 1
        before = text  # the next run replaces whatever is there now

    # a later run repairs and cleans: no staging folder is left, and the folder holds the new complete set
    subprocess.run(zhishu(new, "-o", out), check=True, cwd=folder)
    complete_set(out)
    assert not (out / "analysis-tiers.csv").exists()  # the previous config's table is gone, not left behind
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".out.")) == [".out.zhishu-lock"]
    assert sum(seen.values()) == KILLS
    print(f"kills: {seen}, run of {duration:.1f} s")


def test_a_second_concurrent_run_fails_at_once_with_exit_2(configs):
    """The first holder is a sensitivity run of many replications: it holds the lock for far longer than the
    second's start-up on any machine (a plain run of this index now ends in well under a second), and the test
    kills it once the second has failed: neither leaves ``busy`` behind."""
    folder, previous, _ = configs
    spec = folder / "long-sensitivity.toml"
    spec.write_text("[sensitivity]\nreplications = 1000000\nseed = 1\n\n[sensitivity.weights]\nnoise = 0.2\n",
                    encoding="utf-8")
    out = folder / "busy"
    first = subprocess.Popen([sys.executable, "-m", "zhishu", "sensitivity", str(previous), "--spec", str(spec),
                              "--no-replications", "-o", str(out)],
                             cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not list(folder.glob(".busy.zhishu-staging-*")) and time.monotonic() < deadline:
            time.sleep(0.01)  # the first holds the lock from before its computation
        assert first.poll() is None, "the first run ended before the second could start"
        started = time.monotonic()
        second = subprocess.run(zhishu(previous, "-o", out), cwd=folder, capture_output=True, text=True)
        assert second.returncode == 2, second.stderr
        assert f"output folder {out} is being written by another zhishu run (process {first.pid})" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.poll() is None, "the second run did not fail at once: the first one finished meanwhile"
        assert time.monotonic() - started < 30
    finally:
        first.kill()
        first.wait(timeout=60)
    assert not out.exists()  # the second never wrote it, the killed first never swapped its staging folder in
    subprocess.run(zhishu(previous, "-o", out), check=True, cwd=folder)  # the lock died with its holder
    complete_set(out)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_kill_9_of_the_fallback_swap_is_repaired(configs, tmp_path):
    """Where RENAME_EXCHANGE is missing the swap is two renames; a run killed between them leaves the folder
    renamed away, and the next run puts it back before it starts."""
    folder, previous, new = configs
    out = tmp_path / "out"
    subprocess.run(zhishu(previous, "-o", out), check=True, cwd=folder)
    before = complete_set(out)
    script = (
        "import os, signal, sys\n"
        "import zhishu.outputs as o\n"
        "o.exchange = lambda a, b: False\n"
        "real = os.rename\n"
        "def rename(a, b):\n"
        "    real(a, b)\n"
        "    if '.zhishu-old-' in str(b):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "os.rename = rename\n"
        "from zhishu.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, "run", str(new), "-o", str(out), "--top", "0"],
                          cwd=folder, capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists() and list(tmp_path.glob(".out.zhishu-old-*"))  # killed between the renames
    with pytest.raises(RuntimeError), output_folder(out):  # entering repairs; the exception changes nothing
        raise RuntimeError
    assert complete_set(out) == before
    subprocess.run(zhishu(new, "-o", out, "--excel"), check=True, cwd=folder)
    text = complete_set(out)
    assert text != before and (out / "results.xlsx").is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")) == [".out.zhishu-lock"]
