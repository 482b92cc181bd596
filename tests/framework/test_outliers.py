"""Built-in outlier treatments (register_treatments): none, winsorise (percentile) and jrc (COINr's rule).

Skewness and kurtosis are computed in this file with the textbook formulas written out (Joanes & Gill 1998,
G1 and G2; the e1071 type-2 code COINr's ``skew()``/``kurt()`` copy), independently of the implementation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhishu
from zhishu import ConfigError, DataError, Hooks
from zhishu.default_plugins.outliers import JRCTreatment, NoTreatment, Winsorise
from zhishu import skew_kurtosis

PROPERTY = settings(max_examples=40, deadline=None)
NAN = float("nan")


def g1_g2(values) -> tuple[float, float]:
    """G1 and G2 as COINr computes them (R/treat.R, ``skew()`` and ``kurt()``), here in plain Python:

    d = x − mean;  G1 = √n Σd³ / (Σd²)^{3/2} · √(n(n−1)) / (n−2)
                   r = n Σd⁴ / (Σd²)²;  G2 = ((n+1)(r−3) + 6)(n−1) / ((n−2)(n−3))   (n ≥ 4, else NaN)
    """
    x = [float(v) for v in values]
    n = len(x)
    mean = sum(x) / n
    d = [v - mean for v in x]
    s2, s3, s4 = sum(v**2 for v in d), sum(v**3 for v in d), sum(v**4 for v in d)
    g1 = math.sqrt(n) * s3 / s2**1.5 * math.sqrt(n * (n - 1)) / (n - 2)
    r = n * s4 / s2**2
    g2 = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)) if n >= 4 else NAN  # kurt(): NA below 4
    return g1, g2


def outlying(values, skew=2.0, kurt=3.5) -> bool:
    """COINr's rule: ``check_SkewKurt`` (R/treat.R) passes when ``abs(sk) < skew_thresh | kt < kurt_thresh``."""
    g1, g2 = g1_g2(values)
    return abs(g1) >= skew and g2 >= kurt


def column(values, year: int = 2020, name: str = "x") -> pd.DataFrame:
    index = pd.MultiIndex.from_arrays([[f"u{i:02d}" for i in range(len(values))], [year] * len(values)],
                                      names=["unit", "year"])
    return pd.DataFrame({name: [float(v) for v in values]}, index=index)


#: 15 ordinary values and two large ones
TAIL = list(range(1, 16)) + [1000, 2000]


# ------------------------------------------------------------------------------------------- statistics


def test_skewness_and_kurtosis_match_the_written_out_formulas():
    # COINr's own example vector (vignette "treat", ?winsorise): x <- c(1:10, 30, 100)
    x = list(range(1, 11)) + [30, 100]
    g1, g2 = g1_g2(x)
    assert (g1, g2) == pytest.approx((3.0632410342, 9.7413908346), rel=1e-9)
    ours = skew_kurtosis(np.array([x, [v * 2 + 1 for v in x]], dtype=float).T)  # affine-invariant
    assert ours[0] == pytest.approx([g1, g1], rel=1e-12) and ours[1] == pytest.approx([g2, g2], rel=1e-12)
    # pandas' skew() and kurt() are the same estimators
    s = pd.Series(x, dtype=float)
    assert s.skew() == pytest.approx(g1) and s.kurt() == pytest.approx(g2)


def test_statistics_are_undefined_for_short_or_constant_columns():
    A = np.array([[1.0, 2.0, 2.0], [2.0, 2.0, NAN], [9.0, 2.0, NAN], [NAN, 2.0, 5.0]])
    g1, g2 = skew_kurtosis(A)
    # 3 values: G1 only (COINr's skew() needs 3 values, kurt() 4); constant; 2 values
    assert g1[0] == pytest.approx(135 / (19 * math.sqrt(19)), rel=1e-12) and np.isnan(g1[1:]).all()
    assert np.isnan(g2).all()


# ------------------------------------------------------------------------------------------- jrc by hand


def test_jrc_winsorises_the_largest_values_one_step_at_a_time():
    x = TAIL
    # step 0: G1 = 3.14 > 2 and G2 = 9.83 > 3.5: outlying, skew positive → the maximum 2000 becomes 1000
    assert g1_g2(x) == pytest.approx((3.1406, 9.8300), abs=1e-4) and outlying(x)
    step1 = list(range(1, 16)) + [1000, 1000]
    # step 1: G1 = 2.61, G2 = 5.44: still outlying; 1 value changed < 5 → both 1000s become 15
    assert g1_g2(step1) == pytest.approx((2.6088, 5.4372), abs=1e-4) and outlying(step1)
    step2 = list(range(1, 16)) + [15, 15]
    # step 2: G1 = −0.15, G2 = −1.33: passes; 2 values winsorised
    assert g1_g2(step2) == pytest.approx((-0.1479, -1.3294), abs=1e-4) and not outlying(step2)
    method = JRCTreatment()
    out = method.treat(column(x))
    assert out["x"].tolist() == [float(v) for v in step2]
    row = method.details_.iloc[0]
    assert (row["action"], row["winsorised"], row["n"]) == ("winsorised", 2, 17)


def test_jrc_winsorises_the_smallest_values_when_skew_is_negative():
    out = JRCTreatment().treat(column([-v for v in TAIL]))  # mirror image: −2000 → −1000 → −15
    assert out["x"].tolist() == [-float(v) for v in range(1, 16)] + [-15.0, -15.0]


def test_jrc_falls_back_to_the_log_of_the_original_values():
    # max_winsorised = 1: after step 1 (2000 → 1000) one value is changed and the rule still fails (above), so
    # the winsorisation is undone and COINr's log_CT applies to the original values:
    # ln(x − min + 0.01 (max − min)) = ln(x − 1 + 0.01 · 1999) = ln(x + 18.99)
    method = JRCTreatment(max_winsorised=1)
    out = method.treat(column(TAIL))
    assert out["x"].tolist() == pytest.approx([math.log(v + 18.99) for v in TAIL], rel=1e-12)
    assert method.details_.iloc[0]["action"] == "transformed"
    # log_CT_orig: ln(x − min + 1) = ln(x) here, as is the plain log (every value > 0)
    for fallback in ("log_ct_orig", "log"):
        out = JRCTreatment(max_winsorised=1, fallback=fallback).treat(column(TAIL))
        assert out["x"].tolist() == pytest.approx([math.log(v) for v in TAIL], rel=1e-12)
    # no fallback: the winsorised values are kept although still outlying
    out = JRCTreatment(max_winsorised=1, fallback="none").treat(column(TAIL))
    assert out["x"].tolist() == [float(v) for v in range(1, 16)] + [1000.0, 1000.0]
    # max_winsorised = 0: straight to the fallback
    out = JRCTreatment(max_winsorised=0).treat(column(TAIL))
    assert out["x"].tolist() == pytest.approx([math.log(v + 18.99) for v in TAIL], rel=1e-12)


def test_jrc_log_fallback_for_negative_skew_as_coinr_or_mirrored():
    neg = [-v for v in TAIL]  # min −2000, max −1, a = 0.01 · 1999 = 19.99
    # as COINr: ln(x − min + a) = ln(x + 2019.99), although it makes a negative skew worse
    out = JRCTreatment(max_winsorised=1).treat(column(neg))
    assert out["x"].tolist() == pytest.approx([math.log(v + 2019.99) for v in neg], rel=1e-12)
    assert g1_g2(out["x"].tolist())[0] < g1_g2(neg)[0] < 0
    # mirrored: −ln(max − x + a) = −ln(−1 − x + 19.99) = −ln(18.99 − x): the negative of the positive case
    out = JRCTreatment(max_winsorised=1, mirror_negative=True).treat(column(neg))
    assert out["x"].tolist() == pytest.approx([-math.log(18.99 - v) for v in neg], rel=1e-12)


def test_tied_extremes_are_winsorised_together():
    # 2000 twice: one step moves both to 15 (COINr's which(x == max(x))), so 2 values change although
    # max_winsorised = 1 (the limit is checked before each step, as in COINr)
    x = list(range(1, 16)) + [2000, 2000]
    assert outlying(x) and not outlying(list(range(1, 16)) + [15, 15])
    method = JRCTreatment(max_winsorised=1)
    assert method.treat(column(x))["x"].tolist() == [float(v) for v in range(1, 16)] + [15.0, 15.0]
    assert method.details_.iloc[0]["winsorised"] == 2


def test_winsorisation_never_makes_an_indicator_constant():
    # 0 fourteen times and 1 once: G1 = √15 ≈ 3.87 (two-point distribution), outlying, but winsorising the 1
    # would leave a single value, so the log fallback applies: ln(x − 0 + 0.01 · 1) → ln 0.01 and ln 1.01
    x = [0] * 14 + [1]
    assert outlying(x)
    out = JRCTreatment().treat(column(x))
    assert out["x"].tolist() == pytest.approx([math.log(0.01)] * 14 + [math.log(1.01)], rel=1e-12)


def test_jrc_leaves_passing_short_and_constant_indicators_alone():
    ok = list(range(1, 11))  # G1 = 0
    X = pd.concat([column(ok, name="ok"), column([5.0] * 10, name="flat"),
                   column([1, 2, 1000] + [NAN] * 7, name="short")], axis=1)
    method = JRCTreatment()
    out = method.treat(X)
    pd.testing.assert_frame_equal(out, X)
    assert method.details_["action"].tolist() == ["unchanged", "not evaluated", "not evaluated"]
    # the short one's skewness is reported (3 values suffice, as in COINr's skew()), its kurtosis is not
    short = method.details_.set_index("indicator").loc["short"]
    assert short["skewness"] == pytest.approx(g1_g2([1, 2, 1000])[0], rel=1e-12)
    assert math.isnan(short["kurtosis"])
    assert math.isnan(method.details_.set_index("indicator").loc["flat", "skewness"])


def test_jrc_keeps_missing_values_missing():
    x = TAIL[:8] + [NAN] + TAIL[8:]
    out = JRCTreatment().treat(column(x))["x"].tolist()
    assert math.isnan(out[8])
    assert [v for v in out if not math.isnan(v)] == [float(v) for v in range(1, 16)] + [15.0, 15.0]


def test_jrc_per_year_or_pooled():
    # 2020 has the outliers, 2021 is ordinary (1..17): per year only 2020 changes
    X = pd.concat([column(TAIL, 2020), column(range(1, 18), 2021)])
    per_year = JRCTreatment().treat(X)
    assert per_year.xs(2020, level="year")["x"].tolist()[-2:] == [15.0, 15.0]
    assert per_year.xs(2021, level="year")["x"].tolist() == [float(v) for v in range(1, 18)]
    # pooled (34 values): 2000 → 1000 → 17 (the next value down is 2021's 17), then the rule passes
    pooled_values = list(TAIL) + list(range(1, 18))
    assert outlying(pooled_values)
    assert outlying(list(range(1, 16)) + [1000, 1000] + list(range(1, 18)))
    assert not outlying(list(range(1, 16)) + [17, 17] + list(range(1, 18)))
    pooled = JRCTreatment(by="all").treat(X)
    assert pooled.xs(2020, level="year")["x"].tolist()[-2:] == [17.0, 17.0]
    assert pooled.xs(2021, level="year")["x"].tolist() == [float(v) for v in range(1, 18)]


def test_jrc_thresholds_are_parameters():
    x = list(range(1, 11)) + [30, 100]  # G1 = 3.06, G2 = 9.74
    assert JRCTreatment(kurtosis_threshold=10.0).treat(column(x))["x"].tolist() == [float(v) for v in x]
    assert JRCTreatment(skew_threshold=3.1).treat(column(x))["x"].tolist() == [float(v) for v in x]
    # COINr's winsorise(x) on this vector: 100 → 30, after which G1 = 1.71 < 2: passes
    assert g1_g2(list(range(1, 11)) + [30, 30])[0] == pytest.approx(1.7120, abs=1e-4)
    assert JRCTreatment().treat(column(x))["x"].tolist() == [float(v) for v in range(1, 11)] + [30.0, 30.0]


def test_the_rule_at_its_exact_thresholds_treats_as_coinr_does():
    """COINr (bluefoxr/COINr, R/treat.R, check_SkewKurt at commit b968203): ``Pass = (abs(sk) < skew_thresh) |
    (kt < kurt_thresh)``, so an indicator whose |skewness| or kurtosis equals its threshold (the other one
    exceeded) is treated. The thresholds are set to the implementation's own G1 and G2 of the data, so that the
    comparison itself is what is tested at the boundary."""
    g1, g2 = (float(v[0]) for v in skew_kurtosis(np.array(TAIL, dtype=float)[:, None]))
    assert (g1, g2) == pytest.approx(g1_g2(TAIL), rel=1e-12)
    x = [float(v) for v in TAIL]
    at_skew = JRCTreatment(skew_threshold=abs(g1)).treat(column(TAIL))["x"].tolist()
    at_kurt = JRCTreatment(kurtosis_threshold=g2).treat(column(TAIL))["x"].tolist()
    assert at_skew != x and at_kurt != x  # treated: 2000 winsorised
    assert max(at_skew) < 2000 and max(at_kurt) < 2000
    above_skew = JRCTreatment(skew_threshold=float(np.nextafter(abs(g1), np.inf))).treat(column(TAIL))
    above_kurt = JRCTreatment(kurtosis_threshold=float(np.nextafter(g2, np.inf))).treat(column(TAIL))
    assert above_skew["x"].tolist() == x and above_kurt["x"].tolist() == x  # just above: passes, unchanged


def test_plain_log_fallback_with_non_positive_values_is_a_data_error():
    x = [v - 5 for v in TAIL]  # −4 … 1995
    with pytest.raises(DataError, match=r"indicator 'x' in 2020 .* values ≤ 0 \(u00 2020, u01 2020, u02 2020, "
                                         r"u03 2020, u04 2020\); use fallback = \"log_ct\""):
        JRCTreatment(max_winsorised=1, fallback="log").treat(column(x))


@pytest.mark.parametrize(("params", "message"), [
    ({"by": "unit"}, 'by must be one of "year", "all", not \'unit\''),
    ({"fallback": "boxcox"}, 'fallback must be one of "log_ct", "log_ct_orig", "log", "none", not \'boxcox\''),
    ({"skew_threshold": -1.0}, "skew_threshold bounds the absolute skewness, so it cannot be negative"),
    ({"max_winsorised": -1}, "max_winsorised must be 0 or more, not -1"),
    ({"kurtosis_threshold": math.inf}, "kurtosis_threshold must be a finite number"),
    ({"mirror_negative": True, "fallback": "log"}, "mirror_negative applies to fallback"),
])
def test_jrc_params_are_validated(params, message):
    with pytest.raises(ValueError, match=message):
        JRCTreatment(**params)


# ------------------------------------------------------------------------------------------- winsorise


def test_percentile_winsorisation_by_hand():
    # 1..10: linear quantiles at h = (n − 1) q: q = 0.1 → h = 0.9 → 1 + 0.9 · (2 − 1) = 1.9;
    # q = 0.9 → h = 8.1 → 9 + 0.1 · (10 − 9) = 9.1
    out = Winsorise(lower=0.1, upper=0.9).treat(column(range(1, 11)))
    assert out["x"].tolist() == pytest.approx([1.9, 2, 3, 4, 5, 6, 7, 8, 9, 9.1], rel=1e-12)
    # defaults 0.05 / 0.95: h = 0.45 → 1.45, h = 8.55 → 9.55
    out = Winsorise().treat(column(range(1, 11)))
    assert out["x"].tolist() == pytest.approx([1.45, 2, 3, 4, 5, 6, 7, 8, 9, 9.55], rel=1e-12)
    # lower = 0, upper = 1: nothing changes
    assert Winsorise(lower=0.0, upper=1.0).treat(column(range(1, 11)))["x"].tolist() == list(map(float, range(1, 11)))


def test_percentile_winsorisation_per_year_or_pooled_and_missing_values():
    X = pd.concat([column([1, 2, 3, NAN, 5], 2020), column([10, 20, 30, 40, 50], 2021)])
    per_year = Winsorise(lower=0.25, upper=0.75).treat(X)
    # 2020 observed 1 2 3 5: q.25 at h = 0.75 → 1.75, q.75 at h = 2.25 → 3 + 0.25 · 2 = 3.5
    assert per_year.xs(2020, level="year")["x"].tolist()[:3] == [1.75, 2.0, 3.0]
    assert math.isnan(per_year.loc[("u03", 2020), "x"]) and per_year.loc[("u04", 2020), "x"] == 3.5
    # 2021: h = 1 → 20, h = 3 → 40
    assert per_year.xs(2021, level="year")["x"].tolist() == [20.0, 20.0, 30.0, 40.0, 40.0]
    # pooled, 9 observed values 1 2 3 5 10 20 30 40 50: q.25 at h = 2 → 3, q.75 at h = 6 → 30
    pooled = Winsorise(lower=0.25, upper=0.75, by="all").treat(X)
    assert pooled["x"].tolist()[:3] == [3.0, 3.0, 3.0] and pooled["x"].tolist()[5:] == [10.0, 20.0, 30.0, 30.0, 30.0]


@pytest.mark.parametrize(("params", "message"), [
    ({"lower": 0.6, "upper": 0.4}, "lower must be less than upper, got lower=0.6 and upper=0.4"),
    ({"lower": -0.1}, "lower must be a quantile between 0 and 1, not -0.1"),
    ({"upper": 1.5}, "upper must be a quantile between 0 and 1, not 1.5"),
    ({"by": "group"}, 'by must be one of "year", "all"'),
])
def test_winsorise_params_are_validated(params, message):
    with pytest.raises(ValueError, match=message):
        Winsorise(**params)


def test_none_changes_nothing():
    X = column(TAIL)
    pd.testing.assert_frame_equal(NoTreatment().treat(X, None), X)


# ------------------------------------------------------------------------------------------- properties


@st.composite
def panels(draw):
    """One or two years of 4–20 units, 1–2 indicators, heavy-tailed values (so that the rule often fails)."""
    n = draw(st.integers(4, 20))
    years = draw(st.sampled_from([[2020], [2020, 2021]]))
    k = draw(st.integers(1, 2))
    body = st.integers(-20, 20).map(float)
    tail = st.sampled_from([500.0, 1000.0, 5000.0, -3000.0])
    value = st.one_of(body, body, body, tail, st.just(NAN))
    frames = [pd.concat([column([draw(value) for _ in range(n)], y, f"c{j}") for j in range(k)], axis=1)
              for y in years]
    return pd.concat(frames)


def _blocks(X: pd.DataFrame, by: str):
    if by == "all":
        return [(c, X[c]) for c in X.columns]
    return [((c, y), rows[c]) for y, rows in X.groupby(level="year") for c in X.columns]


TREATMENTS = [
    Winsorise(), Winsorise(lower=0.2, upper=0.7, by="all"), JRCTreatment(fallback="none"),
    JRCTreatment(fallback="none", by="all", max_winsorised=3), JRCTreatment(), JRCTreatment(max_winsorised=1),
    JRCTreatment(mirror_negative=True, by="all"),
]


@PROPERTY
@given(panels())
def test_treatments_preserve_order_and_missing_values(X):
    before = X.copy()
    for method in TREATMENTS:
        out = method.treat(X, None)
        assert out.index.equals(X.index) and list(out.columns) == list(X.columns)
        assert out.isna().equals(X.isna()), method
        for _, original in _blocks(X, method.by):
            treated = out.loc[original.index, original.name].to_numpy()
            x = original.to_numpy()
            ok = ~np.isnan(x)
            order = np.argsort(x[ok], kind="stable")
            # sorted by the original values, the treated values never decrease (ties allowed)
            assert (np.diff(treated[ok][order]) >= -1e-12).all(), method
    pd.testing.assert_frame_equal(X, before)  # no mutation


@PROPERTY
@given(panels())
def test_winsorisation_stays_within_the_original_range(X):
    for method in TREATMENTS[:4]:  # percentile winsorisation, and jrc without the log fallback
        out = method.treat(X, None)
        for _, original in _blocks(X, method.by):
            treated = out.loc[original.index, original.name]
            assert (treated.dropna() >= original.min()).all() and (treated.dropna() <= original.max()).all()


@PROPERTY
@given(panels())
def test_jrc_leaves_indicators_that_pass_the_rule_unchanged(X):
    for by in ("year", "all"):
        out = JRCTreatment(by=by).treat(X, None)
        for _, original in _blocks(X, by):
            values = original.dropna().tolist()
            if len(values) >= 4 and len(set(values)) > 1 and outlying(values):
                continue
            treated = out.loc[original.index, original.name]
            pd.testing.assert_series_equal(treated, original, check_names=False)


@PROPERTY
@given(panels())
def test_jrc_winsorised_indicators_pass_the_rule_afterwards(X):
    method = JRCTreatment(by="all")
    out = method.treat(X, None)
    for (c, original), row in zip(_blocks(X, "all"), method.details_.itertuples()):
        assert row.indicator == c
        changed = (out[c] != original) & original.notna()
        if row.action == "winsorised":  # stopped because the rule passes, or after max_winsorised values
            assert not outlying(out[c].dropna().tolist())
            assert int(changed.sum()) == row.winsorised >= 1
        elif row.action == "transformed":
            assert outlying(original.dropna().tolist())
        else:
            assert not changed.any()


# ------------------------------------------------------------------------------------------- from a config


DATA = "unit,year,x,y\n" + "".join(
    f"u{i:02d},2021,{x},{y}\n" for i, (x, y) in enumerate(zip(
        TAIL + [""],  # u17 misses x
        [v * 10 for v in range(1, 19)],  # y: 10 … 180, no outliers
    ))
)

CONFIG = """\
[index]
id = "outliers"

[sources.main]
plugin = "table"
params = {{ path = "data.csv" }}

[indicators.x]
direction = 1
{x_extra}

[indicators.y]
direction = -1

[nodes.index]
children = ["x", "y"]

[imputation]
default = "median"

[outliers]
default = {default}
"""


def run_config(write_config, default: str, x_extra: str = ""):
    return zhishu.run(write_config(CONFIG.format(default=default, x_extra=x_extra), data__csv=DATA))


def test_jrc_from_a_config_flags_imputed_and_treated_cells(write_config):
    result = run_config(write_config, '"jrc"')
    table = result.indicators_table().set_index(["unit", "indicator"])
    # x: u17 is missing → median of 1..15, 1000, 2000 = 9 (flag "imputed"); then the 18 values
    # 1..15, 1000, 2000, 9 are outlying; 2000 → 1000 → 15 passes (by the rule, checked here)
    x18 = TAIL + [9]
    assert outlying(x18) and outlying(list(range(1, 16)) + [1000, 1000, 9])
    assert not outlying(list(range(1, 16)) + [15, 15, 9])
    assert table.loc[("u17", "x"), "flag"] == "imputed" and result.data.loc[("u17", 2021), "x"] == 9.0
    assert table.loc[("u15", "x"), "flag"] == "treated" and table.loc[("u16", "x"), "flag"] == "treated"
    assert result.data.loc[("u16", 2021), "x"] == 15.0 and table.loc[("u16", "x"), "raw"] == 2000.0
    assert (table["flag"] == "treated").sum() == 2 and (table["flag"] == "imputed").sum() == 1
    assert (table.xs("y", level="indicator")["flag"] == "").all()  # y passes the rule


def test_winsorise_and_jrc_params_from_a_config(write_config):
    result = run_config(write_config, '{ method = "winsorise", params = { lower = 0.0, upper = 0.9 } }',
                        x_extra='outliers = { method = "jrc", params = { max_winsorised = 1 } }')
    # x chose jrc with max_winsorised = 1: the log fallback of the 18 values, min 1, max 2000:
    # ln(x − 1 + 19.99)
    assert result.data.loc[("u00", 2021), "x"] == pytest.approx(math.log(1 + 18.99))
    assert result.data.loc[("u16", 2021), "x"] == pytest.approx(math.log(2000 + 18.99))
    # y took the default winsorise: 10 … 180, q.9 at h = 17 · 0.9 = 15.3 → 160 + 0.3 · 10 = 163
    assert result.data.loc[("u17", 2021), "y"] == pytest.approx(163.0)
    assert result.data.loc[("u00", 2021), "y"] == 10.0
    flags = result.indicators_table().set_index(["unit", "indicator"])["flag"]
    assert flags[("u16", "y")] == "treated" and flags[("u15", "y")] == "" and flags[("u00", "x")] == "treated"


def test_misspelt_treatment_params_name_their_toml_path(write_config):
    with pytest.raises(ConfigError) as info:
        run_config(write_config, '{ method = "jrc", params = { max_winsorized = 3 } }',
                   x_extra='outliers = { method = "winsorise", params = { upper = "0.9" } }')
    text = str(info.value)
    assert "outliers.default.params.max_winsorized: unknown key: did you mean 'max_winsorised'?" in text
    assert "indicators.x.outliers.params.upper" in text


def test_methods_are_registered_through_the_hooks():
    registries = Hooks().registries  # register_treatments and register_imputers of the built-in plugins
    assert {"none", "winsorise", "jrc"} <= set(registries.treatments.names())
    assert registries.treatments.entry("jrc").plugin == "outliers"
    assert registries.treatments.entry("none").plugin == "outliers"
    assert {"none", "mean", "median", "locf", "nocb", "interpolate"} <= set(registries.imputers.names())
