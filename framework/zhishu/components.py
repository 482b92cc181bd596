"""What plugins register: component protocols and the indicator / sub-index specifications.

Frames everywhere have the index (unit, year) — a pandas MultiIndex named ``("unit", "year")`` — and one
float column per indicator, variable or node; NaN means missing. Metadata (direction, unit) travels in
specs, never in ``DataFrame.attrs``.

A method component is an attrs class whose fields are its parameters, so a TOML ``params`` table structures
straight into it (strictly: unknown keys and wrong types are errors). ``__init__`` only stores parameters;
state learned by ``fit`` ends in ``_``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs
from .classes import frozen
import numpy as np
import pandas as pd

INDEX_NAMES = ("unit", "year")


def _direction(instance, attribute, value) -> None:
    if value not in (1, -1) or isinstance(value, bool):
        raise ValueError(f"direction must be 1 (higher is better) or -1 (lower is better), not {value!r}")


@frozen(kw_only=True)
class MethodSpec:
    """A method chosen by name with its parameters, e.g. ``{ method = "minmax", params = { high = 1 } }``.

    In TOML a bare string ``"minmax"`` means the method with default parameters.
    """

    method: str
    params: Mapping[str, Any] = attrs.field(factory=dict)


@frozen(kw_only=True)
class IndicatorSpec:
    """One indicator: what it measures and how its value is obtained from source variables.

    The value is the source variable ``variable`` (default: the id) or, when ``formula`` is set, the formula
    evaluated over source variables and the constants in ``params`` (see :mod:`zhishu.formula`).
    """

    id: str
    name_zh: str = ""
    name_en: str = ""
    unit: str = ""
    direction: int = attrs.field(default=1, validator=_direction)
    variable: str | None = None
    formula: str | None = None
    params: Mapping[str, float] = attrs.field(factory=dict)
    description: str = ""

    @property
    def name(self) -> str:
        return self.name_en or self.name_zh or self.id


@frozen(kw_only=True)
class SubIndexSpec:
    """A node of an index tree that a plugin ships: its children and optional default methods."""

    id: str
    name_zh: str = ""
    name_en: str = ""
    children: tuple[str, ...] = attrs.field(converter=tuple)
    weighting: MethodSpec | None = None
    aggregator: MethodSpec | None = None
    weights: Mapping[str, float] | None = None
    description: str = ""


@frozen(kw_only=True)
class UnitSpec:
    """One unit: its id in every output, display name, other spellings found in data, and group memberships."""

    id: str
    name: str = ""
    aliases: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    groups: Mapping[str, str] = attrs.field(factory=dict)


@frozen(kw_only=True)
class UnitSet:
    """A named list of units a plugin ships (``[index] unit_set = "…"``), e.g. the provinces of China."""

    id: str
    units: tuple[UnitSpec, ...] = attrs.field(converter=tuple)
    name: str = ""
    description: str = ""


@frozen(kw_only=True)
class SourceContext:
    """What a source's ``load`` may use: the config's folder, the reader hook and the source's key path.

    ``key_path`` is the source's TOML table, ``sources.<id>``; a problem with one parameter is reported at
    ``sources.<id>.params.<name>``, a problem with the data itself at ``sources.<id>`` with ``file=`` set.
    Readers number the rows of the frames they return by line in the file (index named ``line``, or ``row``
    for spreadsheets), so that messages can point at them.
    """

    base_dir: Path
    source_id: str
    key_path: str
    read_table_hook: Any  # Hooks.read_table
    inputs: list[Path] = attrs.field(factory=list)  # every file read is recorded for the manifest
    details: dict = attrs.field(factory=dict)  # what readers detected (encodings…), for the manifest
    data_roots: tuple[Path, ...] = ()  # every file read must be inside each of these (zhishu.data_root)

    def resolve(self, path: str | Path) -> Path:
        """``path`` relative to the config file's folder (absolute paths unchanged)."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    def read_table(self, path: str | Path, **options: Any) -> pd.DataFrame:
        resolved = self.resolve(path)
        if self.data_roots:
            from .data_root import check_inside

            check_inside(resolved, self.data_roots, path)
        options = {**options, "detected": {}}
        frame = self.read_table_hook(resolved, options)
        self.inputs.append(resolved)
        if options["detected"]:
            self.details[str(resolved)] = options["detected"]
        return frame


# --------------------------------------------------------------------------------------------- protocols


@runtime_checkable
class Source(Protocol):
    def load(self, context: SourceContext) -> pd.DataFrame:
        """Floats indexed by (unit, year), one column per variable; unit labels as written in the file."""


@runtime_checkable
class Normaliser(Protocol):
    def fit(self, X: pd.DataFrame, specs: Mapping[str, IndicatorSpec]) -> Normaliser: ...

    def transform(self, X: pd.DataFrame) -> pd.DataFrame: ...


@runtime_checkable
class Weighting(Protocol):
    def weights(self, X: pd.DataFrame, specs: Mapping[str, Any]) -> pd.Series: ...


@runtime_checkable
class Aggregator(Protocol):
    def aggregate(self, X: pd.DataFrame, weights: pd.Series) -> pd.Series: ...


@runtime_checkable
class Imputer(Protocol):
    def impute(self, X: pd.DataFrame, context: Mapping[str, Any]) -> pd.DataFrame: ...


@runtime_checkable
class Treatment(Protocol):
    def treat(self, X: pd.DataFrame, context: Mapping[str, Any]) -> pd.DataFrame: ...


@runtime_checkable
class Transform(Protocol):
    def fit(self, X: pd.DataFrame, specs: Mapping[str, IndicatorSpec]) -> Transform: ...

    def transform(self, X: pd.DataFrame) -> pd.DataFrame: ...


@runtime_checkable
class Analysis(Protocol):
    def run(self, result: Any) -> pd.DataFrame: ...


@runtime_checkable
class Exporter(Protocol):
    def export(self, result: Any, outdir: Path, writer: Any) -> list[Path]: ...


# --------------------------------------------------------------------------------------------- capabilities
# Optional protocols a component may implement on top of its kind's protocol. zhishu tests for them with
# isinstance (never with hasattr or a class test), so a third-party component that implements one gets exactly
# the treatment a built-in gets. zhishu.testing checks their contracts.


@runtime_checkable
class ByYear(Protocol):
    """An aggregator that compares units with each other (Copeland, TOPSIS): set ``by_year = True`` (a class
    attribute) and it sees the rows of one year at a time, and never the units below the node's min_share."""

    by_year: bool


def compares_units(aggregator: Any) -> bool:
    """True when ``aggregator`` declares :class:`ByYear` with ``by_year = True``."""
    return isinstance(aggregator, ByYear) and bool(aggregator.by_year)


@functools.cache
def _methods(protocol: type) -> tuple[str, ...]:
    return tuple(n for n, v in vars(protocol).items() if callable(v) and not n.startswith("_"))


def provides(obj: Any, protocol: type) -> bool:
    """``isinstance(obj, protocol)`` for a runtime-checkable protocol of methods, answered ``False`` at once when
    ``obj`` has no such method (no attribute, or None) — typing's check walks the protocol's members on every
    call (tens of µs), which adds up over the nodes and methods of a config; the positive case still asks
    ``isinstance``, so the same objects are accepted."""
    return all(getattr(obj, n, None) is not None for n in _methods(protocol)) and isinstance(obj, protocol)


@runtime_checkable
class AggregatesArrays(Protocol):
    """An aggregator with a vectorised form over plain arrays, used where many weightings are evaluated at once
    (the sensitivity engine); it must give the same scores as ``aggregate``.

    ``values``: ``(rows, children)`` or ``(rows, reps, children)``, NaN = missing; ``weights``: non-negative,
    ``(children,)`` or ``(reps, children)``, not necessarily summing to 1. Returns ``(rows,)`` or
    ``(rows, reps)``: each row's aggregate with the weights re-normalised over its present children, NaN where
    no child is present. Only for aggregators that work row by row (not :class:`ByYear` ones).
    """

    def aggregate_array(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class Reports(Protocol):
    """A weighting with diagnostics (AHP: λmax, CI, CR): ``report(children)`` → a dict of plain values, shown by
    ``zhishu explain`` and written to the run manifest under ``weight_reports``."""

    def report(self, children: tuple[str, ...]) -> dict[str, Any]: ...


@runtime_checkable
class ChecksChildren(Protocol):
    """A weighting whose parameters must fit the node's children (fixed weights, AHP judgments):
    ``check(children)`` → problems (strings), reported at load time at the weighting's key path."""

    def check(self, children: tuple[str, ...]) -> list[str]: ...


@runtime_checkable
class HasDetails(Protocol):
    """An outlier treatment that records what it did: after ``treat``, ``details_`` is a DataFrame (one row per
    indicator, and year), written as ``outliers.csv`` with a ``treatment`` column added."""

    details_: pd.DataFrame


@runtime_checkable
class ResolvesMethods(Protocol):
    """A method built from other methods (combination weighting): ``resolve_methods(make)`` is called once after
    construction with ``make(kind, MethodSpec, sub_path) -> object | None``, which resolves a method by name
    exactly as the config's own methods are (unknown names are reported at ``<key path>.<sub_path>``)."""

    def resolve_methods(self, make: Any) -> None: ...


@runtime_checkable
class ChecksConfig(Protocol):
    """Any configured method whose parameters can only be checked against the whole resolved plan (an indicator
    or node it names, a reference unit …): ``config_issues(plan, where)`` → ``(key path, problem)`` pairs,
    ``where`` being the method's own key path (e.g. ``indicators.x.normaliser``). zhishu calls it once per
    configured method at load time, so ``zhishu validate`` reports the problems before anything runs."""

    def config_issues(self, plan: Any, where: str) -> list[tuple[str, str]]: ...


#: every optional capability, by name (exported, and listed in the plugin-author docs)
CAPABILITIES: dict[str, type] = {
    "ByYear": ByYear,
    "AggregatesArrays": AggregatesArrays,
    "Reports": Reports,
    "ChecksChildren": ChecksChildren,
    "HasDetails": HasDetails,
    "ResolvesMethods": ResolvesMethods,
    "ChecksConfig": ChecksConfig,
}
