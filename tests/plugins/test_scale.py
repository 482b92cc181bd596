"""zhishu_scale (算力规模): registration, every derivation by hand, constant overrides, the tree in a config and
an end-to-end run of the sub-index. (The five CAICT sub-index plugins together: test_subindex_plugins.py.)"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhishu
from zhishu.formula import parse
import zhishu_scale
from subindex_support import assert_higher_is_better, children_config, column, sub_index

PLUGIN = "scale"
SPECS = {s.id: s for s in zhishu_scale.SPECS.indicators}

# ------------------------------------------------------------------------------------- this plugin


def test_what_it_registers(registries):
    assert [n for n in registries.indicators.names() if registries.indicators.entry(n).plugin == PLUGIN] == [
        "general_compute", "ai_compute", "supercomputing_compute", "infrastructure_compute"]
    assert [n for n in registries.subindices.names() if registries.subindices.entry(n).plugin == PLUGIN] == [
        "scale", "scale_device", "scale_infrastructure"]
    assert registries.subindices.get("scale").weighting is None  # configs choose the weighting


def test_the_conversion_constants_written_out():
    """Each default constant re-derived from its unit definitions (not copied from the spec file)."""
    wan, tera, exa = 1e4, 1e12, 1e18
    assert SPECS["general_compute"].params["to_eflops"] == pytest.approx(wan * tera / exa)  # 万台 × TFlops → EFlops
    assert SPECS["ai_compute"].params["to_eflops"] == pytest.approx(wan * tera / exa)
    assert SPECS["supercomputing_compute"].params["to_eflops"] == 1.0  # Rmax already in EFlops
    # FP16 at twice the FP32 rate → one FP16 Flops is half an FP32 Flops; FP32 at twice the FP64 rate → double
    assert SPECS["ai_compute"].params["fp16_to_fp32"] == SPECS["infrastructure_compute"].params["fp16_to_fp32"] == 1 / 2
    assert SPECS["supercomputing_compute"].params["fp64_to_fp32"] == 2.0
    assert SPECS["supercomputing_compute"].params["if_absent"] == 0.0  # no listed system counts as none


# Three provinces, seven years. Server and AI-server shipments in 万台, compute per server in TFlops; Rmax and
# centre compute only in 2021-2022; B has no supercomputer (empty cells).
DATA = """\
unit,year,server_shipments,server_avg_fp32_tflops,ai_server_shipments,ai_server_avg_fp16_tflops,supercomputer_rmax,datacenter_fp32_eflops,ai_centre_fp16_eflops
A,2016,10,1,1,100,,,
A,2017,12,1.5,1,100,,,
A,2018,14,2,2,200,,,
A,2019,16,2.5,2,200,,,
A,2020,18,3,3,300,,,
A,2021,20,3.5,3,300,0.1,4,2
A,2022,22,4,4,400,0.25,5,4
B,2016,5,2,0.5,200,,,
B,2017,5,2,0.5,200,,,
B,2018,5,2,0.5,200,,,
B,2019,5,2,0.5,200,,,
B,2020,5,2,0.5,200,,,
B,2021,5,2,0.5,200,,1,0
B,2022,5,3,0.5,200,,1,0
C,2016,8,2.5,1,150,,,
C,2017,8,2.5,1,150,,,
C,2018,8,2.5,1,150,,,
C,2019,8,2.5,1,150,,,
C,2020,8,2.5,1,150,,,
C,2021,8,2.5,1,150,0.05,2,2
C,2022,8,2.5,1,150,0.05,3,2
"""

CONFIG, run, default_run = sub_index("scale", DATA, years=[2021, 2022])


def test_more_of_every_indicator_scores_higher(default_run):
    assert_higher_is_better(default_run, list(SPECS))


def test_general_compute_is_the_six_year_sum_of_shipments_times_fp32(default_run):
    raw = default_run.raw
    # A: products 10*1, 12*1.5, 14*2, 16*2.5, 18*3, 20*3.5, 22*4 = 10, 18, 28, 40, 54, 70, 88
    # B: 5*2 (x6), 5*3 = 10, 10, 10, 10, 10, 10, 15;  C: 8*2.5 = 20 every year
    assert column(raw, "general_compute") == pytest.approx({
        ("A", 2021): (10 + 18 + 28 + 40 + 54 + 70) * 0.01,  # 2.20 EFlops
        ("A", 2022): (18 + 28 + 40 + 54 + 70 + 88) * 0.01,  # 2.98
        ("B", 2021): 6 * 10 * 0.01,  # 0.60
        ("B", 2022): (5 * 10 + 15) * 0.01,  # 0.65
        ("C", 2021): 6 * 20 * 0.01,  # 1.20
        ("C", 2022): 6 * 20 * 0.01,
    })


def test_ai_compute_is_the_six_year_sum_in_fp16_halved_to_fp32(default_run):
    raw = default_run.raw
    # A: 1*100, 1*100, 2*200, 2*200, 3*300, 3*300, 4*400 = 100, 100, 400, 400, 900, 900, 1600
    assert column(raw, "ai_compute") == pytest.approx({
        ("A", 2021): (100 + 100 + 400 + 400 + 900 + 900) * 0.01 * 0.5,  # 14.0
        ("A", 2022): (100 + 400 + 400 + 900 + 900 + 1600) * 0.01 * 0.5,  # 21.5
        ("B", 2021): 6 * (0.5 * 200) * 0.01 * 0.5,  # 3.0
        ("B", 2022): 6 * (0.5 * 200) * 0.01 * 0.5,
        ("C", 2021): 6 * (1 * 150) * 0.01 * 0.5,  # 4.5
        ("C", 2022): 6 * (1 * 150) * 0.01 * 0.5,
    })


def test_supercomputing_compute_doubles_fp64_and_counts_a_region_without_a_system_as_zero(default_run):
    raw = default_run.raw
    assert column(raw, "supercomputing_compute") == pytest.approx({
        ("A", 2021): 0.1 * 2, ("A", 2022): 0.25 * 2,
        ("B", 2021): 0.0, ("B", 2022): 0.0,
        ("C", 2021): 0.05 * 2, ("C", 2022): 0.05 * 2,
    })


def test_infrastructure_compute_adds_data_centres_and_half_of_ai_centres_fp16(default_run):
    raw = default_run.raw
    assert column(raw, "infrastructure_compute") == pytest.approx({
        ("A", 2021): 4 + 2 * 0.5, ("A", 2022): 5 + 4 * 0.5,  # 5, 7
        ("B", 2021): 1 + 0 * 0.5, ("B", 2022): 1 + 0 * 0.5,  # 1, 1
        ("C", 2021): 2 + 2 * 0.5, ("C", 2022): 3 + 2 * 0.5,  # 3, 4
    })


def test_a_missing_year_inside_the_six_year_window_makes_the_sum_missing(write_config):
    data = DATA.replace("A,2018,14,2,", "A,2018,,2,")  # A's 2018 shipments unknown
    raw = run(write_config, data=data).raw
    assert math.isnan(raw.loc[("A", 2021), "general_compute"])  # window 2016-2021 holds 2018
    assert math.isnan(raw.loc[("A", 2022), "general_compute"])  # window 2017-2022 too
    assert raw.loc[("B", 2022), "general_compute"] == pytest.approx(0.65)


def test_the_first_five_years_have_no_six_year_sum():
    spec = SPECS["general_compute"]
    frame = pd.read_csv(io.StringIO(DATA)).set_index(["unit", "year"])
    out = parse(spec.formula).evaluate(frame, spec.params)
    assert out.loc[pd.IndexSlice[:, 2016:2020]].isna().all()
    assert out.loc[("A", 2022)] == pytest.approx(2.98)


def test_constants_are_overridden_from_the_config(write_config):
    extra = """
    [indicators.general_compute]
    params = { to_eflops = 1 }                       # report in 万台 x TFlops
    [indicators.ai_compute]
    params = { fp16_to_fp32 = 1.0 }                  # count FP16 as FP32
    [indicators.supercomputing_compute]
    params = { to_eflops = 0.001, fp64_to_fp32 = 1.0, if_absent = nan }   # Rmax in PFlops, B stays missing
    [indicators.infrastructure_compute]
    params = { fp16_to_fp32 = 0.25 }
    """
    result = run(write_config, extra)
    raw = result.raw
    assert raw.loc[("A", 2022), "general_compute"] == pytest.approx(18 + 28 + 40 + 54 + 70 + 88)  # 298
    assert raw.loc[("A", 2022), "ai_compute"] == pytest.approx(4300 * 0.01 * 1.0)  # 43
    assert raw.loc[("A", 2022), "supercomputing_compute"] == pytest.approx(0.25 * 0.001 * 1.0)
    assert math.isnan(raw.loc[("B", 2022), "supercomputing_compute"])
    assert raw.loc[("A", 2022), "infrastructure_compute"] == pytest.approx(5 + 4 * 0.25)
    assert result.plan.indicators["ai_compute"].spec.params == {"to_eflops": 0.01, "fp16_to_fp32": 1.0}


def test_an_unknown_constant_is_a_config_error_with_a_suggestion(write_config):
    path = write_config(CONFIG.format(extra='[indicators.ai_compute]\nparams = { fp16_to_fp23 = 1.0 }'),
                        data__csv=DATA)
    with pytest.raises(zhishu.ConfigError, match=r"indicators\.ai_compute\.params\.fp16_to_fp23: .*did you mean "
                                                 r"'fp16_to_fp32'"):
        zhishu.load_config(path)


def test_a_missing_variable_is_named(write_config):
    data = "\n".join(",".join(row.split(",")[:-1]) for row in DATA.splitlines())  # no ai_centre_fp16_eflops
    with pytest.raises(zhishu.DataError, match="'infrastructure_compute' needs variable 'ai_centre_fp16_eflops'"):
        run(write_config, data=data)


def test_the_tree_resolves(write_config):
    plan = zhishu.load_config(write_config(CONFIG.format(extra=""), data__csv=DATA))
    assert list(plan.nodes) == ["scale", "scale_device", "scale_infrastructure"]
    assert plan.nodes["scale_device"].children == ("general_compute", "ai_compute", "supercomputing_compute")
    assert list(plan.indicators) == ["general_compute", "ai_compute", "supercomputing_compute",
                                     "infrastructure_compute"]
    assert [plan.level_of(i) for i in plan.tree_order()] == [0, 1, 2, 2, 2, 1, 2]
    assert {plan.nodes[n].origin for n in plan.nodes} == {"scale"}
    assert {i.origin for i in plan.indicators.values()} == {"scale"}


def test_end_to_end_scores_of_the_sub_index(write_config):
    """Per year min-max to [0, 100], equal weights, arithmetic means. 2022 raw values:
    general A 2.98 B 0.65 C 1.2 | ai A 21.5 B 3 C 4.5 | super A 0.5 B 0 C 0.1 | infra A 7 B 1 C 4
    so A is 100 and B 0 everywhere; C: general (1.2-0.65)/(2.98-0.65) = 0.55/2.33, ai 1.5/18.5, super 0.1/0.5,
    infra 3/6. 2021: general A 2.2 B 0.6 C 1.2 → 0.6/1.6; ai A 14 B 3 C 4.5 → 1.5/11; super A 0.2 B 0 C 0.1 →
    0.5; infra A 5 B 1 C 3 → 0.5."""
    result = run(write_config)
    c22_device = 100 * (0.55 / 2.33 + 1.5 / 18.5 + 0.1 / 0.5) / 3
    c21_device = 100 * (0.6 / 1.6 + 1.5 / 11 + 0.5) / 3
    assert column(result.scores, "scale_device") == pytest.approx({
        ("A", 2021): 100, ("A", 2022): 100, ("B", 2021): 0, ("B", 2022): 0,
        ("C", 2021): c21_device, ("C", 2022): c22_device})
    assert column(result.scores, "scale_infrastructure")[("C", 2022)] == pytest.approx(50)
    assert column(result.scores, "scale") == pytest.approx({
        ("A", 2021): 100, ("A", 2022): 100, ("B", 2021): 0, ("B", 2022): 0,
        ("C", 2021): (c21_device + 50) / 2, ("C", 2022): (c22_device + 50) / 2})  # 2022: 33.6189…
    assert column(result.ranks, "scale") == {("A", 2021): 1, ("A", 2022): 1, ("B", 2021): 3, ("B", 2022): 3,
                                             ("C", 2021): 2, ("C", 2022): 2}


def test_blocked_plugin_makes_its_names_unknown(write_config):
    path = write_config(children_config("scale_infrastructure", "general_compute"), data__csv=DATA)
    zhishu.load_config(path, block=("industry",))  # another plugin blocked: fine
    with pytest.raises(zhishu.ConfigError) as info:
        zhishu.load_config(path, block=(PLUGIN,))
    text = str(info.value)
    assert "nodes.index.children[0]: unknown child (node or indicator) 'scale_infrastructure'" in text
    assert "nodes.index.children[1]: unknown child (node or indicator) 'general_compute'" in text


def test_a_misspelt_indicator_gets_a_suggestion(write_config):
    path = write_config(children_config("general_comptue"), data__csv=DATA)
    with pytest.raises(zhishu.ConfigError, match="unknown child .*'general_comptue': did you mean 'general_compute'"):
        zhishu.load_config(path)


# ------------------------------------------------------------------------------------- properties

positive = st.floats(min_value=0.0, max_value=1e4, allow_nan=False)


def panel(values: dict[str, list[float]], years: range) -> pd.DataFrame:
    index = pd.MultiIndex.from_product([["P"], list(years)], names=["unit", "year"])
    return pd.DataFrame(values, index=index, dtype="float64")


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=6, max_value=10).flatmap(
    lambda n: st.tuples(st.lists(positive, min_size=n, max_size=n), st.lists(positive, min_size=n, max_size=n))))
def test_general_compute_equals_an_explicit_window_sum(pair):
    shipments, fp32 = pair
    n = len(shipments)
    frame = panel({"server_shipments": shipments, "server_avg_fp32_tflops": fp32}, range(2010, 2010 + n))
    spec = SPECS["general_compute"]
    out = parse(spec.formula).evaluate(frame, spec.params).to_numpy()
    for t in range(n):
        if t < 5:
            assert np.isnan(out[t])
        else:
            expected = sum(shipments[s] * fp32[s] for s in range(t - 5, t + 1)) * 0.01
            assert out[t] == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(positive, min_size=6, max_size=6), st.lists(positive, min_size=6, max_size=6),
       st.floats(min_value=0.01, max_value=100))
def test_ai_compute_is_linear_in_shipments_and_in_the_fp16_factor(shipments, fp16, c):
    index = pd.MultiIndex.from_product([["base", "scaled"], range(2017, 2023)], names=["unit", "year"])
    frame = pd.DataFrame({"ai_server_shipments": shipments + [x * c for x in shipments],
                          "ai_server_avg_fp16_tflops": fp16 + fp16}, index=index, dtype="float64")
    spec = SPECS["ai_compute"]
    f = parse(spec.formula)
    out = f.evaluate(frame, spec.params)
    base = out.loc[("base", 2022)]
    assert base == pytest.approx(sum(s * x for s, x in zip(shipments, fp16)) * 0.01 * 0.5, rel=1e-9, abs=1e-12)
    assert out.loc[("scaled", 2022)] == pytest.approx(base * c, rel=1e-9, abs=1e-12)
    doubled = {**spec.params, "fp16_to_fp32": 2 * spec.params["fp16_to_fp32"]}
    assert f.evaluate(frame, doubled).loc[("base", 2022)] == pytest.approx(2 * base, rel=1e-9, abs=1e-12)
