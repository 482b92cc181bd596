"""Built-in weightings: equal and fixed (from the config, normalised within each parent)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import numpy as np
import pandas as pd

from ..classes import define
from ..hookspecs import hookimpl


@define(kw_only=True)
class Equal:
    """Every child weighs ``1 / n``."""

    def weights(self, X: pd.DataFrame, specs=None) -> pd.Series:
        n = X.shape[1]
        return pd.Series(np.full(n, 1.0 / n if n else np.nan), index=X.columns, dtype=np.float64)


def _nonnegative(instance, attribute, value: Mapping[str, float]) -> None:
    bad = {k: v for k, v in value.items() if not (np.isfinite(v) and v >= 0)}
    if bad:
        raise ValueError(f"weights must be finite and non-negative, got {bad}")
    if value and sum(value.values()) <= 0:
        raise ValueError("weights must not all be zero")
    if not np.isfinite(sum(value.values())):
        raise ValueError(f"the weights overflow: their sum is not a finite number (the largest is "
                         f"{max(value.values()):g}); use relative weights such as 2 and 1")


@define(kw_only=True)
class Fixed:
    """Weights given in the config, one per child, divided by their sum: ``values = { a = 2, b = 1 }`` gives
    a 2/3 and b 1/3. A node's ``weights = { … }`` is shorthand for this weighting."""

    values: Mapping[str, float] = attrs.field(validator=_nonnegative)

    def check(self, children: tuple[str, ...]) -> list[str]:
        """Problems with these weights for a node with ``children`` (empty when they fit)."""
        problems = []
        missing = [c for c in children if c not in self.values]
        extra = [k for k in self.values if k not in children]
        if missing:
            child = "child" if len(missing) == 1 else "children"
            problems.append(f"no weight for {child} {', '.join(map(repr, missing))}; give every child a weight")
        if extra:
            problems.append(
                f"weight for {', '.join(map(repr, extra))}, which is not a child; children: {', '.join(children)}"
            )
        return problems

    def weights(self, X: pd.DataFrame, specs=None) -> pd.Series:
        w = pd.Series({c: float(self.values[c]) for c in X.columns}, dtype="float64")
        return w / w.sum()


@hookimpl
def register_weightings(register):
    register("equal", Equal)
    register("fixed", Fixed)
