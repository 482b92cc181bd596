"""``zhishu.sensitivity(plan, spec)``: frames, no printing, the same tables as the command, and numbers checked
against independent runs of the index."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import zhishu
from zhishu.cli import main
from zhishu.sensitivity.outputs import RANKS_COLUMNS, SOBOL_COLUMNS
from toy_index import table_config

DATA = """
unit,year,a,b,c
A,2021,10,5,3
B,2021,20,15,8
C,2021,30,10,4
D,2021,12,7,9
E,2021,25,3,2
A,2022,20,5,9
B,2022,40,10,10
C,2022,30,20,5
D,2022,15,8,6
E,2022,22,4,3
"""

CONFIG = table_config({"a": 1, "b": -1, "c": 1}, """
[nodes.index]
children = ["a", "b", "c"]
weights = { a = 0.5, b = 0.3, c = 0.2 }

[sensitivity]
replications = 6
seed = 3
[sensitivity.weights]
noise = 0.3
""", index_id="toy")


@pytest.fixture
def plan(write_config):
    return zhishu.load_config(write_config(CONFIG, data__csv=DATA))


def test_returns_frames_and_prints_nothing(plan, capsys):
    result = zhishu.sensitivity(plan)
    assert capsys.readouterr() == ("", "")
    assert isinstance(result, zhishu.SensitivityResult)
    assert list(result.ranks.columns) == RANKS_COLUMNS and len(result.ranks) == 10
    assert len(result.replications) == 6 * 10 and set(result.replications["replication"]) == set(range(6))
    assert list(result.samples.columns) == ["replication", "w:index/a", "w:index/b", "w:index/c"]
    assert result.sobol is None and result.n_replications == 6
    assert "6 replications of index" in repr(result)


def test_without_noise_every_replication_is_the_nominal_index(plan):
    """Zero noise: each replication must be the index itself, as an independent zhishu.run computes it."""
    result = zhishu.sensitivity(plan, {"replications": 4, "weights": {"noise": 0.0}})
    nominal = zhishu.run_config(plan)
    expected = nominal.ranks["index"].astype("int64")
    reps = result.replications.set_index(["unit", "year"])
    for _, one in reps.groupby("replication"):
        assert one["rank"].astype("int64").sort_index().equals(expected.sort_index().rename("rank"))
        np.testing.assert_allclose(one["score"].sort_index(), nominal.scores["index"].sort_index(), rtol=1e-12)
    ranks = result.ranks.set_index(["unit", "year"])
    assert (ranks["nominal_rank"] == ranks["median_rank"]).all()
    assert (ranks["mean_abs_shift"] == 0).all()


def test_weights_are_perturbed_within_the_stated_noise(plan):
    """noise = 0.3: every weight × U(0.7, 1.3) before re-normalising, so no ratio of two weights leaves
    [0.7/1.3, 1.3/0.7] times its nominal ratio (a property of the spec, not of the engine's output)."""
    samples = zhishu.sensitivity(plan, {"replications": 200, "seed": 1, "weights": {"noise": 0.3}}).samples
    w = samples[["w:index/a", "w:index/b", "w:index/c"]].to_numpy()
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    ratio = (w[:, 0] / w[:, 1]) / (0.5 / 0.3)
    assert ratio.min() >= 0.7 / 1.3 - 1e-12 and ratio.max() <= 1.3 / 0.7 + 1e-12
    assert ratio.min() < 0.8 and ratio.max() > 1.2  # and the noise is really applied


def test_the_command_writes_the_same_tables(plan, tmp_path, capsys):
    result = zhishu.sensitivity(plan, chunk_size=4)
    assert main(["sensitivity", str(plan.path), "-o", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out.splitlines()[-1]
    timing = re.match(r"6 replications in ([0-9.]+) s \(inprocess; ([0-9.]+) s computing the replications\); "
                      r"wrote 4 files to ", printed)
    assert timing, printed
    assert float(timing[1]) >= float(timing[2])  # the whole command, not only the replications
    for name, frame in result.tables().items():
        written = pd.read_csv(tmp_path / "out" / f"{name}.csv", keep_default_na=False, na_values=[""])
        expected = pd.read_csv(__import__("io").StringIO(frame.to_csv(index=False)), keep_default_na=False,
                               na_values=[""])
        pd.testing.assert_frame_equal(written, expected)


def test_spec_from_a_file_and_sobol(plan, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text("[sensitivity]\nreplications = 8\nsobol = true\n[sensitivity.weights]\nnoise = 0.2\n")
    result = zhishu.sensitivity(plan, spec)
    assert list(result.sobol.columns) == SOBOL_COLUMNS
    assert result.n_replications == 8 * (1 + 2 + 1)  # one input plus SALib's dummy, Saltelli: N × (D + 2)
    assert set(result.sobol["input"]) == {"weights"}


def test_user_errors_before_anything_runs(plan):
    with pytest.raises(zhishu.ConfigError, match="sensitivity.weights.noize: unknown key"):
        zhishu.sensitivity(plan, {"replications": 4, "weights": {"noize": 0.1}})
    with pytest.raises(zhishu.ConfigError, match="workers must be at least 1, got 0"):
        zhishu.sensitivity(plan, executor="processes", workers=0)


def test_the_package_stays_importable_beside_the_function():
    from zhishu.sensitivity import resolve_spec, run_sensitivity  # noqa: F401

    assert callable(zhishu.sensitivity) and zhishu.sensitivity.__module__ == "zhishu.sensitivity.api"
    assert callable(zhishu.ahp) and zhishu.ahp.__module__ == "zhishu.ahp"


def test_a_config_path_is_loaded(plan):
    by_path = zhishu.sensitivity(plan.path)
    pd.testing.assert_frame_equal(by_path.ranks, zhishu.sensitivity(plan).ranks)
