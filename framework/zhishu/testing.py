"""Conformance checks for zhishu components, in the spirit of scikit-learn's ``check_estimator``.

A plugin author proves that a normaliser, weighting or aggregator keeps zhishu's contracts with one call::

    from zhishu.testing import check_normaliser

    def test_ratio_to_max_keeps_the_contracts():
        check_normaliser(RatioToMax)                          # a class ...
        check_normaliser(lambda: RatioToMax(scale=1.0))       # ... or a zero-argument factory

Every check builds fresh instances from ``factory``, runs them on a small deterministic (unit, year) frame
(:func:`sample_frame`, or your own ``X``) and raises :class:`AssertionError` whose message names the component
and the contract it breaks. The contracts (see ``docs/style.md``, "Components"):

- **no mutation**: inputs (``X``, ``specs``, ``weights``) are equal before and after, down to the index,
  columns and dtypes;
- **labels preserved**: ``transform`` returns ``X``'s index and columns in the same order, ``weights`` is
  indexed by ``X``'s columns, ``aggregate`` by ``X``'s index; results line up by label, not by position;
- **deterministic**: two fresh instances give identical output;
- **missing stays missing**: a NaN cell normalises to NaN without changing whether other cells are finite;
  an all-NaN row aggregates to NaN; weights stay finite when values are missing;
- **float64 out**;
- **declared capabilities keep theirs** (:data:`zhishu.CAPABILITIES`): an aggregator with ``aggregate_array``
  gives ``aggregate``'s scores for one and for several weight vectors; ``by_year`` is a bool; a weighting's
  ``report(children)`` is a dict and ``check(children)`` a list of strings; a treatment's ``details_`` is a
  DataFrame.

The module is also a pytest plugin. Enable its fixtures (``zhishu_sample_frame``, ``zhishu_sample_weights``)
in your plugin's top-level ``conftest.py``::

    pytest_plugins = ["zhishu.testing"]
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

import numpy as np
import pandas as pd

from .errors import ZhishuError
from .components import INDEX_NAMES, AggregatesArrays, ByYear, ChecksChildren, HasDetails, IndicatorSpec, Reports
from .registry import Lazy

__all__ = [
    "CHECKS",
    "SAMPLE_COLUMNS",
    "check_aggregator",
    "check_normaliser",
    "check_plugin",
    "check_registered",
    "check_registries",
    "check_treatment",
    "check_weighting",
    "sample_frame",
    "sample_weights",
]

#: The indicator columns of :func:`sample_frame` (give a ``fixed`` weighting values for these).
SAMPLE_COLUMNS: tuple[str, ...] = ("x1", "x2", "x3")

_UNITS = ("Anhui", "Beijing", "Chongqing", "Fujian", "Gansu", "Hainan")
_YEARS = (2021, 2022)
_VALUES = (  # positive, distinct, every column varies within each year
    (12.0, 3.5, 140.0),
    (13.5, 3.9, 151.0),
    (25.0, 1.2, 98.0),
    (26.5, 1.6, 103.5),
    (7.25, 6.8, 210.0),
    (8.0, np.nan, 220.0),  # Chongqing 2022 has no x2
    (18.0, 2.4, 75.0),
    (19.5, 2.2, 80.5),
    (31.0, 0.9, 160.0),
    (30.0, 1.1, 171.0),
    (4.5, 5.0, 120.0),
    (5.5, 5.6, 118.0),
)


def sample_frame() -> pd.DataFrame:
    """A fresh 12 × 3 frame of positive floats: 6 units × 2 years, indexed by a MultiIndex named
    ``("unit", "year")``, columns :data:`SAMPLE_COLUMNS`, with one missing cell (Chongqing, 2022, ``x2``)."""
    index = pd.MultiIndex.from_product([_UNITS, _YEARS], names=list(INDEX_NAMES))
    return pd.DataFrame(list(_VALUES), index=index, columns=list(SAMPLE_COLUMNS), dtype="float64")


def sample_weights(X: pd.DataFrame | None = None) -> pd.Series:
    """Unequal weights over the columns of ``X`` (default :func:`sample_frame`), summing to 1:
    proportional to ``n, n-1, …, 1`` (for three columns 0.5, 1/3, 1/6)."""
    columns = (sample_frame() if X is None else X).columns
    raw = np.arange(len(columns), 0, -1, dtype="float64")
    return pd.Series(raw / raw.sum(), index=columns, dtype="float64")


# --------------------------------------------------------------------------------------------- helpers


class _Subject:
    """The component under test: how to build it and how to name it in messages."""

    def __init__(self, kind: str, factory: Callable[[], Any], name: str | None, methods: tuple[str, ...]):
        if not callable(factory):
            raise TypeError(f"factory must be a class or a zero-argument callable, not {factory!r}")
        self.kind = kind
        self.factory = factory
        self.name = name
        self.methods = methods
        self.label = f"{kind} {name!r}" if name else kind
        self.label = self._label(self.make())  # fails early, with a clear message, if the factory is unusable

    def _label(self, obj: Any) -> str:
        cls = type(obj)
        where = f"{cls.__module__}.{cls.__qualname__}"
        return f"{self.kind} {self.name!r} ({where})" if self.name else f"{self.kind} {where}"

    def make(self) -> Any:
        try:
            obj = self.factory()
        except (TypeError, ValueError) as exc:
            raise AssertionError(
                f"{self.label}: cannot build an instance with factory {self.factory!r}() ({exc}); a component "
                "whose parameters have no defaults needs a factory, e.g. lambda: MyClass(param=...)"
            ) from exc
        missing = [m for m in self.methods if not callable(getattr(obj, m, None))]
        if missing:
            raise AssertionError(
                f"{self.label}: the factory returned {obj!r}, which has no method "
                f"{', '.join(m + '()' for m in missing)}; a {self.kind} must implement "
                f"{', '.join(m + '()' for m in self.methods)}"
            )
        return obj

    def fresh_pair(self) -> tuple[Any, Any]:
        a, b = self.make(), self.make()
        if a is b:
            self.fail("fresh instances", "the factory returned the same object twice; it must build a new one")
        return a, b

    def fail(self, contract: str, detail: str) -> None:
        raise AssertionError(f"{self.label} breaks the contract '{contract}': {detail}")


def _py(value: Any) -> Any:
    """``value`` with numpy scalars (also inside a tuple label) as plain Python, for readable messages."""
    if isinstance(value, tuple):
        return tuple(_py(v) for v in value)
    return value.item() if isinstance(value, np.generic) else value


def _diff(check: Callable[[], None], left: str, right: str) -> str | None:
    """The gist of a pandas assertion's message (``[left]``/``[right]`` renamed), or None when equal."""
    try:
        check()
    except AssertionError as exc:
        lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
        if len(lines) > 2 and lines[1].startswith(lines[0].split(" are different")[0]):
            lines = lines[1:]  # pandas repeats the headline with the percentage of values that differ
        text = " ".join(lines[:5])
        return text.replace("[left]:", f"[{left}]:").replace("[right]:", f"[{right}]:")
    return None


def _frame_diff(before: pd.DataFrame, after: Any, names: tuple[str, str] = ("before", "after")) -> str | None:
    if not isinstance(after, pd.DataFrame):
        return f"it is now a {type(after).__name__}"
    return _diff(lambda: pd.testing.assert_frame_equal(before, after, check_exact=True, check_flags=True), *names)


def _series_diff(before: pd.Series, after: Any, names: tuple[str, str] = ("before", "after")) -> str | None:
    if not isinstance(after, pd.Series):
        return f"it is now a {type(after).__name__}"
    return _diff(lambda: pd.testing.assert_series_equal(before, after, check_exact=True, check_flags=True), *names)


def _mapping_diff(before: Mapping, after: Mapping) -> str | None:
    if dict(after) != dict(before):
        return f"it was {dict(before)!r} and is now {dict(after)!r}"
    return None


def _check_frame(X: Any, what: str = "X") -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, not {type(X).__name__}")
    if X.shape[0] < 2 or X.shape[1] < 1:
        raise ValueError(f"{what} needs at least two rows and one column to check a component, got shape {X.shape}")
    if not X.index.is_unique or not X.columns.is_unique:
        raise ValueError(f"{what} needs a unique index and unique columns")
    return X


def _default_specs(X: pd.DataFrame) -> dict[str, IndicatorSpec]:
    return {str(c): IndicatorSpec(id=str(c)) for c in X.columns}


def _same_labels(subject: _Subject, what: str, got: pd.Index, expected: pd.Index) -> None:
    if not got.equals(expected) or list(got.names) != list(expected.names):
        subject.fail(
            "index and columns preserved",
            f"{what} must be {_show_index(expected)} in the same order, got {_show_index(got)}",
        )


def _show_index(index: pd.Index) -> str:
    labels = [_py(label) for label in index[:6]]
    more = f", … ({len(index)} labels)" if len(index) > 6 else ""
    names = [n for n in index.names if n is not None]
    named = f" named {tuple(index.names)!r}" if names else ""
    return f"[{', '.join(map(repr, labels))}{more}]{named}"


def _float64(subject: _Subject, what: str, dtypes: Iterable[tuple[Any, Any]]) -> None:
    bad = {str(name): str(dtype) for name, dtype in dtypes if dtype != np.dtype("float64")}
    if bad:
        subject.fail("float64 out", f"{what} has dtype {bad}; return float64 (numpy), NaN for missing values")


def _isfinite(values: pd.DataFrame | pd.Series) -> np.ndarray:
    return np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan))


def _close(a: pd.DataFrame | pd.Series, b: pd.DataFrame | pd.Series) -> bool:
    x = a.to_numpy(dtype="float64", na_value=np.nan)
    y = b.to_numpy(dtype="float64", na_value=np.nan)
    return x.shape == y.shape and bool(np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True))


def _first_cells(mask: np.ndarray, frame: pd.DataFrame, n: int = 3) -> str:
    rows, cols = np.nonzero(mask)
    cells = [f"({_py(frame.index[r])!r}, {_py(frame.columns[c])!r})" for r, c in zip(rows[:n], cols[:n])]
    more = f" and {len(rows) - n} more" if len(rows) > n else ""
    return ", ".join(cells) + more


def _rows_of_first_year(X: pd.DataFrame) -> pd.DataFrame:
    """The rows a pipeline would fit on: the first year if X has a ``year`` level, else the first half."""
    if isinstance(X.index, pd.MultiIndex) and "year" in X.index.names:
        years = X.index.get_level_values("year")
        part = X[years == years.min()]
        if len(part) >= 2:
            return part
    return X.iloc[: max(2, len(X) // 2)]


def _with_extra_nan(X: pd.DataFrame) -> tuple[pd.DataFrame, tuple[int, int]] | None:
    """A copy of X with one more missing cell (in a column that keeps at least two values), and its position."""
    values = X.to_numpy(dtype="float64", na_value=np.nan)
    for c in range(X.shape[1]):
        present = np.flatnonzero(np.isfinite(values[:, c]))
        if len(present) >= 3:
            r = int(present[0])
            out = X.copy(deep=True)
            out.iloc[r, c] = np.nan
            return out, (r, c)
    return None


# --------------------------------------------------------------------------------------------- normalisers


def check_normaliser(
    factory: Callable[[], Any],
    X: pd.DataFrame | None = None,
    *,
    specs: Mapping[str, Any] | None = None,
    name: str | None = None,
) -> None:
    """Check a normaliser class (or zero-argument factory) against zhishu's contracts.

    The API checked: ``obj.fit(X, specs)`` returns ``obj``; ``obj.transform(X)`` returns a new float64 DataFrame
    with X's index and columns in order, without mutating X or ``specs``; two fresh instances agree exactly; a
    NaN cell stays NaN and does not change which other cells are finite.

    :param X: the data (default :func:`sample_frame`); at least two rows; one column is one indicator.
    :param specs: passed to ``fit`` (default: a plain :class:`zhishu.IndicatorSpec` per column, direction +1).
    :param name: the registered name, for messages.
    :raises AssertionError: naming the component and the broken contract.
    """
    X = _check_frame(sample_frame() if X is None else X)
    specs = _default_specs(X) if specs is None else specs
    subject = _Subject("normaliser", factory, name, ("fit", "transform"))

    def fit_transform(obj: Any, data: pd.DataFrame, fit_on: pd.DataFrame | None = None) -> pd.DataFrame:
        fit_data = data if fit_on is None else fit_on
        fit_copy, specs_copy = fit_data.copy(deep=True), copy.deepcopy(dict(specs))
        fitted = obj.fit(fit_data, specs)
        if fitted is not obj:
            subject.fail("fit returns self", f"fit(X, specs) returned {fitted!r} instead of the instance itself")
        diff = _frame_diff(fit_copy, fit_data)
        if diff:
            subject.fail("does not mutate its input", f"fit(X, specs) changed X: {diff}")
        diff = _mapping_diff(specs_copy, specs)
        if diff:
            subject.fail("does not mutate its input", f"fit(X, specs) changed specs: {diff}")
        data_copy = data.copy(deep=True)
        out = obj.transform(data)
        diff = _frame_diff(data_copy, data)
        if diff:
            subject.fail("does not mutate its input", f"transform(X) changed X: {diff}")
        if not isinstance(out, pd.DataFrame):
            subject.fail("transform returns a DataFrame", f"transform(X) returned a {type(out).__name__}")
        _same_labels(subject, "transform(X).index", out.index, data.index)
        _same_labels(subject, "transform(X).columns", out.columns, data.columns)
        _float64(subject, "transform(X)", out.dtypes.items())
        return out

    a, b = subject.fresh_pair()
    out = fit_transform(a, X.copy(deep=True))

    # deterministic: a second instance, and a second transform by the same instance
    diff = _frame_diff(out, fit_transform(b, X.copy(deep=True)), ("first", "second"))
    if diff:
        subject.fail("deterministic", f"two fresh instances fitted on the same X transform it differently: {diff}")
    diff = _frame_diff(out, a.transform(X.copy(deep=True)), ("first", "second"))
    if diff:
        subject.fail("deterministic", f"transforming the same X twice gives different results: {diff}")

    # labels, not positions: fit on some rows (one year) and transform all, and transform rows in another order
    part = _rows_of_first_year(X)
    fit_transform(subject.make(), X.copy(deep=True), fit_on=part.copy(deep=True))
    reordered = X.iloc[::-1]
    obj = subject.make()
    fit_transform(obj, X.copy(deep=True))
    flipped = obj.transform(reordered.copy(deep=True))
    _same_labels(subject, "transform(X in another row order).index", flipped.index, reordered.index)
    if not _close(flipped.reindex(X.index), out):
        subject.fail(
            "index and columns preserved",
            "transforming the rows in reverse order does not give the same value per (row, column); "
            "align by label, not by position",
        )

    # missing stays missing
    nan_in = X.isna().to_numpy()
    if (nan_in & out.notna().to_numpy()).any():
        subject.fail(
            "NaN in → NaN out",
            f"missing input cells got values: {_first_cells(nan_in & out.notna().to_numpy(), X)}; "
            "normalisers must not impute (that is an imputer's job)",
        )
    extra = _with_extra_nan(X)
    if extra is not None:
        X_nan, (r, c) = extra
        out_nan = fit_transform(subject.make(), X_nan.copy(deep=True))
        if pd.notna(out_nan.iat[r, c]):
            subject.fail(
                "NaN in → NaN out",
                f"the missing cell ({_py(X.index[r])!r}, {_py(X.columns[c])!r}) became "
                f"{_py(out_nan.iat[r, c])!r}; normalisers must not impute",
            )
        others = np.ones(X.shape, dtype=bool)
        others[r, c] = False
        changed = others & (_isfinite(out_nan) != _isfinite(out))
        if changed.any():
            subject.fail(
                "NaN in → NaN out",
                f"one missing cell ({_py(X.index[r])!r}, {_py(X.columns[c])!r}) changed whether other cells "
                f"are finite: {_first_cells(changed, X)}",
            )

    # higher stays better: monotone non-decreasing in the input, on the data and on it negated (a lower-is-better
    # indicator arrives multiplied by its direction -1, and its specs say so)
    if getattr(a, "oriented_by_params", False):  # e.g. categorical: its scores, as written, fix the order
        return
    _check_order(subject, X, out, "X")
    negated_specs = {c: attrs.evolve(spec, direction=-spec.direction) if attrs.has(type(spec)) else spec
                     for c, spec in dict(specs).items()}
    neg = -X
    obj = subject.make()
    try:
        obj.fit(neg.copy(deep=True), negated_specs)
        negated = obj.transform(neg.copy(deep=True))
    except ZhishuError:  # a documented refusal (a ratio scale needs positive values …) is not a wrong order
        return
    _check_order(subject, neg, negated,
                 "-X (as a lower-is-better indicator arrives: multiplied by direction -1, with specs direction -1)")


def _check_order(subject: _Subject, X: pd.DataFrame, out: pd.DataFrame, what: str) -> None:
    """Within each column, a larger input never gets a smaller output (ties in the output are allowed)."""
    values, result = X.to_numpy("float64"), out.to_numpy("float64")
    for j, column in enumerate(X.columns):
        keep = np.isfinite(values[:, j]) & np.isfinite(result[:, j])
        x, y = values[keep, j], result[keep, j]
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
        tol = 1e-12 * max(1.0, float(np.abs(y).max()) if len(y) else 1.0)
        bad = np.flatnonzero((np.diff(x) > 0) & (np.diff(y) < -tol))
        if len(bad):
            i = bad[0]
            subject.fail(
                "order preserved",
                f"on {what}, column {_py(column)!r}: input {x[i]:g} → {y[i]:g} but the larger input {x[i + 1]:g} → "
                f"{y[i + 1]:g}; a normaliser must be monotone non-decreasing in its input (higher stays better: it "
                "receives every indicator already multiplied by its direction, so it must not apply the direction "
                "again nor use |x|)",
            )


# --------------------------------------------------------------------------------------------- weightings


def check_weighting(
    factory: Callable[[], Any],
    X: pd.DataFrame | None = None,
    *,
    specs: Mapping[str, Any] | None = None,
    name: str | None = None,
) -> None:
    """Check a weighting class (or zero-argument factory) against zhishu's contracts.

    The API checked: ``obj.weights(X, specs)`` returns a float64 Series indexed by X's columns (in order), finite,
    non-negative and summing to 1 (within 1e-9), also when X has missing values; X and ``specs`` are not mutated;
    two fresh instances agree exactly; reordering X's columns reorders the weights and nothing else.

    :param X: the children's values (default :func:`sample_frame`).
    :param specs: passed to ``weights`` (default: a plain :class:`zhishu.IndicatorSpec` per column).
    :param name: the registered name, for messages.
    :raises AssertionError: naming the component and the broken contract.
    """
    X = _check_frame(sample_frame() if X is None else X)
    specs = _default_specs(X) if specs is None else specs
    subject = _Subject("weighting", factory, name, ("weights",))

    def weigh(obj: Any, data: pd.DataFrame) -> pd.Series:
        data_copy, specs_copy = data.copy(deep=True), copy.deepcopy(dict(specs))
        w = obj.weights(data, specs)
        diff = _frame_diff(data_copy, data)
        if diff:
            subject.fail("does not mutate its input", f"weights(X, specs) changed X: {diff}")
        diff = _mapping_diff(specs_copy, specs)
        if diff:
            subject.fail("does not mutate its input", f"weights(X, specs) changed specs: {diff}")
        if not isinstance(w, pd.Series):
            subject.fail("weights returns a Series", f"weights(X, specs) returned a {type(w).__name__}")
        _same_labels(subject, "weights(X, specs).index", w.index, data.columns)
        _float64(subject, "weights(X, specs)", [("weights", w.dtype)])
        values = w.to_numpy(dtype="float64", na_value=np.nan)
        if not np.isfinite(values).all():
            subject.fail("finite weights", f"weights are not all finite: {w.to_dict()}")
        if (values < 0).any():
            subject.fail("non-negative weights", f"some weights are negative: {w[w < 0].to_dict()}")
        total = float(values.sum())
        if abs(total - 1.0) > 1e-9:
            subject.fail("weights sum to 1", f"the weights sum to {total!r}, not 1 (tolerance 1e-9): {w.to_dict()}")
        return w

    a, b = subject.fresh_pair()
    w = weigh(a, X.copy(deep=True))
    diff = _series_diff(w, weigh(b, X.copy(deep=True)), ("first", "second"))
    if diff:
        subject.fail("deterministic", f"two fresh instances weigh the same X differently: {diff}")

    reordered = X[X.columns[::-1]]
    w_flipped = weigh(subject.make(), reordered.copy(deep=True))
    if not _close(w_flipped.reindex(X.columns), w):
        subject.fail(
            "index and columns preserved",
            f"reversing X's columns changes the weight of a column: {w.to_dict()} vs {w_flipped.to_dict()}; "
            "align by label, not by position",
        )

    if not X.isna().any().any():  # weights must also be valid when values are missing
        extra = _with_extra_nan(X)
        if extra is not None:
            weigh(subject.make(), extra[0])

    children = tuple(str(c) for c in X.columns)
    if isinstance(a, ChecksChildren):
        problems = a.check(children)
        if not isinstance(problems, list) or not all(isinstance(p, str) for p in problems):
            subject.fail("ChecksChildren", f"check(children) must return a list of strings, got {problems!r}")
    if isinstance(a, Reports):
        report = a.report(children)
        if not isinstance(report, dict) or not all(isinstance(k, str) for k in report):
            subject.fail("Reports", f"report(children) must return a dict with string keys, got {report!r}")


# --------------------------------------------------------------------------------------------- aggregators


def check_aggregator(
    factory: Callable[[], Any],
    X: pd.DataFrame | None = None,
    weights: pd.Series | None = None,
    *,
    name: str | None = None,
    idempotent: bool | None = None,
) -> None:
    """Check an aggregator class (or zero-argument factory) against zhishu's contracts.

    The API checked: ``obj.aggregate(X, weights)`` returns a float64 Series indexed by X's index (in order); X and
    ``weights`` are not mutated; two fresh instances agree exactly; weights are matched to columns by label; an
    all-NaN row gives NaN and does not change which other rows are finite.

    :param X: the children's normalised values (default :func:`sample_frame`; positive, so geometric means work).
    :param weights: a Series over X's columns summing to 1 (default :func:`sample_weights`).
    :param name: the registered name, for messages.
    :param idempotent: check that equal children give that value back (a mean does). Default: the
        aggregator's class attribute ``idempotent`` (``True`` when it has none); ranking methods such as TOPSIS
        or Copeland set ``idempotent = False``.
    :raises AssertionError: naming the component and the broken contract.

    Also checked: monotone in each child (raising one child's value of one row never lowers that row's score).
    """
    X = _check_frame(sample_frame() if X is None else X)
    weights = sample_weights(X) if weights is None else weights
    if not isinstance(weights, pd.Series) or set(weights.index) != set(X.columns):
        raise ValueError("weights must be a pandas Series indexed by the columns of X")
    subject = _Subject("aggregator", factory, name, ("aggregate",))

    def aggregate(obj: Any, data: pd.DataFrame, w: pd.Series) -> pd.Series:
        data_copy, w_copy = data.copy(deep=True), w.copy(deep=True)
        out = obj.aggregate(data, w)
        diff = _frame_diff(data_copy, data)
        if diff:
            subject.fail("does not mutate its input", f"aggregate(X, weights) changed X: {diff}")
        diff = _series_diff(w_copy, w)
        if diff:
            subject.fail("does not mutate its input", f"aggregate(X, weights) changed weights: {diff}")
        if not isinstance(out, pd.Series):
            subject.fail("aggregate returns a Series", f"aggregate(X, weights) returned a {type(out).__name__}")
        _same_labels(subject, "aggregate(X, weights).index", out.index, data.index)
        _float64(subject, "aggregate(X, weights)", [("scores", out.dtype)])
        return out

    a, b = subject.fresh_pair()
    out = aggregate(a, X.copy(deep=True), weights.copy(deep=True))
    diff = _series_diff(out, aggregate(b, X.copy(deep=True), weights.copy(deep=True)), ("first", "second"))
    if diff:
        subject.fail("deterministic", f"two fresh instances aggregate the same X differently: {diff}")

    # labels, not positions
    for what, data, w in (
        ("weights in reverse order", X, weights.iloc[::-1]),
        ("X's columns in reverse order", X[X.columns[::-1]], weights),
    ):
        other = aggregate(subject.make(), data.copy(deep=True), w.copy(deep=True))
        if not _close(other, out):
            subject.fail(
                "index and columns preserved",
                f"passing {what} changes the scores; match weights to X's columns by label, not by position",
            )
    flipped = aggregate(subject.make(), X.iloc[::-1].copy(deep=True), weights.copy(deep=True))
    if not _close(flipped.reindex(X.index), out):
        subject.fail(
            "index and columns preserved",
            "aggregating the rows in reverse order does not give the same score per row; align by label",
        )

    # missing stays missing: an all-NaN row
    X_nan = X.copy(deep=True)
    X_nan.iloc[0, :] = np.nan
    out_nan = aggregate(subject.make(), X_nan, weights.copy(deep=True))
    if pd.notna(out_nan.iloc[0]):
        subject.fail(
            "NaN in → NaN out",
            f"the row {_py(X.index[0])!r} has no values but aggregates to {_py(out_nan.iloc[0])!r}; it must be NaN",
        )
    changed = _isfinite(out_nan)[1:] != _isfinite(out)[1:]
    if changed.any():
        rows = [repr(_py(X.index[1 + i])) for i in np.flatnonzero(changed)[:3]]
        subject.fail("NaN in → NaN out", f"an all-NaN row changed whether other rows are finite: {', '.join(rows)}")

    _check_monotone(subject, X, weights, out, aggregate)
    if idempotent is None:
        idempotent = bool(getattr(a, "idempotent", True))
    if idempotent:
        _check_idempotent(subject, X, weights, aggregate)

    if isinstance(a, ByYear) and not isinstance(a.by_year, bool):
        subject.fail("ByYear", f"by_year must be True or False, got {a.by_year!r}")
    if isinstance(a, AggregatesArrays):
        _check_aggregate_array(subject, X_nan, weights)


def _check_monotone(subject: _Subject, X: pd.DataFrame, weights: pd.Series, out: pd.Series, aggregate) -> None:
    """Raising child ``c`` of one row (by a tenth of the column's spread, at least 1) never lowers its score."""
    values = X.to_numpy("float64")
    base = out.to_numpy("float64")
    for j, column in enumerate(X.columns):
        finite = values[np.isfinite(values[:, j]), j]
        step = max(1.0, 0.1 * float(finite.max() - finite.min())) if len(finite) else 1.0
        for i in np.flatnonzero(np.isfinite(values[:, j]) & np.isfinite(base)):
            up = X.copy(deep=True)
            up.iat[i, j] = values[i, j] + step
            got = float(aggregate(subject.make(), up, weights.copy(deep=True)).iloc[i])
            if got < base[i] - 1e-12 * max(1.0, abs(base[i])):
                subject.fail(
                    "monotone in each child",
                    f"raising child {_py(column)!r} of row {_py(X.index[i])!r} from {values[i, j]:g} to "
                    f"{values[i, j] + step:g} lowers its score from {base[i]:g} to {got:g}; a better child value "
                    "must never give a worse score (check the sign of each child's contribution)",
                )


def _check_idempotent(subject: _Subject, X: pd.DataFrame, weights: pd.Series, aggregate) -> None:
    """Every child equal to the first child's value: the score is that value (a mean of equal values)."""
    first = X.iloc[:, 0]
    keep = first.notna().to_numpy()
    equal = pd.DataFrame({c: first for c in X.columns}, index=X.index)[keep]
    got = aggregate(subject.make(), equal, weights.copy(deep=True)).to_numpy("float64")
    expected = first[keep].to_numpy("float64")
    bad = ~np.isclose(got, expected, rtol=1e-9, atol=1e-9)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        subject.fail(
            "equal children give that value back",
            f"every child of row {_py(equal.index[i])!r} is {expected[i]:g} but the score is {got[i]:g}; a mean "
            "of equal values must be that value. If this aggregator is not a mean (a ranking method), set the "
            "class attribute idempotent = False, or call check_aggregator(..., idempotent=False)",
        )


def _check_aggregate_array(subject: _Subject, X: pd.DataFrame, weights: pd.Series) -> None:
    """``aggregate_array`` agrees with ``aggregate``: one weight vector → (rows,), several → (rows, reps), the
    values the same for every replication or given per replication; inputs not mutated."""
    values = X.to_numpy(dtype="float64")
    w = weights.reindex(X.columns).to_numpy(dtype="float64")
    W = np.vstack([w, w[::-1] / w[::-1].sum()])
    expected = np.column_stack([subject.make().aggregate(X, pd.Series(row, index=X.columns)).to_numpy("float64")
                                for row in W])
    values_copy, W_copy = values.copy(), W.copy()
    obj = subject.make()
    for what, got, want in (
        ("aggregate_array(values, weights)", lambda: obj.aggregate_array(values, w), expected[:, 0]),
        ("aggregate_array(values, weights of 2 replications)", lambda: obj.aggregate_array(values, W), expected),
        ("aggregate_array(values of 2 replications, weights of 2 replications)",
         lambda: obj.aggregate_array(np.stack([values, values], axis=1), W), expected),
    ):
        out = got()
        if not isinstance(out, np.ndarray) or out.shape != want.shape:
            subject.fail("AggregatesArrays", f"{what} must return an array of shape {want.shape}, got "
                         f"{out.shape if isinstance(out, np.ndarray) else type(out).__name__}")
        if not np.allclose(out, want, rtol=1e-9, atol=1e-12, equal_nan=True):
            subject.fail("AggregatesArrays", f"{what} differs from aggregate(X, weights): {out!r} vs {want!r}")
    if not (np.array_equal(values, values_copy, equal_nan=True) and np.array_equal(W, W_copy)):
        subject.fail("does not mutate its input", "aggregate_array changed its values or weights")


# --------------------------------------------------------------------------------------------- treatments


def check_treatment(
    factory: Callable[[], Any],
    X: pd.DataFrame | None = None,
    *,
    context: Mapping[str, Any] | None = None,
    name: str | None = None,
) -> None:
    """Check an outlier-treatment class (or zero-argument factory) against zhishu's contracts.

    The API checked: ``obj.treat(X, context)`` returns a float64 DataFrame with X's index and columns in order,
    without mutating X; two fresh instances agree exactly; a missing cell stays missing; a treatment declaring
    :class:`zhishu.HasDetails` has a DataFrame ``details_`` after ``treat``.
    """
    X = _check_frame(sample_frame() if X is None else X)
    context = {} if context is None else context
    subject = _Subject("outlier treatment", factory, name, ("treat",))

    def treat(obj: Any) -> pd.DataFrame:
        data = X.copy(deep=True)
        out = obj.treat(data, context)
        diff = _frame_diff(X, data)
        if diff:
            subject.fail("does not mutate its input", f"treat(X, context) changed X: {diff}")
        if not isinstance(out, pd.DataFrame):
            subject.fail("treat returns a DataFrame", f"treat(X, context) returned a {type(out).__name__}")
        _same_labels(subject, "treat(X, context).index", out.index, X.index)
        _same_labels(subject, "treat(X, context).columns", out.columns, X.columns)
        _float64(subject, "treat(X, context)", out.dtypes.items())
        if isinstance(obj, HasDetails) and not isinstance(obj.details_, pd.DataFrame):
            subject.fail("HasDetails", f"details_ must be a DataFrame after treat, got {type(obj.details_).__name__}")
        return out

    a, b = subject.fresh_pair()
    out = treat(a)
    diff = _frame_diff(out, treat(b), ("first", "second"))
    if diff:
        subject.fail("deterministic", f"two fresh instances treat the same X differently: {diff}")
    nan_in = X.isna().to_numpy()
    if (nan_in & out.notna().to_numpy()).any():
        filled = _first_cells(nan_in & out.notna().to_numpy(), X)
        subject.fail("NaN in → NaN out", f"missing cells got values: {filled}; treatments must not impute")


# --------------------------------------------------------------------------------------------- dispatch

#: Registry kind → check function.
CHECKS: dict[str, Callable[..., None]] = {
    "normalisers": check_normaliser,
    "weightings": check_weighting,
    "aggregators": check_aggregator,
    "treatments": check_treatment,
}


def check_registered(kind: str, name: str, factory: Callable[[], Any], **kwargs: Any) -> None:
    """Run the check for ``kind`` (``"normalisers"``, ``"weightings"`` or ``"aggregators"``) on the component
    registered as ``name``; ``kwargs`` (``X``, ``weights``, ``specs``) go to the check."""
    try:
        check = CHECKS[kind]
    except KeyError:
        raise ValueError(f"no conformance check for kind {kind!r}; kinds with checks: {', '.join(CHECKS)}") from None
    check(factory, name=name, **kwargs)


def check_registries(
    registries: Any,
    *,
    factories: Mapping[str, Mapping[str, Callable[[], Any]]] | None = None,
    skip: Iterable[tuple[str, str]] = (),
    X: pd.DataFrame | None = None,
) -> list[tuple[str, str]]:
    """Check every registered normaliser, weighting, aggregator and outlier treatment, e.g.
    ``zhishu.Hooks().registries``.

    :param factories: ``{kind: {name: factory}}`` for components that need parameters (e.g. ``fixed``).
    :param skip: ``(kind, name)`` pairs not to check.
    :returns: the ``(kind, name)`` pairs checked.
    """
    factories = factories or {}
    skipped = set(skip)
    checked = []
    for kind in CHECKS:
        for name in registries[kind]:
            if (kind, name) in skipped:
                continue
            factory = factories.get(kind, {}).get(name, registries[kind].get(name))
            check_registered(kind, name, factory, X=X)
            checked.append((kind, name))
    return checked


def check_plugin(
    plugin: Any,
    *,
    factories: Mapping[str, Mapping[str, Callable[[], Any]]] | None = None,
    X: pd.DataFrame | None = None,
) -> list[tuple[str, str]]:
    """Check every normaliser, weighting, aggregator and treatment that ``plugin`` (a module or object with
    ``register_*`` hook implementations) registers. ``factories`` as in :func:`check_registries`.

    :returns: the ``(kind, name)`` pairs checked.
    """
    factories = factories or {}
    checked = []
    for kind in CHECKS:
        hook = getattr(plugin, f"register_{kind}", None)
        if hook is None:
            continue
        found: list[tuple[str, Any]] = []
        hook(register=lambda name, obj: found.append((name, obj)))
        for name, obj in found:
            if isinstance(obj, Lazy):  # registered as zhishu.lazy("module:Name"): the object it names
                obj = obj.load()
            check_registered(kind, name, factories.get(kind, {}).get(name, obj), X=X)
            checked.append((kind, name))
    return checked


# --------------------------------------------------------------------------------------------- pytest plugin

try:
    import pytest
except ImportError:  # pragma: no cover - the checks work without pytest; the fixtures need it
    pass
else:

    @pytest.fixture
    def zhishu_sample_frame() -> pd.DataFrame:
        """A fresh :func:`sample_frame`: 6 units × 2 years, columns ``x1 x2 x3``, one missing cell."""
        return sample_frame()

    @pytest.fixture
    def zhishu_sample_weights(zhishu_sample_frame: pd.DataFrame) -> pd.Series:
        """:func:`sample_weights` over the columns of ``zhishu_sample_frame`` (0.5, 1/3, 1/6)."""
        return sample_weights(zhishu_sample_frame)
