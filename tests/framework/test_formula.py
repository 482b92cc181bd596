"""zhishu.formula: parsing (precedence, names, errors, safety) and vectorised evaluation over (unit, year)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhishu.formula import FUNCTIONS, Formula, FormulaError, parse

#: property tests: no deadline (timings vary on a busy machine), few enough examples to stay quick
PROPERTY = settings(max_examples=50, deadline=None)

NAN = float("nan")


def frame(rows: dict[tuple[str, int], dict[str, float]]) -> pd.DataFrame:
    """A float frame indexed by (unit, year) from {(unit, year): {column: value}}."""
    index = pd.MultiIndex.from_tuples(list(rows), names=["unit", "year"])
    return pd.DataFrame(list(rows.values()), index=index, dtype="float64")


def one_row(**values: float) -> pd.DataFrame:
    return frame({("u", 2020): values})


def value(text: str, params=None, **values: float) -> float:
    """The formula evaluated on a single row (constants only when no values are given)."""
    data = one_row(**values) if values else one_row(_=0.0)
    out = parse(text).evaluate(data, params or {})
    assert out.dtype == "float64"
    assert out.index.equals(data.index)
    return float(out.iloc[0])


# ------------------------------------------------------------------------------------------ precedence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2^3^2", 512.0),  # right-associative: 2^(3^2), not (2^3)^2 = 64
        ("2**3**2", 512.0),  # ** is the same operator
        ("(2^3)^2", 64.0),
        ("-2^2", -4.0),  # ^ binds tighter than unary minus
        ("(-2)^2", 4.0),
        ("2^-1", 0.5),  # a unary minus is allowed in an exponent
        ("2^-1*4", 2.0),  # (2^-1) * 4, the exponent does not swallow the product
        ("10 - 3 - 2", 5.0),  # left-associative
        ("100 / 10 / 5", 2.0),
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("2 * 3 ^ 2", 18.0),
        ("--3", 3.0),
        ("+-+3", -3.0),
        ("1.5e2 + .5", 150.5),
        ("7.", 7.0),
        ("  1\t+\n2 ", 3.0),
    ],
)
def test_precedence_and_associativity(text, expected):
    assert value(text) == expected


def test_a_minus_b_minus_c_is_left_associative():
    assert value("a - b - c", a=10.0, b=3.0, c=2.0) == 5.0  # (10 - 3) - 2; right-assoc would give 9


@PROPERTY
@given(
    a=st.floats(-1e3, 1e3),
    b=st.floats(-1e3, 1e3),
    c=st.floats(-1e3, 1e3),
)
def test_precedence_property(a, b, c):
    data = one_row(a=a, b=b, c=c)
    got = parse("a + b * c - a / 4").evaluate(data).iloc[0]
    assert got == pytest.approx(a + b * c - a / 4, rel=1e-12, abs=1e-9)
    got = parse("a - b - c").evaluate(data).iloc[0]
    assert got == pytest.approx((a - b) - c, rel=1e-12, abs=1e-9)


# ------------------------------------------------------------------------------------------------ names


def test_backtick_name_with_spaces_parentheses_and_chinese():
    f = parse("`移动互联网接入流量 (万GB)` / 12")
    assert f.names == frozenset({"移动互联网接入流量 (万GB)"})
    data = frame({("北京", 2020): {"移动互联网接入流量 (万GB)": 60.0}, ("上海", 2020): {"移动互联网接入流量 (万GB)": 6.0}})
    assert f.evaluate(data).tolist() == [5.0, 0.5]


def test_unicode_bare_names():
    f = parse("算力规模 * 2 + 机架数_2")
    assert f.names == frozenset({"算力规模", "机架数_2"})
    assert value("算力规模 * 2 + 机架数_2", 算力规模=3.0, 机架数_2=1.0) == 7.0


def test_names_and_variables():
    f = parse("a * k + log(b) - max(c, `d e`) + k")
    assert f.names == frozenset({"a", "b", "c", "d e", "k"})  # function names are not names
    assert f.variables() == f.names
    assert f.variables({"k": 2.0}) == frozenset({"a", "b", "c", "d e"})
    assert parse("1 + 2").names == frozenset()


def test_constants_from_params_override_variables():
    data = one_row(x=10.0, k=1000.0)
    assert parse("x * k").evaluate(data, {"k": 3}).iloc[0] == 30.0
    assert parse("x * k").evaluate(data).iloc[0] == 10_000.0
    # a constant needs no column at all
    assert parse("x / scale").evaluate(one_row(x=10.0), {"scale": 4.0}).iloc[0] == 2.5


def test_unknown_name_at_evaluation():
    with pytest.raises(FormulaError) as info:
        parse("x + y").evaluate(one_row(x=1.0))
    assert str(info.value) == "unknown name 'y': it is neither a source variable nor a constant"


def test_a_constant_formula_is_broadcast_to_every_row():
    data = frame({("a", 2020): {"x": 1.0}, ("b", 2020): {"x": 2.0}})
    out = parse("2 * 3").evaluate(data)
    assert out.tolist() == [6.0, 6.0] and out.index.equals(data.index) and out.dtype == "float64"


def test_evaluate_does_not_mutate_data():
    data = frame({("a", 2020): {"x": 0.0}, ("a", 2021): {"x": 2.0}})
    before = data.copy()
    parse("log(x) + rollsum(x, 2) + lag(x, 1)").evaluate(data)
    pd.testing.assert_frame_equal(data, before)


# -------------------------------------------------------------------------------------------- functions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abs(-3)", 3.0),
        ("log(e_)", 1.0),
        ("log10(1000)", 3.0),
        ("log1p(0)", 0.0),
        ("exp(0)", 1.0),
        ("sqrt(16)", 4.0),
        ("min(3, 1, 2)", 1.0),
        ("max(3, 1, 2)", 3.0),
        ("min(4)", 4.0),
    ],
)
def test_element_wise_functions(text, expected):
    assert value(text, {"e_": math.e}) == pytest.approx(expected, rel=1e-15)


def test_min_max_are_element_wise_and_ignore_missing():
    data = frame(
        {
            ("a", 2020): {"x": 1.0, "y": 5.0},
            ("b", 2020): {"x": 7.0, "y": NAN},
            ("c", 2020): {"x": NAN, "y": NAN},
            ("d", 2020): {"x": -2.0, "y": -3.0},
        }
    )
    assert parse("min(x, y)").evaluate(data).tolist()[:2] == [1.0, 7.0]
    assert parse("max(x, y)").evaluate(data).tolist()[:2] == [5.0, 7.0]
    assert math.isnan(parse("min(x, y)").evaluate(data).iloc[2])  # all missing → missing
    assert math.isnan(parse("max(x, y)").evaluate(data).iloc[2])
    assert parse("min(x, y)").evaluate(data).iloc[3] == -3.0
    assert parse("max(x, y, 0)").evaluate(data).tolist() == [5.0, 7.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "text",
    ["x / 0", "0 / 0", "log(0)", "log(-1)", "log10(0)", "log1p(-1)", "sqrt(-1)", "(-8)^(1/3)", "exp(1000)",
     "10^400", "-(10^400)", "x / (x - 1)"],
)
def test_undefined_results_are_missing_never_infinite(text):
    assert math.isnan(value(text, x=1.0))


def test_division_by_zero_in_a_column():
    data = frame({("a", 2020): {"x": 1.0, "y": 0.0}, ("b", 2020): {"x": 3.0, "y": 2.0}, ("c", 2020): {"x": -1.0, "y": 0.0}})
    out = parse("x / y").evaluate(data)
    assert math.isnan(out.iloc[0]) and out.iloc[1] == 1.5 and math.isnan(out.iloc[2])


@PROPERTY
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=False, width=64), min_size=1, max_size=6),
    st.sampled_from(["x / y", "log(x)", "exp(x)", "x ^ y", "sqrt(x) / log(y)", "log10(x * y)", "x * y * 1e300"]),
)
def test_never_infinite(xs, text):
    data = pd.DataFrame(
        {"x": xs, "y": list(reversed(xs))},
        index=pd.MultiIndex.from_arrays([[f"u{i}" for i in range(len(xs))], [2020] * len(xs)], names=["unit", "year"]),
    )
    out = parse(text).evaluate(data)
    assert not np.isinf(out.to_numpy()).any()


# ------------------------------------------------------------------------------------------- lag/rollsum

# Unit a has no row for 2020, unit c has a row for 2021 with a missing value; rows are deliberately unsorted.
PANEL = frame(
    {
        ("a", 2022): {"x": 8.0},
        ("b", 2019): {"x": 100.0},
        ("a", 2018): {"x": 1.0},
        ("a", 2023): {"x": 16.0},
        ("c", 2021): {"x": NAN},
        ("a", 2019): {"x": 2.0},
        ("b", 2021): {"x": 400.0},
        ("a", 2021): {"x": 4.0},
        ("c", 2020): {"x": 1.0},
        ("b", 2020): {"x": 200.0},
        ("c", 2022): {"x": 3.0},
        ("c", 2023): {"x": 5.0},
    }
)


def by_label(series: pd.Series) -> dict[tuple[str, int], float | None]:
    return {k: (None if math.isnan(v) else v) for k, v in series.items()}


def test_lag_one_year():
    out = parse("lag(x, 1)").evaluate(PANEL)
    assert out.index.equals(PANEL.index)
    assert by_label(out) == {
        ("a", 2018): None,
        ("a", 2019): 1.0,
        ("a", 2021): None,  # 2020 is absent
        ("a", 2022): 4.0,
        ("a", 2023): 8.0,
        ("b", 2019): None,  # never a's 2018
        ("b", 2020): 100.0,
        ("b", 2021): 200.0,
        ("c", 2020): None,
        ("c", 2021): 1.0,
        ("c", 2022): None,  # 2021 is present but missing
        ("c", 2023): 3.0,
    }


def test_lag_two_years_counts_calendar_years_not_rows():
    out = by_label(parse("lag(x, 2)").evaluate(PANEL))
    assert out[("a", 2021)] == 2.0  # 2019, although it is the previous row
    assert out[("a", 2022)] is None  # 2020 is absent (the row two places back is 2019)
    assert out[("a", 2023)] == 4.0
    assert out[("b", 2021)] == 100.0
    assert out[("c", 2023)] is None


def test_rollsum_three_years():
    out = parse("rollsum(x, 3)").evaluate(PANEL)
    assert out.index.equals(PANEL.index)
    expected = {k: None for k in PANEL.index}
    expected[("a", 2023)] = 4.0 + 8.0 + 16.0
    expected[("b", 2021)] = 100.0 + 200.0 + 400.0
    # a 2021 and a 2022 need the absent 2020; c 2022 and c 2023 include the missing 2021
    assert by_label(out) == expected


def test_rollsum_two_years():
    out = by_label(parse("rollsum(x, 2)").evaluate(PANEL))
    assert out[("a", 2019)] == 3.0
    assert out[("a", 2021)] is None
    assert out[("a", 2022)] == 12.0
    assert out[("b", 2020)] == 300.0
    assert out[("c", 2023)] == 8.0
    assert out[("c", 2022)] is None


def test_rollsum_of_an_expression_and_growth_rate():
    out = by_label(parse("x / lag(x, 1) - 1").evaluate(PANEL))
    assert out[("b", 2021)] == 1.0 and out[("a", 2022)] == 1.0 and out[("a", 2021)] is None
    out = by_label(parse("rollsum(x / 100, 2)").evaluate(PANEL))
    assert out[("b", 2021)] == pytest.approx(6.0)


@PROPERTY
@given(
    st.lists(st.floats(-1e6, 1e6), min_size=4, max_size=4),
    st.lists(st.floats(-1e6, 1e6), min_size=4, max_size=4),
    st.integers(1, 4),
    st.permutations(range(8)),
)
def test_lag_and_rollsum_match_pandas_on_a_complete_panel(xa, xb, k, order):
    """On a panel without gaps, lag and rollsum agree with groupby shift / rolling sum, whatever the row order."""
    index = pd.MultiIndex.from_product([["a", "b"], range(2018, 2022)], names=["unit", "year"])
    data = pd.DataFrame({"x": xa + xb}, index=index)
    expected_lag = data["x"].groupby(level="unit").shift(k)
    expected_sum = data["x"].groupby(level="unit").rolling(k).sum().droplevel(0)
    shuffled = data.iloc[list(order)]
    lag = parse(f"lag(x, {k})").evaluate(shuffled).reindex(index)
    total = parse(f"rollsum(x, {k})").evaluate(shuffled).reindex(index)
    pd.testing.assert_series_equal(lag, expected_lag, check_names=False)
    pd.testing.assert_series_equal(total, expected_sum.reindex(index), check_names=False, rtol=1e-9, atol=1e-6)


def test_rollsum_of_one_year_is_the_value():
    out = parse("rollsum(x, 1)").evaluate(PANEL)
    np.testing.assert_array_equal(out.to_numpy(), PANEL["x"].to_numpy())


@PROPERTY
@given(st.permutations(range(len(PANEL))))
def test_evaluation_is_row_permutation_invariant(order):
    text = "rollsum(x, 2) + lag(x, 1) * 2 - max(x, 3)"
    expected = parse(text).evaluate(PANEL)
    shuffled = PANEL.iloc[list(order)]
    got = parse(text).evaluate(shuffled)
    assert got.index.equals(shuffled.index)
    pd.testing.assert_series_equal(got.reindex(PANEL.index), expected, check_names=False)


# ------------------------------------------------------------------------------------------- parse errors


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a $ b", "unexpected character '$' at column 3 in formula 'a $ b'"),
        ("`电力 (亿千瓦时)` ＋ 1", "unexpected character '＋' at column 13 in formula '`电力 (亿千瓦时)` ＋ 1'"),
        ("`unterminated", "unexpected character '`' at column 1 in formula '`unterminated'"),
        ("(a + b", "expected ')', found end of formula at column 7 in formula '(a + b'"),
        ("a + b)", "expected an operator, found ')' at column 6 in formula 'a + b)'"),
        ("((a)", "expected ')', found end of formula at column 5 in formula '((a)'"),
        ("max(a, b", "expected ',' or ')', found end of formula at column 9 in formula 'max(a, b'"),
        ("a +", "expected a number, a name or '(', found end of formula at column 4 in formula 'a +'"),
        ("a * / b", "expected a number, a name or '(', found '/' at column 5 in formula 'a * / b'"),
        ("()", "expected a number, a name or '(', found ')' at column 2 in formula '()'"),
        ("a b", "expected an operator, found 'b' at column 3 in formula 'a b'"),
        ("3x", "expected an operator, found 'x' at column 2 in formula '3x'"),
        (
            "1 + foo(x)",
            "unknown function 'foo' at column 5 in formula '1 + foo(x)'; "
            "available: abs, exp, lag, log, log10, log1p, max, min, rollsum, sqrt",
        ),
        ("log(x, y)", "log() takes one argument, got 2, at column 1 in formula 'log(x, y)'"),
        ("2 * sqrt(x, 1, 2)", "sqrt() takes one argument, got 3, at column 5 in formula '2 * sqrt(x, 1, 2)'"),
        ("lag(x)", "lag(x, k) takes two arguments, got 1, at column 1 in formula 'lag(x)'"),
        ("rollsum(x, 2, 3)", "rollsum(x, k) takes two arguments, got 3, at column 1 in formula 'rollsum(x, 2, 3)'"),
        (
            "lag(x, k)",
            "lag(x, k) needs a whole number 1 <= k <= 100 written as a literal, found 'k' at column 8 in formula 'lag(x, k)'",
        ),
        (
            "lag(x, 1.5)",
            "lag(x, k) needs a whole number 1 <= k <= 100 written as a literal, found '1.5' at column 8 "
            "in formula 'lag(x, 1.5)'",
        ),
        (
            "rollsum(x, 0)",
            "rollsum(x, k) needs a whole number 1 <= k <= 100 written as a literal, found '0' at column 12 "
            "in formula 'rollsum(x, 0)'",
        ),
        (
            "rollsum(x,  1 + 1 )",
            "rollsum(x, k) needs a whole number 1 <= k <= 100 written as a literal, found '1 + 1' at column 13 "
            "in formula 'rollsum(x,  1 + 1 )'",
        ),
        (
            "lag(x, 1e300)",
            "lag(x, k) needs a whole number 1 <= k <= 100 written as a literal, found '1e300' at column 8 "
            "in formula 'lag(x, 1e300)'",
        ),
        (
            "lag(x, -1)",
            "lag(x, k) needs a whole number 1 <= k <= 100 written as a literal, found '-1' at column 8 "
            "in formula 'lag(x, -1)'",
        ),
        ("``", "empty `` name at column 1 in formula '``'"),
        ("a + `  `", "empty `` name at column 5 in formula 'a + `  `'"),
        ("", "empty formula"),
        ("   ", "empty formula"),
    ],
)
def test_parse_error_messages(text, message):
    with pytest.raises(FormulaError) as info:
        parse(text)
    assert str(info.value) == message


def test_a_formula_must_be_a_string():
    with pytest.raises(FormulaError, match="^a formula must be a string, not int$"):
        parse(3)  # type: ignore[arg-type]


def test_whole_number_k_written_as_a_float_literal_is_accepted():
    assert by_label(parse("lag(x, 1.0)").evaluate(PANEL)) == by_label(parse("lag(x, 1)").evaluate(PANEL))


def test_formula_error_is_a_value_error():
    assert issubclass(FormulaError, ValueError)


# -------------------------------------------------------------------------------------- no code execution


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        "__import__(`os`)",  # backticks make a name, and __import__ is not a function here
        "a.b",
        "x[0]",
        "lambda: 1",
        "lambda x: x",
        "open(`/etc/passwd`)",
        "eval(`1`)",
        "exec(x)",
        "x.__class__",
        "getattr(x, y)",
        "x if y else z",
        "[x for x in y]",
        "x; y",
        "x = 1",
        "x == 1",
        "{x}",
        "f'{x}'",
        "'x'",
        '"x"',
        "x @ y",
        "x % y",
        "x // y",
    ],
)
def test_no_code_execution(text):
    with pytest.raises(FormulaError):
        parse(text)


def test_lambda_and_dunder_are_just_names():
    # They parse as plain variable names, which can only be looked up as columns, never executed.
    assert parse("lambda").names == frozenset({"lambda"})
    assert parse("__import__ + 1").names == frozenset({"__import__"})
    with pytest.raises(FormulaError, match="unknown name '__import__'"):
        parse("__import__ + 1").evaluate(one_row(x=1.0))


def test_functions_constant():
    assert FUNCTIONS == {"abs", "log", "log10", "log1p", "exp", "sqrt", "min", "max", "lag", "rollsum"}


def test_formula_is_frozen():
    f = parse("a + b")
    assert isinstance(f, Formula)
    with pytest.raises(AttributeError):
        f.text = "c"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------- size limits (issue 8.5)


def test_thousand_term_sum_evaluates():
    # 1,000 terms of x: exactly 1000·x (a left-deep tree 1,000 deep, evaluated without recursion)
    f = parse(" + ".join(["x"] * 1000))
    assert f.evaluate(one_row(x=0.5)).tolist() == [500.0]


def test_formula_length_is_limited():
    text = "+".join(["x"] * 5001)  # 10,001 characters
    with pytest.raises(FormulaError) as info:
        parse(text)
    assert str(info.value) == ("the formula is 10,001 characters long, more than the maximum 10,000: "
                               "'" + text[:60] + "…' (10001 characters)")
    assert parse("+".join(["x"] * 5000)).names == frozenset({"x"})


def test_long_sum_keeps_left_to_right_order():
    # (1e16 + 1) + 1 … in floating point differs from 1e16 + (1 + 1 …): the order written is kept
    f = parse("x" + " + 1" * 1000)
    expected = 1e16
    for _ in range(1000):
        expected = expected + 1.0
    assert f.evaluate(one_row(x=1e16)).tolist() == [expected]


@pytest.mark.parametrize(
    "text, column",
    [
        ("(" * 300 + "x" + ")" * 300, 51),  # each parenthesis is two levels (its sum and its sign)
        ("x" + "^x" * 4_000, 199),
        ("-" * 5000 + "x", 100),
    ],
)
def test_deep_nesting_is_a_formula_error(text, column):
    with pytest.raises(FormulaError) as info:
        parse(text)
    message = str(info.value)
    assert message.startswith(f"the formula nests more than 100 levels deep at column {column} ")
    assert message.endswith("; simplify it")
    assert len(message) < 400  # the formula is quoted, not echoed whole


def test_nesting_within_the_limit_parses():
    assert parse("(" * 49 + "x" + ")" * 49).evaluate(one_row(x=3.0)).tolist() == [3.0]
    assert parse("-" * 98 + "x").evaluate(one_row(x=3.0)).tolist() == [3.0]  # an even number of signs


def test_deep_formula_in_config_names_the_key(write_config):
    from zhishu import ConfigError
    from zhishu.config import load_config

    text = ('[index]\nid = "t"\n[sources.main]\nplugin = "table"\nparams = { path = "data.csv" }\n'
            f'[indicators.a]\ndirection = 1\nformula = "{"(" * 300}x{")" * 300}"\n[nodes.index]\nchildren = ["a"]\n')
    path = write_config(text, data__csv="unit,year,x\nP,2021,1\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (issue,) = info.value.issues
    assert issue.path == "indicators.a.formula"
    assert issue.message.startswith("the formula nests more than 100 levels deep at column 51")
