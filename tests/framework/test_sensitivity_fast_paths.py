"""The fast paths of ``zhishu sensitivity``, against the general ones: ``sensitivity-replications.csv``
written straight from the arrays (:func:`write_replications_csv`, what ``zhishu sensitivity`` writes) is byte
for byte the CSV of the replications frame (``replications_table`` through :func:`zhishu.csvtext.write_csv`,
itself checked against pandas' ``to_csv``), on real runs of several specs and on random scores, ranks and unit
labels (missing values, -0.0, infinities, exponents, labels that need quoting or hold ``%``); the variants'
checks compute the built-in means on the arrays as the methods' own ``aggregate`` does."""

from __future__ import annotations

import io

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhishu
from zhishu.csvtext import csv_text
from zhishu.default_plugins.aggregators import Arithmetic, Geometric, Minimum
from zhishu.sensitivity import replications_table, resolve_spec, run_sensitivity
from zhishu.sensitivity.engine import _mean_of_arrays
from zhishu.sensitivity.outputs import write_replications_csv
from toy_index import TOY_DATA, table_config

CONFIG = table_config({"a": 1, "b": -1, "c": 1, "d": 1, "e": 1}, """
[nodes.index]
children = ["p", "q"]
weights = { p = 0.6, q = 0.4 }
min_share = 0.7

[nodes.p]
children = ["a", "b", "c"]

[nodes.q]
children = ["d", "e"]
min_share = 0.6

[imputation]
default = { method = "none" }

[normalisation]
default = { method = "minmax", params = { low = 1, high = 100 } }
""", index_id="toy")

SPECS = [
    {"replications": 40, "seed": 11, "weights": {"noise": 0.4},
     "normaliser": {"alternatives": [{"method": "minmax", "params": {"low": 1, "high": 100}}, "rank"]},
     "aggregator": {"alternatives": ["arithmetic", "geometric", "minimum"], "nodes": ["index", "p"]},
     "leave_one_out": {"indicators": ["a", "d"]}},
    {"replications": 9, "seed": 2, "weights": {"noise": 0.0}},  # nothing varies: no weight-change column
    {"replications": 30, "seed": 4, "weights": {"method": "dirichlet", "concentration": 20.0},
     "imputation": {"alternatives": ["none", "mean"]}},
]


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toy")
    (folder / "data.csv").write_text(TOY_DATA.lstrip(), encoding="utf-8")
    (folder / "config.toml").write_text(CONFIG, encoding="utf-8")
    return zhishu.load_config(folder / "config.toml")


def _direct(result) -> str:
    buf = io.StringIO(newline="")
    write_replications_csv(result, buf)
    return buf.getvalue()


@pytest.mark.parametrize("spec", SPECS)
def test_the_direct_text_is_the_frames_csv(plan, spec):
    result = run_sensitivity(plan, resolve_spec(spec, plan))
    assert _direct(result) == csv_text(replications_table(result))


def test_a_unit_without_a_score_is_an_empty_score_and_rank(plan):
    result = run_sensitivity(plan, resolve_spec(SPECS[0], plan))
    text = _direct(result)
    assert np.isnan(result.scores["index"]).any()  # min_share: H 2022 (e missing) has no q, so no index
    assert ",H,2022,," in text
    assert text == csv_text(replications_table(result))


scores = st.floats(allow_nan=True, allow_infinity=True, width=64) | st.sampled_from(
    [0.0, -0.0, 1e-5, 1e16, 1e10, 123.0, 0.1, float("nan")])
labels = st.text(alphabet=st.sampled_from(list('ab ,"\n\r%;é指x0')), min_size=0, max_size=5)


@pytest.fixture(scope="module")
def small(plan):
    return run_sensitivity(plan, resolve_spec({**SPECS[0], "replications": 4}, plan))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.large_base_example])
@given(data=st.data())
def test_random_scores_ranks_and_labels(small, data):
    base = small
    n, R = base.scores["index"].shape
    units = data.draw(st.lists(labels, min_size=n, max_size=n))
    years = base.model.index.get_level_values("year")
    index = pd.MultiIndex.from_arrays([units, years], names=["unit", "year"])
    S = np.array(data.draw(st.lists(scores, min_size=n * R, max_size=n * R))).reshape(n, R)
    K = np.array(data.draw(st.lists(st.integers(1, 3 * n) | st.just(-1), min_size=n * R, max_size=n * R)),
                 dtype="float64").reshape(n, R)
    K[K < 0] = np.nan
    result = attrs.evolve(base, model=attrs.evolve(base.model, index=index), scores={"index": S},
                          ranks={"index": K})
    assert _direct(result) == csv_text(replications_table(result))


def test_other_labels_and_ranks_go_through_the_frame(plan):
    base = run_sensitivity(plan, resolve_spec(SPECS[1], plan))
    years = base.model.index.get_level_values("year")
    numbered = attrs.evolve(base, model=attrs.evolve(base.model, index=pd.MultiIndex.from_arrays(
        [np.arange(len(years)), years], names=["unit", "year"])))
    assert _direct(numbered) == csv_text(replications_table(numbered))  # integer unit ids
    halves = attrs.evolve(base, ranks={"index": base.ranks["index"] + 0.5})  # (pandas truncates them)
    assert _direct(halves) == csv_text(replications_table(halves))


def test_the_command_writes_the_direct_text(plan, tmp_path):
    result = zhishu.sensitivity(plan, SPECS[0])
    result.write(tmp_path / "out")
    written = (tmp_path / "out" / "sensitivity-replications.csv").read_bytes()
    assert written == csv_text(result.replications).encode("utf-8")
    assert "replications" in result.__dict__  # built now, for the comparison: …
    result.write(tmp_path / "again")  # … and written from the frame the second time, the same bytes
    assert (tmp_path / "again" / "sensitivity-replications.csv").read_bytes() == written


@pytest.mark.parametrize("method", [Arithmetic(), Geometric(), Geometric(offset=2.5)])
def test_means_on_the_arrays_are_their_aggregate_bit_for_bit(method):
    """The variant checks compute the built-in means on the arrays (sensitivity.engine._mean_of_arrays): the
    same floats as the methods' own ``aggregate``, with missing values and uneven weights; data the geometric
    mean rejects is left to its ``aggregate`` (None), which names the cells."""
    rng = np.random.default_rng(3)
    block = np.vstack([rng.uniform(0.5, 100, 40) for _ in range(4)]).T  # rows × children, as the engine's
    block[rng.random(block.shape) < 0.1] = np.nan
    block[5] = np.nan  # a row without any child
    w = np.array([0.1, 0.4, 0.3, 0.2])
    X = pd.DataFrame(block, columns=list("abcd"), copy=False)
    expected = method.aggregate(X, pd.Series(w, index=list("abcd"))).to_numpy()
    got = _mean_of_arrays(method, block, w)
    assert got.tobytes() == expected.tobytes()
    if isinstance(method, Geometric):
        bad = block.copy()
        bad[3, 1] = -method.offset
        assert _mean_of_arrays(method, bad, w) is None
        with pytest.raises(zhishu.DataError):
            method.aggregate(pd.DataFrame(bad, columns=list("abcd")), pd.Series(w, index=list("abcd")))
    assert _mean_of_arrays(Minimum(), block, w) is None
