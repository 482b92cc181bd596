"""The benchmark harness (benchmarks/, ``make bench``) works: its smallest mode runs every goal and prints a
verdict per figure, and its measuring tools measure what they claim. No timing is asserted here — speed
targets live in benchmarks/ only."""

from __future__ import annotations

import subprocess
import sys

import pytest

from benchmarks.harness import ROOT, Row, child_result, config_with_data, run_child, shared_data


def test_row_verdicts():
    assert Row(goal="1", case="c", ours=1.0, base=2.0, target=0.5).passed is True
    assert Row(goal="1", case="c", ours=1.1, base=2.0, target=0.5).verdict() == "FAIL"
    assert Row(goal="1", case="c", ours=1.0, base=2.0).verdict() == "-"


def test_run_child_peak_rss_sees_a_400_mib_allocation():
    code = "import numpy as np, json; a = np.ones(400 * 2**17); print(json.dumps({'sum': float(a.sum())}))"
    run = run_child([sys.executable, "-c", code])
    assert child_result(run) == {"sum": 400 * 2**17}
    assert run.peak_mib >= 400  # the kernel's high-water mark includes the 400 MiB array
    assert run.tree_mib >= run.peak_mib


def test_run_child_tree_rss_adds_up_grandchildren():
    # a child that starts two grandchildren of 300 MiB each, alive at the same time
    grand = "import numpy as np, time; a = np.ones(300 * 2**17); time.sleep(1.5)"
    code = (f"import subprocess, sys; ps = [subprocess.Popen([sys.executable, '-c', {grand!r}]) for _ in range(2)]; "
            "[p.wait() for p in ps]")
    run = run_child([sys.executable, "-c", code])
    assert run.tree_mib >= 600
    assert run.peak_mib < 600  # the kernel's figure is the largest single process, not the tree


@pytest.mark.skipif(shared_data() is None, reason="no ../shared/data beside this checkout: paths are left as they are")
def test_config_with_data_makes_shared_data_paths_absolute(tmp_path):
    template = tmp_path / "t" / "c.toml"
    template.parent.mkdir()
    template.write_text('p = "../../shared/data/asem/x.csv"\nreplications = 500\n', encoding="utf-8")
    out_dir = tmp_path / "o"
    out_dir.mkdir()
    out = config_with_data(template, out_dir, {"replications = 500": "replications = 7"})
    text = out.read_text(encoding="utf-8")
    assert "replications = 7" in text
    assert "../" not in text or "shared/data" not in text.split("../")[-1]
    with pytest.raises(ValueError):
        config_with_data(template, out_dir, {"absent": "x"})


def test_make_bench_quick_runs_every_goal():
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick"], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    for goal in ("goal 1", "goal 2", "goal 3", "goal 4", "goal 5"):
        assert goal in out
    assert "load average" in out
    assert "figures PASS" in out
    assert "Traceback" not in proc.stderr
