"""Pre-transforms (hook register_transforms): log, log1p and Box-Cox — hand values, domain errors naming unit,
year and indicator, Box-Cox's λ estimate checked against properties derived by hand and an independent pure-Python
maximisation of the profile log-likelihood, contract checks and end-to-end runs through a TOML config."""

from __future__ import annotations

import functools
import math
from decimal import Decimal, localcontext

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhishu
from zhishu.default_plugins.transforms import BoxCox, Log, Log1p, boxcox_llf, register_transforms

PROPERTY = settings(max_examples=30, deadline=None)
NAN = float("nan")


def frame(columns: dict[str, list[float]], units=None, year: int = 2021) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    units = units or [f"u{i}" for i in range(n)]
    index = pd.MultiIndex.from_arrays([units, [year] * n], names=["unit", "year"])
    return pd.DataFrame(columns, index=index, dtype="float64")


def col(out: pd.DataFrame, name: str) -> list[float | None]:
    return [None if math.isnan(v) else v for v in out[name].tolist()]


def llf_by_hand(xs: list[float], lmbda: float) -> float:
    """Box and Cox (1964) profile log-likelihood, written out in 30-digit decimal arithmetic (plain floats lose
    ~5 digits to cancellation in x^λ − 1 for λ ≈ −4 and x ≈ 400):
    (λ − 1) Σ ln x − n/2 ln σ², σ² the population variance of (x^λ − 1)/λ (ln x for λ = 0)."""
    with localcontext() as ctx:
        ctx.prec = 30
        lam, logs, n = Decimal(lmbda), _decimal_logs(tuple(xs)), len(xs)
        ys = logs if lam == 0 else [((lam * u).exp() - 1) / lam for u in logs]
        mean = sum(ys) / n
        var = sum((y - mean) ** 2 for y in ys) / n
        return float((lam - 1) * sum(logs) - Decimal(n) / 2 * var.ln())


@functools.lru_cache(maxsize=256)
def _decimal_logs(xs: tuple[float, ...]) -> list[Decimal]:
    with localcontext() as ctx:
        ctx.prec = 30
        return [Decimal(x).ln() for x in xs]


def argmax_by_hand(xs: list[float]) -> float:
    """Grid search over [−5, 5] with step 0.05, then steps 1e-3 and 1e-5 around the best point."""
    best = max((i / 20 for i in range(-100, 101)), key=lambda lam: llf_by_hand(xs, lam))
    for step, reach in ((1e-3, 50), (1e-5, 100)):
        near = [best + i * step for i in range(-reach, reach + 1) if -5 <= best + i * step <= 5]
        best = max(near, key=lambda lam: llf_by_hand(xs, lam))
    return best


# ------------------------------------------------------------------------------------------- log, log1p


def test_log_hand_values_and_offset():
    X = frame({"x": [1.0, math.e, math.e ** 2, NAN]})
    assert col(Log().fit(X).transform(X), "x") == pytest.approx([0.0, 1.0, 2.0, None])
    # offset 1: ln(0 + 1) = 0, ln(e − 1 + 1) = 1
    Y = frame({"x": [0.0, math.e - 1]})
    assert col(Log(offset=1).fit(Y).transform(Y), "x") == pytest.approx([0.0, 1.0])


def test_log_values_not_above_zero_are_errors_naming_unit_year_and_indicator():
    X = frame({"x": [3.0, 0.0, -2.0], "z": [1.0, 1.0, 1.0]}, units=["P", "Q", "R"])
    with pytest.raises(zhishu.DataError) as info:
        Log().fit(X).transform(X)
    text = str(info.value)
    assert text.startswith("2 problems in the input data:")
    assert "indicator 'x' = 0 at unit 'Q', year 2021: the log transform needs values > 0; set offset" in text
    assert "indicator 'x' = -2 at unit 'R', year 2021" in text
    with pytest.raises(zhishu.DataError, match=r"'x' = -2 at unit 'R', year 2021: the log transform needs value \+ "
                                               r"offset > 0 \(offset = 2\)"):
        Log(offset=2).fit(X).transform(X)
    assert col(Log(offset=3).fit(X).transform(X), "x") == pytest.approx([math.log(6), math.log(3), 0.0])


def test_log_lists_at_most_ten_cells():
    X = frame({"x": [-1.0] * 13})
    with pytest.raises(zhishu.DataError) as info:
        Log().transform(X)
    assert len(info.value.issues) == 11 and info.value.issues[-1].message == "… and 3 more such values"


def test_log1p_hand_values_and_domain():
    X = frame({"x": [0.0, math.e - 1, -0.5, NAN]})
    assert col(Log1p().fit(X).transform(X), "x") == pytest.approx([0.0, 1.0, math.log(0.5), None])
    with pytest.raises(zhishu.DataError, match=r"indicator 'x' = -1 at unit 'u0', year 2021: the log1p transform "
                                               r"needs values > -1"):
        Log1p().transform(frame({"x": [-1.0]}))


# ------------------------------------------------------------------------------------------- Box-Cox, fixed λ


@pytest.mark.parametrize(("lmbda", "x", "expected"), [
    (0.5, 4.0, 2.0),  # (4^0.5 − 1) / 0.5 = (2 − 1) / 0.5 = 2
    (2.0, 3.0, 4.0),  # (3² − 1) / 2 = 4
    (-1.0, 2.0, 0.5),  # (2^−1 − 1) / −1 = 0.5
    (1.0, 7.0, 6.0),  # x − 1
    (0.0, math.e, 1.0),  # ln e
])
def test_boxcox_fixed_lambda_by_hand(lmbda, x, expected):
    X = frame({"x": [x, NAN]})
    out = col(BoxCox(lmbda=lmbda).fit(X).transform(X), "x")
    assert out[0] == pytest.approx(expected, rel=1e-12) and out[1] is None


def test_boxcox_needs_positive_values_and_a_finite_lambda():
    X = frame({"x": [1.0, 0.0]}, units=["P", "Q"])
    with pytest.raises(zhishu.DataError, match=r"indicator 'x' = 0 at unit 'Q', year 2021: the Box-Cox transform "
                                               r"needs values > 0"):
        BoxCox().fit(X)  # estimating λ
    with pytest.raises(zhishu.DataError, match="the Box-Cox transform needs values > 0"):
        BoxCox(lmbda=1.0).fit(X).transform(X)
    with pytest.raises(ValueError, match="lmbda must be a finite number, not inf"):
        BoxCox(lmbda=math.inf)


# ------------------------------------------------------------------------------------------- Box-Cox, estimated λ


def test_boxcox_lambda_is_zero_when_the_logs_are_symmetric():
    # With u = ln x, d llf / dλ at λ = 0 is Σu − (n/2) cov(u, u²) / var(u). If u is symmetric about its mean ū
    # (third central moment 0), cov(u, u²) = 2ū var(u), so the derivative is nū − nū = 0: λ = 0 (the log) is the
    # maximum. Geometric sequences have equally spaced logs.
    X = frame({"a": [1.0, 2.0, 4.0, 8.0, 16.0], "b": [3.0, 30.0, 300.0, NAN, 0.3],
               "c": [math.exp(v) for v in (-1.3, 0.2, 0.5, 0.8, 2.3)]})  # ln c symmetric about 0.5
    lam = BoxCox().fit(X).lambda_
    assert lam.to_dict() == pytest.approx({"a": 0.0, "b": 0.0, "c": 0.0}, abs=1e-6)
    out = BoxCox().fit(X).transform(X)
    pd.testing.assert_frame_equal(out, np.log(X), atol=1e-5)  # (x^λ − 1)/λ → ln x


@pytest.mark.parametrize("xs", [
    [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0],
    [10.0, 11.0, 12.5, 13.0, 40.0],
    [0.2, 5.0, 5.5, 6.0, 6.1, 6.2],
    [100.0, 120.0, 125.0, 128.0, 130.0, 131.0],
    [390.0, 418.0, 592.0],  # λ ≈ −4: found by hypothesis when the reference used plain floats
])
def test_boxcox_lambda_matches_an_independent_maximisation(xs):
    expected = argmax_by_hand(xs)
    got = BoxCox().fit(frame({"x": xs})).lambda_["x"]
    assert got == pytest.approx(expected, abs=1e-5)
    assert llf_by_hand(xs, got) >= llf_by_hand(xs, expected) - 1e-12


def test_boxcox_lambda_stays_within_minus_5_and_5():
    # strongly left-skewed: the likelihood still rises at λ = 5, where the search stops
    xs = [50.0, 99.9, 99.95, 100.0]
    assert llf_by_hand(xs, 5.0) > llf_by_hand(xs, 4.99) > llf_by_hand(xs, 4.9)
    assert BoxCox().fit(frame({"x": xs})).lambda_["x"] == 5.0
    assert BoxCox().fit(frame({"x": [134.0, 210.0, 206.0, 211.0, 212.0]})).lambda_["x"] == 5.0  # found by hypothesis


def test_boxcox_constant_and_missing_columns():
    X = frame({"c": [2.0, 2.0, NAN], "m": [NAN, NAN, NAN], "x": [1.0, 2.0, 4.0]})
    b = BoxCox().fit(X)
    assert b.lambda_["c"] == 1.0 and math.isnan(b.lambda_["m"])  # no shape to estimate: λ = 1 (x − 1)
    out = b.transform(X)
    assert col(out, "c") == [1.0, 1.0, None] and col(out, "m") == [None, None, None]
    assert b.transform(X.assign(z=1.0))["z"].isna().all()  # a column that was not fitted has no λ


def test_boxcox_fitted_on_one_year_applied_to_another():
    fit = frame({"x": [1.0, 2.0, 4.0, 8.0]}, year=2021)  # λ = 0
    other = frame({"x": [math.e, 1.0]}, year=2022)
    out = BoxCox().fit(fit).transform(other)
    assert col(out, "x") == pytest.approx([1.0, 0.0], abs=1e-6) and out.index.equals(other.index)


def test_boxcox_llf_is_stable_for_extreme_values():
    # x^5 overflows for x = 1e300; the log-space variance does not
    logx = np.log(np.array([[1e-300], [1.0], [1e300]]))
    assert np.isfinite(boxcox_llf(logx, np.array([5.0]))).all()
    assert np.isfinite(boxcox_llf(logx, np.array([-5.0]))).all()
    assert boxcox_llf(logx, np.array([1e-12])) == pytest.approx(boxcox_llf(logx, np.array([0.0])), rel=1e-9)


@st.composite
def positive_samples(draw):
    n = draw(st.integers(3, 9))
    xs = draw(st.lists(st.floats(0.1, 1000), min_size=n, max_size=n))
    return xs


@PROPERTY
@given(positive_samples())
def test_boxcox_lambda_maximises_the_likelihood(xs):
    if max(xs) - min(xs) < 1e-3 * max(xs):
        return  # near-constant: the likelihood is flat to rounding
    got = BoxCox().fit(frame({"x": xs})).lambda_["x"]
    assert -5 <= got <= 5
    at = llf_by_hand(xs, got)  # no better value nearby, nor anywhere on a coarse grid
    assert at >= max(llf_by_hand(xs, lam) for lam in (got - 1e-3, got + 1e-3) if -5 <= lam <= 5) - 1e-10
    assert at >= max(llf_by_hand(xs, i / 4) for i in range(-20, 21)) - 1e-10


@PROPERTY
@given(positive_samples(), st.floats(0.01, 100))
def test_boxcox_lambda_does_not_depend_on_the_unit_of_measurement(xs, c):
    # llf(λ; c·x) = llf(λ; x) + n(λ − 1) ln c − (n/2) · 2λ ln c = llf(λ; x) − n ln c: the same maximiser
    if max(xs) - min(xs) < 1e-3 * max(xs):
        return
    a = BoxCox().fit(frame({"x": xs})).lambda_["x"]
    b = BoxCox().fit(frame({"x": [c * x for x in xs]})).lambda_["x"]
    assert b == pytest.approx(a, abs=1e-4)


# ------------------------------------------------------------------------------------------- contracts


@pytest.mark.parametrize("make", [Log, Log1p, BoxCox, lambda: BoxCox(lmbda=0.5), lambda: Log(offset=1)])
def test_contracts_no_mutation_labels_float_missing_stays_missing(make):
    X = frame({"b": [2.0, NAN, 6.0, 3.0], "a": [1.0, 5.0, 3.0, 9.0]}, units=["北京", "上海", "广东", "江苏"])
    before = X.copy()
    t = make()
    assert t.fit(X, None) is t
    out = t.transform(X)
    pd.testing.assert_frame_equal(X, before)
    assert out.index.equals(X.index) and list(out.columns) == ["b", "a"]
    assert (out.dtypes == "float64").all() and out.isna().equals(X.isna())
    flipped = make().fit(X).transform(X.iloc[::-1])
    pd.testing.assert_frame_equal(flipped.reindex(X.index), out)  # by label, not by position


def test_register_transforms_names():
    found = {}
    register_transforms(register=lambda name, cls: found.setdefault(name, cls))
    assert found == {"log": Log, "log1p": Log1p, "boxcox": BoxCox}
    registry = zhishu.Hooks().registries["transforms"]
    assert {"log", "log1p", "boxcox"} <= set(registry.names())
    assert registry.entry("boxcox").plugin == "transforms"


# ------------------------------------------------------------------------------------------- end to end

DATA = """
unit,year,x,y
P,2021,10,5
Q,2021,20,15
R,2021,40,10
P,2022,20,5
Q,2022,40,10
R,2022,30,20
"""

CONFIG = """
[index]
id = "tr"

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

[normalisation]
{norm}
"""


def run(write_config, x_extra="", norm="", data=DATA):
    return zhishu.run(write_config(CONFIG.format(x_extra=x_extra, norm=norm), data__csv=data))


def values(result, item: str, year: int) -> dict:
    return {u: pytest.approx(v) for u, v in result.normalised.xs(year, level="year")[item].items()}


def test_e2e_log_per_indicator_then_minmax(write_config):
    # x 2021: ln 10, ln 20, ln 40 → min-max: (ln 20 − ln 10) / (ln 40 − ln 10) = ln 2 / ln 4 = 1/2 → 0, 50, 100
    r = run(write_config, x_extra='transform = "log"')
    assert values(r, "x", 2021) == {"P": 0.0, "Q": 50.0, "R": 100.0}
    assert values(r, "y", 2021) == {"P": 100.0, "Q": 0.0, "R": 50.0}  # y untransformed
    assert r.plan.indicators["x"].transform.name == "log" and r.plan.indicators["y"].transform is None


def test_e2e_default_log_applies_before_orientation(write_config):
    # y (lower better) 2021: ln 5, ln 15, ln 10, oriented −ln y → min-max: R = (ln 15 − ln 10) / (ln 15 − ln 5)
    r = run(write_config, norm='transform = "log"')
    assert values(r, "y", 2021) == {"P": 100.0, "Q": 0.0, "R": 100 * math.log(1.5) / math.log(3)}


def test_e2e_log1p_default(write_config):
    # x 2021: ln 11, ln 21, ln 41 → Q = (ln 21 − ln 11) / (ln 41 − ln 11)
    r = run(write_config, norm='transform = "log1p"')
    q = 100 * (math.log(21) - math.log(11)) / (math.log(41) - math.log(11))
    assert values(r, "x", 2021) == {"P": 0.0, "Q": q, "R": 100.0}


def test_e2e_boxcox_fixed_and_estimated(write_config):
    # λ = 0.5: 2(√x − 1) → min-max Q = (√20 − √10) / (√40 − √10) = (√2 − 1) / (2 − 1)
    r = run(write_config, x_extra='transform = { method = "boxcox", params = { lmbda = 0.5 } }')
    assert values(r, "x", 2021) == {"P": 0.0, "Q": 100 * (math.sqrt(2) - 1), "R": 100.0}
    # estimated per year: 2021's x = 10, 20, 40 is geometric, so λ = 0 (the log): 0, 50, 100 as with log
    r = run(write_config, x_extra='transform = "boxcox"')
    got = r.normalised.xs(2021, level="year")["x"].to_dict()
    assert got == pytest.approx({"P": 0.0, "Q": 50.0, "R": 100.0}, abs=1e-4)


def test_e2e_transform_with_reference_year(write_config):
    # log fitted with min-max on 2021 (ln 10 … ln 40) and applied to 2022: x 20 → 50, 40 → 100, 30 → log2(3) · 50
    r = run(write_config, x_extra='transform = "log"', norm="reference_year = 2021")
    assert values(r, "x", 2022) == {"P": 50.0, "Q": 100.0, "R": 100 * math.log(3) / math.log(4)}


def test_e2e_domain_error_names_unit_year_and_indicator(write_config):
    with pytest.raises(zhishu.DataError, match=r"indicator 'x' = 0 at unit 'R', year 2022: the log transform needs "
                                               r"values > 0"):
        run(write_config, x_extra='transform = "log"', data=DATA.replace("R,2022,30,20", "R,2022,0,20"))


@pytest.mark.parametrize(("x_extra", "path", "message"), [
    ('transform = { method = "log", params = { ofset = 1 } }', "indicators.x.transform.params.ofset",
     "unknown key: did you mean 'offset'?"),
    ('transform = { method = "boxcox", params = { lambda = 1 } }', "indicators.x.transform.params.lambda",
     "unknown key"),
    ('transform = { method = "boxcox", params = { lmbda = "0" } }', "indicators.x.transform.params.lmbda",
     "expected a number, got a string"),
    ('transform = { method = "log1p", params = { offset = 1 } }', "indicators.x.transform.params.offset",
     "unknown key"),
    ('transform = "logg"', "indicators.x.transform", "did you mean 'log'"),
])
def test_e2e_params_are_structured_strictly(write_config, x_extra, path, message):
    with pytest.raises(zhishu.ConfigError) as info:
        run(write_config, x_extra=x_extra)
    line = next(line for line in str(info.value).splitlines() if f": {path}:" in line)
    assert message in line
