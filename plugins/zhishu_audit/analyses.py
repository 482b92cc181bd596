"""The audit's tables as analyses: each usable as ``[analyses.<name>]`` in a config, returning one table.

``[analyses.cronbach]`` alone switches on Cronbach's alpha (written as ``analysis-cronbach.csv``); another
table name needs ``plugin = "cronbach"``. Parameters are checked when the config is structured (attrs
validators) and the problems name their TOML key.
"""

from __future__ import annotations

import attrs
import pandas as pd
import zhishu

from . import tables as _audit
from . import consistency, correlation, first_order, frames, leave_one_out, stats


def _choices(*allowed: str):
    def check(instance, attribute, value) -> None:
        values = (value,) if isinstance(value, str) else tuple(value)
        bad = [v for v in values if v not in allowed]
        if bad or not values:
            shown = repr(value) if isinstance(value, str) else repr(list(value))
            raise ValueError(f"{attribute.name} must be {'one' if isinstance(value, str) else 'some'} of "
                             f"{', '.join(map(repr, allowed))}, not {shown}")

    return check


def _tuple(value):
    return (value,) if isinstance(value, str) else tuple(value)


def _key_path(analysis, result) -> str:
    """``analyses.<name>`` of ``analysis`` in the run's config ("" when built in Python)."""
    for method in getattr(getattr(result, "plan", None), "analyses", {}).values():
        if type(method.obj) is type(analysis) and method.obj == analysis:
            return method.key_path
    return ""


def _year(table: pd.DataFrame, analysis, result) -> pd.DataFrame:
    """``table`` restricted to the analysis's ``year`` (every year when None); a year the run lacks is a
    DataError at ``analyses.<name>.params.year``."""
    year = analysis.year
    if year is None:
        return table
    years = frames.years(result)
    if year not in years:
        where = _key_path(analysis, result)
        raise zhishu.DataError([zhishu.Issue(f"year {year} is not in this run, which covers {years}; choose one "
                                             "of those years or leave year out for every year",
                                             f"{where}.params.year" if where else "year")])
    return table[table["year"] == year].reset_index(drop=True)


@attrs.define(kw_only=True)
class IndicatorStats:
    """n, missing, min, max, mean, median, sd, skewness, kurtosis, quartiles and the outlier and
    variation flags of every indicator (``datasets``: ``raw`` oriented values and/or ``normalised``)."""

    datasets: tuple[str, ...] = attrs.field(default=("raw", "normalised"), converter=_tuple,
                                            validator=_choices(*frames.DATASETS))
    year: int | None = None

    def run(self, result) -> pd.DataFrame:
        return _year(stats.indicator_stats(result, self.datasets), self, result)


@attrs.define(kw_only=True)
class Coverage:
    """Shares of data present, imputed and treated per indicator (``by = "indicator"``) or unit and year."""

    by: str = attrs.field(default="indicator", validator=_choices("indicator", "unit"))
    year: int | None = None

    def run(self, result) -> pd.DataFrame:
        return _year(stats.coverage(result, self.by), self, result)


@attrs.define(kw_only=True)
class Correlations:
    """Pairwise-complete Pearson and Spearman correlations within nodes, with parents, with the root and
    across each level of the tree."""

    datasets: tuple[str, ...] = attrs.field(default=frames.DATASETS, converter=_tuple,
                                            validator=_choices(*frames.DATASETS))
    methods: tuple[str, ...] = attrs.field(default=correlation.METHODS, converter=_tuple,
                                           validator=_choices(*correlation.METHODS))
    year: int | None = None

    def run(self, result) -> pd.DataFrame:
        return _year(correlation.correlations(result, self.datasets, self.methods), self, result)


def _unit_interval(instance, attribute, value) -> None:
    if not 0 < value <= 1:
        raise ValueError(f"{attribute.name} must be in (0, 1], not {value!r}")


@attrs.define(kw_only=True)
class CorrelationFlags:
    """Negative correlations within a node and with the parent, |r| ≥ ``redundant`` pairs, and items that
    correlate more with another node of their parent's level."""

    redundant: float = attrs.field(default=correlation.REDUNDANT, validator=_unit_interval)
    year: int | None = None

    def run(self, result) -> pd.DataFrame:
        return _year(correlation.correlation_flags(result, redundant=self.redundant), self, result)


@attrs.define(kw_only=True)
class Cronbach:
    """Cronbach's alpha of every node's children (pairwise-complete covariances, as COINr)."""

    year: int | None = None

    def run(self, result) -> pd.DataFrame:
        return _year(consistency.cronbach(result), self, result)


@attrs.define(kw_only=True)
class PCA:
    """Eigenvalues of the correlation matrix of every node's children, with shares of variance."""

    year: int | None = None

    def run(self, result) -> pd.DataFrame:
        return _year(consistency.pca_tables(result)[0], self, result)


@attrs.define(kw_only=True)
class PCALoadings:
    """Eigenvectors and loadings of every component of every node's children."""

    year: int | None = None

    def run(self, result) -> pd.DataFrame:
        return _year(consistency.pca_tables(result)[1], self, result)


@attrs.define(kw_only=True)
class Consistency:
    """Per node: Cronbach's alpha, the first component's share, the number of eigenvalues above 1."""

    year: int | None = None

    def run(self, result) -> pd.DataFrame:
        return _year(consistency.consistency_summary(result), self, result)


def _knots(instance, attribute, value) -> None:
    if not 0 <= value <= 30:
        raise ValueError(f"{attribute.name} must be between 0 and 30, not {value!r}")


@attrs.define(kw_only=True)
class Importance:
    """Squared correlation and correlation ratio of each child with its node's score, beside its weight."""

    max_knots: int = attrs.field(default=first_order.MAX_KNOTS, validator=_knots)
    year: int | None = None

    def run(self, result) -> pd.DataFrame:
        return _year(first_order.importance(result, self.max_knots), self, result)


@attrs.define(kw_only=True)
class LeaveOneOut:
    """Per indicator: how far the root's ranks move when its weight is set to 0 (re-aggregated)."""

    year: int | None = None

    def run(self, result) -> pd.DataFrame:
        return _year(leave_one_out.leave_one_out(result), self, result)


@attrs.define(kw_only=True)
class Findings:
    """Every problem the audit finds, one sentence per row (what ``audit.md`` lists)."""

    year: int | None = None

    def run(self, result) -> pd.DataFrame:
        return _year(_audit.audit(result)["findings"], self, result)


ANALYSES = {
    "indicator_stats": IndicatorStats,
    "coverage": Coverage,
    "correlations": Correlations,
    "correlation_flags": CorrelationFlags,
    "cronbach": Cronbach,
    "pca": PCA,
    "pca_loadings": PCALoadings,
    "consistency": Consistency,
    "importance": Importance,
    "leave_one_out": LeaveOneOut,
    "audit_findings": Findings,
}
